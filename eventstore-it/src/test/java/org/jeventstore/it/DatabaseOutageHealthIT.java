package org.jeventstore.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.jeventstore.testkit.DevUsers;
import org.jeventstore.testkit.LibertyServer;
import org.jeventstore.testkit.Postgres;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A whole server (a copy of the run server, with the EAR) started while its database is unreachable: it starts,
 * reports not ready with a reason, and becomes ready once a database appears at the configured address.
 */
class DatabaseOutageHealthIT {

    static LibertyServer server;
    static Postgres.Embedded database;
    static int databasePort;

    @BeforeAll
    static void startServerWithoutDatabase() {
        databasePort = LibertyServer.freePort();
        server = LibertyServer.copyOf(Path.of(System.getProperty("wlp.home")), "eventstore", "outage-it")
                .ports(LibertyServer.freePort(), LibertyServer.freePort());
        server.start(Map.of("EVENTSTORE_DB_HOST", "127.0.0.1", "EVENTSTORE_DB_PORT", Integer.toString(databasePort),
                "EVENTSTORE_DB_NAME", "postgres", "EVENTSTORE_DB_USER", "postgres",
                "EVENTSTORE_DB_PASSWORD", "postgres"));
    }

    @AfterAll
    static void stopAll() {
        if (server != null) {
            server.destroy();
        }
        if (database != null) {
            database.close();
        }
    }

    @Test
    @Timeout(240)
    void readiness_is_down_with_a_reason_while_the_database_is_unreachable_and_up_once_it_answers() throws Exception {
        await("the application answers /health/ready").atMost(Duration.ofMinutes(2))
                .until(() -> server.status("/health/ready") == 503);
        String down = body("/health/ready");
        assertThat(down).contains("\"status\":\"DOWN\"").contains("eventstore-database")
                .contains("database unreachable");
        // anyone may call the probe: no driver message, address or DataSource name
        assertThat(down).doesNotContain("jdbc/").doesNotContain(Integer.toString(databasePort))
                .doesNotContain("Connection").doesNotContain("refused");
        // an append meanwhile is a 503 that says what failed, not what PostgreSQL or the driver said
        Http.Response refused = new Http(server.url("")).post("/api/streams/outage-0", DevUsers.WRITER.basicAuth(),
                "[{\"eventType\":\"t\",\"data\":{\"a\":1}}]");
        assertThat(refused.status()).isEqualTo(503);
        assertThat(refused.body()).contains("the database is unavailable").contains("reference")
                .doesNotContain("jdbc/").doesNotContain(Integer.toString(databasePort)).doesNotContain("Connection")
                .doesNotContain("SQLSTATE").doesNotContain("PSQL");
        // liveness stays UP: a short outage is not a reason to restart the server
        assertThat(server.status("/health/live")).isEqualTo(200);

        database = Postgres.embeddedHandle(databasePort, null);

        await("readiness recovers").atMost(Duration.ofMinutes(2)).until(() -> server.status("/health/ready") == 200);
        assertThat(body("/health/ready")).contains("\"status\":\"UP\"");
        // and the store works: the schema was created once the database came
        assertThat(post("/api/streams/outage-1", "[{\"eventType\":\"t\",\"data\":{\"a\":1}}]")).isEqualTo(200);
        assertThat(body("/api/streams/outage-1", DevUsers.READER)).contains("\"eventNumber\":1");
    }

    private static String body(String path) throws IOException {
        return body(path, null);
    }

    private static String body(String path, DevUsers user) throws IOException {
        HttpURLConnection c = (HttpURLConnection) URI.create(server.url(path)).toURL().openConnection();
        c.setConnectTimeout(5_000);
        c.setReadTimeout(30_000);
        if (user != null) {
            c.setRequestProperty("Authorization", user.basicAuth());
        }
        try {
            var in = c.getResponseCode() >= 400 ? c.getErrorStream() : c.getInputStream();
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } finally {
            c.disconnect();
        }
    }

    private static int post(String path, String json) throws IOException {
        HttpURLConnection c = (HttpURLConnection) URI.create(server.url(path)).toURL().openConnection();
        c.setConnectTimeout(5_000);
        c.setReadTimeout(30_000);
        c.setRequestProperty("Authorization", DevUsers.WRITER.basicAuth());
        c.setRequestMethod("POST");
        c.setRequestProperty("X-Requested-By", "jeventstore-it"); // the web module refuses a write without it
        c.setDoOutput(true);
        c.setRequestProperty("Content-Type", "application/json");
        c.getOutputStream().write(json.getBytes(StandardCharsets.UTF_8));
        try {
            return c.getResponseCode();
        } finally {
            c.disconnect();
        }
    }
}
