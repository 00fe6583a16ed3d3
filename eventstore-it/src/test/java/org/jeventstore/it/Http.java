package org.jeventstore.it;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/** Plain HTTP calls to a server, as a client would make them; every call has connect and read timeouts. */
final class Http {

    /** A response's status and body. */
    record Response(int status, String body) {
    }

    private final String base;

    Http(String base) {
        this.base = base;
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
                return new Response(status, text);
            } finally {
                c.disconnect();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(method + " " + base + path + " failed", e);
        }
    }
}
