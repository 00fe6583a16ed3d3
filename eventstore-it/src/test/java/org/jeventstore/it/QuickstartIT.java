package org.jeventstore.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.jeventstore.testkit.DevUsers;
import org.jeventstore.testkit.LibertyServer;
import org.jeventstore.testkit.Postgres;
import org.jeventstore.testkit.PostgresServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The quickstart as a team would run it: the "accounts" EAR of {@code quickstart/} on the server its build creates
 * (its own server.xml, jeventstore.xml in configDropins/defaults, pgjdbc in lib/global), on a database of its own.
 * It appends with expected versions through a stateless bean, reads both read models, is killed (kill -9, so its
 * subscription's checkpoint is behind what the durable read model holds) and started again, and the read models
 * hold what they held: the durable one skips what is delivered again, the in-memory one is rebuilt.
 */
class QuickstartIT {

    private static final Pattern NUMBER = Pattern.compile("\"%s\":(-?\\d+)");

    static LibertyServer server;
    static PostgresServer db;
    static String database;
    static Http http;

    @BeforeAll
    static void startServer() {
        PostgresServer shared = Postgres.shared();
        database = shared.createDatabase("jes_quickstart");
        db = shared.withDatabase(database);
        server = LibertyServer.copyOf(Path.of(System.getProperty("wlp.home")), "accounts", "quickstart-it")
                .ports(LibertyServer.freePort(), LibertyServer.freePort());
        http = Http.local(server.httpPort());
        start();
    }

    /**
     * The subscription saves its checkpoint only every 100 events or 10 minutes here, so that the kill leaves every
     * event of the test after it: all of them are delivered again after the restart. (An operator's setting, as
     * MicroProfile Config from the environment.)
     */
    static void start() {
        Map<String, String> env = new HashMap<>(db.environment());
        env.put("EVENTSTORE_SUBSCRIPTION_ACCOUNT_BALANCES_CHECKPOINT_AFTER_MS", "600000");
        server.start(env);
        server.awaitStatus("/health/ready", 200, Duration.ofMinutes(3));
    }

    @AfterAll
    static void stopAll() throws IOException {
        if (server != null) {
            try (Stream<Path> logs = Files.list(server.directory().resolve("logs"))) {
                for (Path log : (Iterable<Path>) logs.filter(p -> p.getFileName().toString().startsWith("messages"))
                        ::iterator) { // kept for a failed run's diagnosis
                    Files.copy(log, Path.of("target", "quickstart-it-" + log.getFileName()),
                            StandardCopyOption.REPLACE_EXISTING);
                }
            } catch (IOException e) {
                System.err.println("could not keep the quickstart server's log: " + e.getMessage());
            }
            server.destroy();
        }
        if (database != null) {
            Postgres.shared().dropDatabase(database);
        }
    }

    @Test
    @Timeout(value = 4, unit = TimeUnit.MINUTES)
    void the_accounts_application_appends_with_expected_versions_and_its_read_models_survive_kill_9_and_restart()
            throws Exception {
        assertThat(post("/accounts/api/accounts/ada", "{\"owner\":\"Ada\"}").status()).isEqualTo(201);
        assertThat(post("/accounts/api/accounts/bo", "{\"owner\":\"Bo\"}").status()).isEqualTo(201);
        Http.Response again = post("/accounts/api/accounts/ada", "{\"owner\":\"Ada\"}");
        assertThat(again.status()).isEqualTo(409);
        assertThat(again.body()).contains("StreamExistsException");

        assertThat(number(post("/accounts/api/accounts/ada/deposits", "{\"amount\":100,\"expectedVersion\":1}"),
                "version")).isEqualTo(2);
        // a client that decided on version 1 is refused: the store's exception reached the endpoint as itself
        Http.Response stale = post("/accounts/api/accounts/ada/deposits", "{\"amount\":50,\"expectedVersion\":1}");
        assertThat(stale.status()).as(stale.body()).isEqualTo(409);
        assertThat(stale.body()).contains("WrongExpectedVersionException").contains("actual version 2");
        // without a version the bean appends at the version it replayed
        assertThat(number(post("/accounts/api/accounts/ada/withdrawals", "{\"amount\":30}"), "version"))
                .isEqualTo(3);
        Http.Response overdrawn = post("/accounts/api/accounts/ada/withdrawals", "{\"amount\":1000}");
        assertThat(overdrawn.status()).isEqualTo(409);
        assertThat(overdrawn.body()).contains("InsufficientFunds");
        assertThat(number(post("/accounts/api/accounts/bo/deposits", "{\"amount\":50,\"expectedVersion\":1}"),
                "version")).isEqualTo(2);

        // the optional web module, at the context root /eventstore: its API reads the application's streams
        Http.Response stream = http.get("/eventstore/api/streams/account-ada", DevUsers.READER.basicAuth());
        assertThat(stream.status()).as(stream.body()).isEqualTo(200);
        assertThat(stream.body()).contains("\"eventType\":\"AccountOpened\"").contains("\"amount\":100");

        awaitBalance("ada", 70, 3);
        awaitBalance("bo", 50, 2);
        long position = awaitOverview(2, 120);
        // the subscription has saved no checkpoint up to the last event: a crash now delivers them all again
        assertThat(checkpoint("account-balances")).isLessThan(position);

        kill9();
        start();

        // a deposit after the restart is delivered after every event delivered again: once it is in the durable
        // read model, so are they, and none of them counted twice
        assertThat(number(post("/accounts/api/accounts/ada/deposits", "{\"amount\":10,\"expectedVersion\":3}"),
                "version")).isEqualTo(4);
        awaitBalance("ada", 80, 4);
        assertThat(balance("bo")).isEqualTo(Map.of("balance", 50L, "version", 2L));
        // the in-memory model started empty and was rebuilt from the origin of $all
        awaitOverview(2, 130);

        // every refusal above was an application exception: the container logged none as a system error
        try (Stream<Path> logs = Files.list(server.directory().resolve("logs"))) {
            for (Path log : (Iterable<Path>) logs.filter(p -> p.getFileName().toString().startsWith("messages"))
                    ::iterator) {
                assertThat(Files.readString(log)).as(log.toString()).doesNotContain("CNTR0020E");
            }
        }
    }

    private static Http.Response post(String path, String json) {
        return http.post(path, null, json);
    }

    private static long number(Http.Response response, String field) {
        assertThat(response.status()).as(response.body()).isBetween(200, 201);
        Matcher m = Pattern.compile(String.format(NUMBER.pattern(), field)).matcher(response.body());
        assertThat(m.find()).as(field + " in " + response.body()).isTrue();
        return Long.parseLong(m.group(1));
    }

    /** The durable read model's row of an account: balance and version; empty when it has none yet. */
    private static Map<String, Long> balance(String id) {
        Http.Response r = http.get("/accounts/api/accounts/" + id, null);
        if (r.status() == 404) {
            return Map.of();
        }
        return Map.of("balance", number(r, "balance"), "version", number(r, "version"));
    }

    private static void awaitBalance(String id, long balance, long version) {
        await(id + " at version " + version + " in the durable read model").atMost(Duration.ofSeconds(60))
                .until(() -> balance(id).getOrDefault("version", 0L) >= version);
        assertThat(balance(id)).isEqualTo(Map.of("balance", balance, "version", version));
    }

    /** Waits for this server's in-memory overview to be caught up at these figures; returns its position. */
    private static long awaitOverview(long accounts, long total) {
        await("the in-memory overview at " + accounts + " accounts, " + total).atMost(Duration.ofSeconds(60))
                .until(() -> {
                    Http.Response r = http.get("/accounts/api/accounts", null);
                    return r.status() == 200 && r.body().contains("\"caughtUp\":true")
                            && number(r, "accounts") == accounts && number(r, "total") == total;
                });
        return number(http.get("/accounts/api/accounts", null), "position");
    }

    private static long checkpoint(String subscription) throws SQLException {
        try (Connection c = db.connect(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT coalesce(last_seen, 0) FROM subscriptions"
                     + " WHERE subscription_name = '" + subscription + "'")) {
            assertThat(rs.next()).as("subscription " + subscription).isTrue();
            return rs.getLong(1);
        }
    }

    private static void kill9() throws IOException, InterruptedException {
        Path pidFile = server.directory().getParent().resolve(".pid").resolve(server.name() + ".pid");
        long pid = Long.parseLong(Files.readString(pidFile).trim());
        Process kill = new ProcessBuilder("kill", "-9", Long.toString(pid)).start();
        assertThat(kill.waitFor(10, TimeUnit.SECONDS) && kill.exitValue() == 0).as("kill -9 " + pid).isTrue();
        await("the server process is gone").atMost(Duration.ofSeconds(30))
                .until(() -> ProcessHandle.of(pid).map(p -> !p.isAlive()).orElse(true));
        Files.deleteIfExists(pidFile);
    }
}
