package org.jeventstore.it;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Plain HTTP calls to a server, as a client would make them; every call has connect and read timeouts. A request
 * that may change something (not GET, HEAD or OPTIONS) carries {@code X-Requested-By}, as the README asks of
 * every client that is not the console, unless made through {@link #withoutRequestedBy()} (what a form on
 * another site sends).
 */
final class Http {

    /** The header the web module requires on state-changing requests (any value). */
    static final String REQUESTED_BY = "X-Requested-By";

    private static final Set<String> SAFE = Set.of("GET", "HEAD", "OPTIONS");

    /** A response's status, body and headers. */
    record Response(int status, String body, Map<String, List<String>> headers) {
        /** The first value of header {@code name} (any case), or null. */
        String header(String name) {
            return headers.entrySet().stream().filter(e -> name.equalsIgnoreCase(e.getKey()))
                    .map(e -> e.getValue().get(0)).findFirst().orElse(null);
        }
    }

    private final String base;
    private final boolean requestedBy;

    Http(String base) {
        this(base, true);
    }

    private Http(String base, boolean requestedBy) {
        this.base = base;
        this.requestedBy = requestedBy;
    }

    /** The same server, without the {@code X-Requested-By} header unless a call's headers name it. */
    Http withoutRequestedBy() {
        return new Http(base, false);
    }

    static Http local(int port) {
        return new Http("http://127.0.0.1:" + port);
    }

    Response get(String path, String authorization) {
        return call("GET", path, authorization, (String) null, Map.of());
    }

    Response post(String path, String authorization, String json) {
        return call("POST", path, authorization, json, Map.of("Content-Type", "application/json"));
    }

    Response call(String method, String path, String authorization, String body, Map<String, String> headers) {
        return callBytes(method, path, authorization, body == null ? null : body.getBytes(StandardCharsets.UTF_8),
                headers);
    }

    Response callBytes(String method, String path, String authorization, byte[] body,
                       Map<String, String> headers) {
        try {
            HttpURLConnection c = (HttpURLConnection) URI.create(base + path).toURL().openConnection();
            c.setConnectTimeout(5_000);
            c.setReadTimeout(30_000);
            c.setInstanceFollowRedirects(false);
            c.setRequestMethod(method);
            if (authorization != null) {
                c.setRequestProperty("Authorization", authorization);
            }
            if (requestedBy && !SAFE.contains(method)) {
                c.setRequestProperty(REQUESTED_BY, "jeventstore-it");
            }
            headers.forEach(c::setRequestProperty);
            try {
                if (body != null) {
                    c.setDoOutput(true);
                    c.setFixedLengthStreamingMode(body.length);
                    c.getOutputStream().write(body);
                }
                int status = c.getResponseCode();
                InputStream in = status >= 400 ? c.getErrorStream() : c.getInputStream();
                String text = in == null ? "" : new String(in.readAllBytes(), StandardCharsets.UTF_8);
                Map<String, List<String>> received = new HashMap<>();
                c.getHeaderFields().forEach((k, v) -> {
                    if (k != null) {
                        received.put(k, v);
                    }
                });
                return new Response(status, text, received);
            } finally {
                c.disconnect();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(method + " " + base + path + " failed", e);
        }
    }
}
