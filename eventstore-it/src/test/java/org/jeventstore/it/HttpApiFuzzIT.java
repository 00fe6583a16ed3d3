package org.jeventstore.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import org.jeventstore.testkit.DevUsers;

/**
 * Random requests against a whole server: random stream ids, expected versions, bodies (valid events, random
 * JSON, garbage text, invalid UTF-8, bodies around the size limit), content types, extra headers, users, origins
 * (with and without the X-Requested-By header; a write that a page of another site could have sent is refused)
 * and read parameters. Whatever comes in, the server stays up, answers without a 5xx and without internals (SQL, stack
 * traces, server paths), and an append that is not answered 200 has written nothing: the database holds exactly
 * as many events as before, and the stream's version is unchanged.
 */
class HttpApiFuzzIT {

    static final Pattern STREAM_VERSION = Pattern.compile("\"streamVersion\":(\\d+)");
    static final List<String> INTERNALS = List.of("SQLSTATE", "org.postgresql", "PSQL", "\tat ", "at org.",
            "at java.", ".java:", "/usr/servers", "wlp/", "jdbc/", "Exception:", "select ", "SELECT ", "insert into",
            "INSERT INTO");

    static Http http;
    static Connection db;

    @BeforeContainer
    static void start() throws SQLException {
        http = WebServer.http();
        db = WebServer.database().connect();
    }

    @AfterContainer
    static void close() throws SQLException {
        if (db != null) {
            db.close();
        }
    }

    /**
     * Where a request says it comes from: an {@code Origin} (none, this server, another site, or {@code null}) and
     * whether it carries {@code X-Requested-By}; a write without the header or from another origin is refused.
     */
    record Source(String origin, boolean requestedBy) {
        boolean forged() {
            return !requestedBy || (origin != null && !origin.equals("http://127.0.0.1:" + WebServer.get().httpPort()));
        }
    }

    /** One request. */
    record Request(String method, String streamId, String query, byte[] body, String contentType,
                   DevUsers user, String headerName, String headerValue, Source source, boolean readAll) {
        String path() {
            return (readAll ? "/api/all" : "/api/streams/" + encode(streamId)) + query;
        }

        @Override
        public String toString() {
            String text = body == null ? "" : new String(body, StandardCharsets.UTF_8);
            return method + " " + path() + " as " + user + " from " + source + " type " + contentType + " body("
                    + (body == null ? 0 : body.length) + ")=" + (text.length() > 300 ? text.substring(0, 300) + "..."
                    : text);
        }
    }

    @Property(tries = 2000, shrinking = net.jqwik.api.ShrinkingMode.BOUNDED)
    void any_request_leaves_the_server_up_answers_without_internals_and_writes_all_or_nothing(
            @ForAll("requests") Request request) throws SQLException {
        long[] before = snapshot(request.streamId());
        Map<String, String> headers = new HashMap<>();
        if (request.contentType() != null) {
            headers.put("Content-Type", request.contentType());
        }
        headers.put(request.headerName(), request.headerValue());
        if (request.source().origin() != null) {
            headers.put("Origin", request.source().origin());
        }
        Http.Response r = (request.source().requestedBy() ? http : http.withoutRequestedBy()).callBytes(
                request.method(), request.path(), request.user() == null ? null : request.user().basicAuth(),
                request.body(), headers);
        long[] after = snapshot(request.streamId());

        assertThat(r.status()).as("%s -> %s", request, r.body()).isBetween(200, 499);
        if (!request.method().equals("GET") && request.source().forged()) {
            // refused: 401/403, or a 400 of the container for a URI it does not serve, before anything runs
            assertThat(r.status()).as("%s -> %s", request, r.body()).isGreaterThanOrEqualTo(400);
        }
        for (String internal : INTERNALS) {
            assertThat(r.body()).as("%s -> %s", request, r.body()).doesNotContain(internal);
        }
        if (request.method().equals("POST") && r.status() == 200) {
            Matcher m = STREAM_VERSION.matcher(r.body());
            assertThat(m.find()).as(r.body()).isTrue();
            long version = Long.parseLong(m.group(1));
            assertThat(after[1]).as("stream version after %s", request).isEqualTo(version);
            assertThat(after[0] - before[0]).as("events written by %s", request).isEqualTo(version - before[1])
                    .isPositive();
        } else {
            assertThat(after).as("nothing written by %s -> %s %s", request, r.status(), r.body())
                    .containsExactly(before);
        }
        assertThat(http.get("/health/live", null).status()).isEqualTo(200);
    }

    /** Events stored in all, and the stream's version (0 when it does not exist). */
    static long[] snapshot(String streamId) throws SQLException {
        try (PreparedStatement ps = db.prepareStatement("SELECT (SELECT count(*) FROM events),"
                + " (SELECT coalesce(max(stream_version), 0) FROM streams WHERE stream_uuid = ?)")) {
            ps.setString(1, streamId.replace("\u0000", ""));
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return new long[] {rs.getLong(1), rs.getLong(2)};
            }
        }
    }

    static String encode(String streamId) {
        StringBuilder out = new StringBuilder();
        for (byte b : streamId.getBytes(StandardCharsets.UTF_8)) {
            char c = (char) (b & 0xff);
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_'
                    || c == '.' || c == '~') {
                out.append(c);
            } else {
                out.append('%').append(String.format("%02X", b & 0xff));
            }
        }
        return out.toString();
    }

    @Provide
    Arbitrary<Request> requests() {
        Arbitrary<String> method = Arbitraries.frequency(List.of(
                net.jqwik.api.Tuple.of(8, "POST"), net.jqwik.api.Tuple.of(3, "GET"),
                net.jqwik.api.Tuple.of(1, "PUT"), net.jqwik.api.Tuple.of(1, "DELETE")));
        Arbitrary<DevUsers> user = Arbitraries.frequency(List.of(
                net.jqwik.api.Tuple.of(8, DevUsers.WRITER), net.jqwik.api.Tuple.of(2, DevUsers.ADMIN),
                net.jqwik.api.Tuple.of(1, DevUsers.READER))).injectNull(0.05);
        Arbitrary<String> headerName = Arbitraries.strings().withCharRange('a', 'z').ofMinLength(1).ofMaxLength(12)
                .map(s -> "X-" + s);
        Arbitrary<String> headerValue = Arbitraries.strings().withCharRange(' ', '~').ofMaxLength(200);
        Arbitrary<String> origin = Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(6, Arbitraries.just((String) null)),
                net.jqwik.api.Tuple.of(2, Arbitraries.create(() -> "http://127.0.0.1:" + WebServer.get().httpPort())),
                net.jqwik.api.Tuple.of(1, Arbitraries.of("http://evil.example", "null", "http://localhost",
                        "https://127.0.0.1")));
        Arbitrary<Source> source = Combinators.combine(origin, Arbitraries.integers().between(0, 9).map(i -> i > 0))
                .as(Source::new);
        return Combinators.combine(method, streamIds(), query(), bodies(), contentTypes(), user,
                Combinators.combine(headerName, headerValue, source).as((n, v, from) -> new Object[] {n, v, from}),
                Arbitraries.integers().between(0, 19).map(i -> i == 0))
                .as((m, id, q, b, ct, u, h, all) -> new Request(m, id, m.equals("GET") ? q : expected(q), m.equals("GET")
                        ? null : b, ct, u, (String) h[0], (String) h[1], (Source) h[2], all && m.equals("GET")));
    }

    /** A query string: for reads, start/count/direction; for writes the expectedVersion part is taken from it. */
    Arbitrary<String> query() {
        Arbitrary<String> number = Arbitraries.oneOf(Arbitraries.longs().map(l -> Long.toString(l)),
                Arbitraries.integers().between(-3, 300).map(Object::toString),
                Arbitraries.strings().withCharRange(' ', '~').ofMaxLength(10).map(HttpApiFuzzIT::encode));
        Arbitrary<String> direction = Arbitraries.of("forward", "backward", "sideways", "FORWARD", "");
        Arbitrary<String> expected = Arbitraries.oneOf(Arbitraries.of("any", "no_stream", "stream_exists", "", "-1"),
                Arbitraries.integers().between(0, 5).map(Object::toString),
                Arbitraries.strings().ofMaxLength(12).map(HttpApiFuzzIT::encode));
        return Combinators.combine(number, number, direction, expected, Arbitraries.integers().between(0, 15))
                .as((start, count, dir, exp, mask) -> "?" + ((mask & 1) != 0 ? "start=" + start + "&" : "")
                        + ((mask & 2) != 0 ? "count=" + count + "&" : "") + ((mask & 4) != 0 ? "direction=" + dir + "&"
                        : "") + ((mask & 8) != 0 ? "#expectedVersion=" + exp : ""));
    }

    static String expected(String query) {
        int at = query.indexOf("#expectedVersion=");
        return at < 0 ? "" : "?" + query.substring(at + 1);
    }

    Arbitrary<String> streamIds() {
        return Arbitraries.oneOf(
                Arbitraries.strings().alpha().numeric().ofMinLength(1).ofMaxLength(6).map(s -> "fuzz-" + s),
                Arbitraries.strings().all().ofMinLength(1).ofMaxLength(30)
                        .filter(s -> !s.isBlank() && s.chars().noneMatch(c -> Character.isSurrogate((char) c))),
                Arbitraries.of("$all", " ", "a/b", "..", "%", "\u0000x", "ü-stream", "fuzz-fixed"),
                Arbitraries.integers().between(1990, 2010).map("l"::repeat));
    }

    Arbitrary<String> contentTypes() {
        return Arbitraries.oneOf(Arbitraries.of("application/json", "application/json; charset=utf-8",
                "application/json", "application/json", "text/plain", "application/xml", "*/*", "application/json;;"),
                Arbitraries.strings().withCharRange('!', '~').ofMaxLength(20)).injectNull(0.05);
    }

    Arbitrary<byte[]> bodies() {
        Arbitrary<String> validEvents = event().list().ofMinSize(1).ofMaxSize(60)
                .map(l -> "[" + String.join(",", l) + "]");
        return Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(6, validEvents.map(s -> s.getBytes(StandardCharsets.UTF_8))),
                net.jqwik.api.Tuple.of(2, json(4).map(s -> s.getBytes(StandardCharsets.UTF_8))),
                net.jqwik.api.Tuple.of(1, Arbitraries.strings().all().ofMaxLength(200)
                        .map(s -> s.getBytes(StandardCharsets.UTF_8))),
                net.jqwik.api.Tuple.of(1, Arbitraries.bytes().array(byte[].class).ofMaxSize(300)),
                net.jqwik.api.Tuple.of(1, Arbitraries.integers().between(-40, 40).map(HttpApiFuzzIT::aroundTheLimit)));
    }

    /** One event with the size in bytes near the server's body limit (the fixed parts are 37 bytes). */
    static byte[] aroundTheLimit(int delta) {
        String prefix = "[{\"eventType\":\"big\",\"data\":\"";
        String suffix = "\"}]";
        int fill = WebServer.MAX_BODY_BYTES + delta - prefix.length() - suffix.length();
        return (prefix + "x".repeat(Math.max(0, fill)) + suffix).getBytes(StandardCharsets.UTF_8);
    }

    Arbitrary<String> event() {
        Arbitrary<String> type = Arbitraries.oneOf(Arbitraries.of("\"t\"", "\"org.jeventstore.EventStore\"",
                        "\"java.lang.Runtime\"", "\"\"", "null", "5", "\"a\\u0000\""),
                Arbitraries.strings().alpha().ofMinLength(1).ofMaxLength(20).map(s -> "\"" + s + "\""));
        Arbitrary<String> id = Arbitraries.oneOf(Arbitraries.create(java.util.UUID::randomUUID)
                        .map(u -> "\"" + u + "\""),
                Arbitraries.of("\"not-a-uuid\"", "1", "null", "\"00000000-0000-0000-0000-000000000001\""));
        Arbitrary<Integer> mask = Arbitraries.integers().between(0, 63);
        return Combinators.combine(type, json(3), json(2), id, mask).as((t, data, meta, eid, m) -> {
            List<String> fields = new ArrayList<>();
            if ((m & 1) == 0) {
                fields.add("\"eventType\":" + t);
            }
            if ((m & 2) == 0) {
                fields.add("\"data\":" + data);
            }
            if ((m & 4) != 0) {
                fields.add("\"metadata\":" + meta);
            }
            if ((m & 8) != 0) {
                fields.add("\"eventId\":" + eid);
            }
            if ((m & 16) != 0) {
                fields.add("\"correlationId\":" + eid);
            }
            if ((m & 32) != 0 && (m & 7) == 7) {
                fields.add("\"unexpected\":1");
            }
            return "{" + String.join(",", fields) + "}";
        });
    }

    /** Random JSON text, nested up to {@code depth}. */
    static Arbitrary<String> json(int depth) {
        Arbitrary<String> leaf = Arbitraries.oneOf(
                Arbitraries.strings().all().ofMaxLength(12).filter(s -> s.chars().noneMatch(c -> Character.isSurrogate((char) c)))
                        .map(HttpApiFuzzIT::quote),
                Arbitraries.integers().map(Object::toString),
                Arbitraries.of("true", "false", "null", "1e400", "-0.5", "1e999999", "12345678901234567890123"));
        if (depth == 0) {
            return leaf;
        }
        Arbitrary<String> inner = json(depth - 1);
        return Arbitraries.oneOf(leaf,
                inner.list().ofMaxSize(4).map(l -> "[" + String.join(",", l) + "]"),
                Combinators.combine(Arbitraries.strings().alpha().ofMaxLength(6), inner).as((k, v) -> quote(k) + ":" + v)
                        .list().ofMaxSize(4).map(l -> "{" + String.join(",", l) + "}"));
    }

    static String quote(String s) {
        StringBuilder out = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            if (c == '"' || c == '\\') {
                out.append('\\').append(c);
            } else if (c < 0x20) {
                out.append(String.format("\\u%04x", (int) c));
            } else {
                out.append(c);
            }
        }
        return out.append('"').toString();
    }
}
