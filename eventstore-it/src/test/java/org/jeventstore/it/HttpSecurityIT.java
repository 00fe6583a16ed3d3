package org.jeventstore.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.arquillian.container.test.api.RunAsClient;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.jboss.shrinkwrap.api.spec.EnterpriseArchive;
import org.jeventstore.testkit.DevUsers;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Every endpoint of the web module for every role, from outside the server as a client sees it: anonymous and
 * wrong passwords get 401, a role that does not allow the request gets 403, the roles that do get through. A
 * state-changing request that a page of another site could have sent is refused before it runs, and every answer
 * carries the headers that keep the console out of other sites' frames and scripts.
 */
@ExtendWith(ArquillianExtension.class)
@RunAsClient
class HttpSecurityIT {

    @Deployment(testable = false)
    static EnterpriseArchive deployment() {
        return Deployments.earWith();
    }

    static final String EVENT = "[{\"eventType\":\"sec\",\"data\":{\"n\":1}}]";
    static final String WRONG = "Basic " + java.util.Base64.getEncoder().encodeToString("admin:wrong".getBytes());

    final Http http = Http.local(port());
    String stream;

    /** A request, and the status each caller gets when allowed. */
    record Endpoint(String method, String path, String body) {
        Http.Response as(Http http, String authorization) {
            return http.call(method, path, authorization, body,
                    body == null ? Map.of() : Map.of("Content-Type", "application/json"));
        }

        @Override
        public String toString() {
            return method + " " + path;
        }
    }

    @BeforeEach
    void aStream() {
        stream = "sec-" + UUID.randomUUID();
        assertThat(http.post("/api/streams/" + stream, DevUsers.WRITER.basicAuth(), EVENT).status()).isEqualTo(200);
    }

    List<Endpoint> reads() {
        return List.of(new Endpoint("GET", "/api/streams/" + stream, null),
                new Endpoint("GET", "/api/streams/" + stream + "/info", null),
                new Endpoint("GET", "/api/all?start=1&count=5", null),
                new Endpoint("GET", "/api/streams?search=sec-", null),
                new Endpoint("GET", "/api/ops/subscriptions", null),
                new Endpoint("GET", "/api/ops/servers", null),
                new Endpoint("GET", "/api/ops/backlog", null),
                new Endpoint("GET", "/api/ops/settings", null),
                new Endpoint("GET", "/api/ops/me", null),
                new Endpoint("GET", "/", null),
                new Endpoint("GET", "/console/console.js", null));
    }

    List<Endpoint> writes() {
        return List.of(new Endpoint("POST", "/api/streams/" + stream, EVENT));
    }

    List<Endpoint> admin() {
        return List.of(new Endpoint("DELETE", "/api/admin/subscriptions?stream=" + stream + "&name=none", null),
                new Endpoint("DELETE", "/api/admin/streams/" + stream + "-none", null),
                new Endpoint("POST", "/api/admin/subscriptions/reset?stream=" + stream + "&name=none&position=0", "{}"),
                new Endpoint("POST", "/api/admin/subscriptions/parked/replay?stream=" + stream + "&name=none", "{}"),
                new Endpoint("POST", "/api/admin/subscriptions/parked/skip?stream=" + stream + "&name=none&event="
                        + UUID.randomUUID() + "&reason=r", "{}"),
                new Endpoint("GET", "/api/admin/anything", null));
    }

    List<Endpoint> everything() {
        List<Endpoint> all = new java.util.ArrayList<>(reads());
        all.addAll(writes());
        all.addAll(admin());
        all.add(new Endpoint("GET", "/api/live", null));
        all.add(new Endpoint("GET", "/api/ops/events/" + UUID.randomUUID(), null));
        all.add(new Endpoint("GET", "/api/ops/subscriptions/parked?stream=" + stream + "&name=none", null));
        return all;
    }

    @Test
    void anonymous_callers_and_wrong_passwords_get_401_everywhere() {
        for (Endpoint e : everything()) {
            for (String authorization : new String[] {null, WRONG}) {
                Http.Response r = e.as(http, authorization);
                assertThat(r.status()).as(e + " with " + authorization).isEqualTo(401);
                assertThat(r.body()).as(e.toString()).doesNotContain("Exception").doesNotContain(stream);
            }
        }
    }

    @Test
    void the_console_tells_each_caller_its_own_roles() {
        for (DevUsers user : DevUsers.values()) {
            assertThat(http.get("/api/ops/me", user.basicAuth()).body())
                    .isEqualTo("{\"roles\":[\"" + user.role() + "\"],\"user\":\"" + user.user() + "\"}");
        }
    }

    @Test
    void a_reader_reads_but_cannot_append_or_administer() {
        allowed(DevUsers.READER, reads());
        refused(DevUsers.READER, writes());
        refused(DevUsers.READER, admin());
        assertThat(http.get("/api/streams/" + stream, DevUsers.READER.basicAuth()).body())
                .contains("\"eventNumber\":1").doesNotContain("\"eventNumber\":2");
    }

    @Test
    void a_writer_reads_and_appends_but_cannot_administer() {
        allowed(DevUsers.WRITER, reads());
        allowed(DevUsers.WRITER, writes());
        refused(DevUsers.WRITER, admin());
    }

    @Test
    void an_admin_reads_appends_and_administers() {
        allowed(DevUsers.ADMIN, reads());
        allowed(DevUsers.ADMIN, writes());
        // past the role check: the action itself answers (no such subscription; hard deletes not enabled here)
        for (Endpoint e : admin()) {
            Http.Response r = e.as(http, DevUsers.ADMIN.basicAuth());
            assertThat(r.status()).as(e + ": " + r.body()).isIn(404, 409);
        }
    }

    @Test
    void methods_no_role_allows_are_refused_even_to_an_admin() {
        for (String method : new String[] {"PUT", "DELETE"}) {
            Http.Response r = http.call(method, "/api/streams/" + stream, DevUsers.ADMIN.basicAuth(), EVENT,
                    Map.of("Content-Type", "application/json"));
            assertThat(r.status()).as(method).isEqualTo(403);
        }
        assertThat(http.post("/console/console.js", DevUsers.ADMIN.basicAuth(), "{}").status()).isEqualTo(403);
    }

    /** A subscription no server runs, at checkpoint 5: a reset that got through would move it. */
    static String idleSubscription() throws SQLException {
        String name = "csrf-" + UUID.randomUUID().toString().substring(0, 8);
        try (Connection c = TestDatabaseSession.database().connect();
             PreparedStatement ps = c.prepareStatement(
                     "INSERT INTO subscriptions (stream_uuid, subscription_name, last_seen) VALUES ('$all', ?, 5)")) {
            ps.setString(1, name);
            ps.executeUpdate();
        }
        return name;
    }

    static long checkpoint(String name) throws SQLException {
        try (Connection c = TestDatabaseSession.database().connect();
             PreparedStatement ps = c.prepareStatement(
                     "SELECT last_seen FROM subscriptions WHERE subscription_name = ?")) {
            ps.setString(1, name);
            try (ResultSet rs = ps.executeQuery()) {
                assertThat(rs.next()).as("subscription " + name).isTrue();
                return rs.getLong(1);
            }
        }
    }

    static final Map<String, String> FORM = Map.of("Content-Type", "application/x-www-form-urlencoded");

    static Map<String, String> with(Map<String, String> headers, String... more) {
        Map<String, String> all = new java.util.HashMap<>(headers);
        for (int i = 0; i < more.length; i += 2) {
            all.put(more[i], more[i + 1]);
        }
        return all;
    }

    @Test
    void a_form_posted_from_another_site_with_the_admins_credentials_is_refused_before_it_resets_anything()
            throws SQLException {
        String name = idleSubscription();
        String reset = "/api/admin/subscriptions/reset?stream=%24all&name=" + name + "&position=0";
        String admin = DevUsers.ADMIN.basicAuth();

        // what a form on another site makes a signed-in browser send: its Origin, a form body, the credentials
        Http.Response forged = http.withoutRequestedBy().call("POST", reset, admin, "position=0",
                with(FORM, "Origin", "http://evil.example"));
        assertThat(forged.status()).as(forged.body()).isEqualTo(403);
        assertThat(forged.body()).startsWith("{\"error\":\"CrossSiteRequestRefused\",\"message\":\"")
                .contains("X-Requested-By");
        assertThat(forged.header("Content-Type")).startsWith("application/json");

        // the header does not let another origin through (nor a Referer of another site, nor an opaque origin)
        for (String[] from : List.of(new String[] {"Origin", "http://evil.example"}, new String[] {"Origin", "null"},
                new String[] {"Referer", "http://evil.example/page.html"},
                new String[] {"Origin", "http://127.0.0.1:" + (port() + 1)},
                new String[] {"Origin", "https://127.0.0.1:" + port()})) {
            Http.Response r = http.call("POST", reset, admin, "position=0", with(FORM, from));
            assertThat(r.status()).as(from[0] + ": " + from[1] + " -> " + r.body()).isEqualTo(403);
            assertThat(r.body()).as(from[1]).contains("CrossSiteRequestRefused").contains("not from this server");
        }
        // this server's own page without the header: refused too, the header is what a form cannot send
        Http.Response noHeader = http.withoutRequestedBy().call("POST", reset, admin, null,
                Map.of("Origin", "http://127.0.0.1:" + port()));
        assertThat(noHeader.status()).as(noHeader.body()).isEqualTo(403);
        Http.Response blank = http.call("POST", reset, admin, null, Map.of(Http.REQUESTED_BY, ""));
        assertThat(blank.status()).as(blank.body()).isEqualTo(403);
        assertThat(checkpoint(name)).as("checkpoint after the refused resets").isEqualTo(5);

        // the console (same origin, with the header) and a client that names no origin (curl) get through
        Http.Response console = http.call("POST", reset.replace("position=0", "position=1"), admin, null,
                Map.of("Origin", "http://127.0.0.1:" + port(), "Referer", "http://127.0.0.1:" + port() + "/"));
        assertThat(console.status()).as(console.body()).isEqualTo(204);
        assertThat(checkpoint(name)).isEqualTo(1);
        Http.Response curl = http.call("POST", reset, admin, null, Map.of());
        assertThat(curl.status()).as(curl.body()).isEqualTo(204);
        assertThat(checkpoint(name)).isZero();
        Http.Response ownReferer = http.call("POST", reset.replace("position=0", "position=1"), admin, null,
                Map.of("Referer", "http://127.0.0.1:" + port() + "/#/subscriptions"));
        assertThat(ownReferer.status()).as(ownReferer.body()).isEqualTo(204);
        assertThat(checkpoint(name)).isEqualTo(1);
    }

    @Test
    void appends_and_deletes_from_another_site_are_refused_and_write_nothing() {
        String target = "csrf-" + UUID.randomUUID();
        Map<String, String> json = Map.of("Content-Type", "application/json");
        Http.Response append = http.withoutRequestedBy().call("POST", "/api/streams/" + target,
                DevUsers.WRITER.basicAuth(), EVENT, json);
        assertThat(append.status()).as(append.body()).isEqualTo(403);
        Http.Response fromElsewhere = http.call("POST", "/api/streams/" + target, DevUsers.WRITER.basicAuth(),
                EVENT, with(json, "Origin", "http://evil.example"));
        assertThat(fromElsewhere.status()).as(fromElsewhere.body()).isEqualTo(403);
        assertThat(http.get("/api/streams/" + target + "/info", DevUsers.READER.basicAuth()).status()).isEqualTo(404);
        Http.Response delete = http.withoutRequestedBy().call("DELETE", "/api/admin/subscriptions?stream=" + stream
                + "&name=none", DevUsers.ADMIN.basicAuth(), null, Map.of());
        assertThat(delete.status()).as(delete.body()).isEqualTo(403);
        assertThat(delete.body()).contains("CrossSiteRequestRefused");
        // an anonymous forgery is still told to sign in: authentication comes first
        assertThat(http.withoutRequestedBy().call("POST", "/api/streams/" + target, null, EVENT, json).status())
                .isEqualTo(401);
    }

    @Test
    void every_answer_carries_the_security_headers() {
        String reader = DevUsers.READER.basicAuth();
        Map<String, Http.Response> served = new java.util.LinkedHashMap<>();
        served.put("page", http.get("/", reader));
        served.put("static file", http.get("/console/console.js", reader));
        served.put("API answer", http.get("/api/ops/me", reader));
        served.put("API error", http.get("/api/streams/none-" + UUID.randomUUID() + "/info", reader));
        served.put("API unknown path", http.get("/api/no-such-thing", reader));
        served.put("missing file", http.get("/console/no-such-file.js", reader));
        served.put("cross-site refusal", http.withoutRequestedBy().call("POST", "/api/streams/" + stream,
                DevUsers.WRITER.basicAuth(), EVENT, Map.of("Content-Type", "application/json")));
        // what the container answers before the web module runs: server.xml's httpEndpoint headers
        Map<String, Http.Response> refused = new java.util.LinkedHashMap<>();
        refused.put("role refusal", http.post("/api/streams/" + stream, reader, EVENT));
        refused.put("no credentials", http.get("/api/ops/me", null));
        refused.put("health", http.get("/health/ready", null));

        served.forEach((what, r) -> {
            String as = what + " (" + r.status() + ")";
            assertThat(r.header("Content-Security-Policy")).as(as).isEqualTo("default-src 'self';"
                    + " frame-ancestors 'none'; object-src 'none'; base-uri 'none'; form-action 'self'");
        });
        refused.forEach((what, r) -> assertThat(r.header("Content-Security-Policy")).as(what)
                .isEqualTo("frame-ancestors 'none'"));
        served.putAll(refused);
        served.forEach((what, r) -> {
            String as = what + " (" + r.status() + ")";
            assertThat(r.header("X-Frame-Options")).as(as).isEqualTo("DENY");
            assertThat(r.header("X-Content-Type-Options")).as(as).isEqualTo("nosniff");
            assertThat(r.header("Referrer-Policy")).as(as).isEqualTo("same-origin");
        });
        assertThat(served.get("page").status()).isEqualTo(200);
        assertThat(served.get("API error").status()).isEqualTo(404);
        assertThat(served.get("API error").body()).startsWith("{\"error\":\"StreamNotFoundException\"");
        assertThat(served.get("missing file").status()).isEqualTo(404);
        assertThat(served.get("cross-site refusal").status()).isEqualTo(403);
        assertThat(served.get("role refusal").status()).isEqualTo(403);
        assertThat(served.get("no credentials").status()).isEqualTo(401);
    }

    static int port() {
        return Integer.getInteger("arquillian.http.port", 9081);
    }

    @Test
    void the_openapi_document_is_open_and_explains_expected_versions_and_event_ids() {
        Http.Response r = http.get("/openapi", null);
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.body()).contains("/streams/{streamId}").contains("expectedVersion").contains("no_stream")
                .contains("WrongExpectedVersionException").contains("DuplicateEventException");
    }

    @Test
    void health_probes_answer_anonymous_callers_and_name_nothing_internal() {
        for (String path : new String[] {"/health", "/health/ready", "/health/live"}) {
            Http.Response r = http.get(path, null);
            assertThat(r.status()).as(path).isEqualTo(200);
            assertThat(r.body()).as(path).contains("\"status\":\"UP\"")
                    .doesNotContain("jdbc/").doesNotContain("datasource").doesNotContain("\"schema\"");
        }
    }

    private void allowed(DevUsers user, List<Endpoint> endpoints) {
        for (Endpoint e : endpoints) {
            Http.Response r = e.as(http, user.basicAuth());
            assertThat(r.status()).as(user + " " + e + ": " + r.body()).isEqualTo(200);
        }
    }

    private void refused(DevUsers user, List<Endpoint> endpoints) {
        for (Endpoint e : endpoints) {
            Http.Response r = e.as(http, user.basicAuth());
            assertThat(r.status()).as(user + " " + e + ": " + r.body()).isEqualTo(403);
        }
    }
}
