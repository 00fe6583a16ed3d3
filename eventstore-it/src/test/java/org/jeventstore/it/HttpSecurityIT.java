package org.jeventstore.it;

import static org.assertj.core.api.Assertions.assertThat;

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
 * wrong passwords get 401, a role that does not allow the request gets 403, the roles that do get through.
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

    final Http http = Http.local(Integer.getInteger("arquillian.http.port", 9081));
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
