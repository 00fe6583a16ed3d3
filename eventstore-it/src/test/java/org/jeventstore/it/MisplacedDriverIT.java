package org.jeventstore.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.jeventstore.testkit.LibertyServer;
import org.jeventstore.testkit.Postgres;
import org.jeventstore.testkit.PostgresServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The quickstart's server set up the usual Liberty way that does not work for jeventstore: pgjdbc in a
 * {@code <library>} of its own that only the dataSources reference (invisible to the application), and its
 * DataSources without the attributes the store relies on (no socket or query timeout, a listen DataSource that
 * joins transactions; connection sharing on, which no check can see). Appends would work; without the checks the listener died unseen.
 * Readiness is DOWN from its first answer, saying why, and the log says what to change.
 */
class MisplacedDriverIT {

    static LibertyServer server;
    static String database;

    @BeforeAll
    static void startMisconfiguredServer() throws IOException {
        PostgresServer shared = Postgres.shared();
        database = shared.createDatabase("jes_misplaced");
        server = LibertyServer.copyOf(Path.of(System.getProperty("wlp.home")), "accounts", "misplaced-driver-it")
                .ports(LibertyServer.freePort(), LibertyServer.freePort());
        Path dir = server.directory();
        Files.createDirectories(dir.resolve("jdbc"));
        Files.move(dir.resolve("lib/global/postgresql.jar"), dir.resolve("jdbc/postgresql.jar"));
        Path snippet = dir.resolve("configDropins/defaults/jeventstore.xml");
        String xml = Files.readString(snippet);
        xml = replace(xml, "<jdbcDriver id=\"postgresql\" libraryRef=\"global\"/>",
                "<library id=\"pgjdbc\"><file name=\"${server.config.dir}/jdbc/postgresql.jar\"/></library>"
                        + " <jdbcDriver id=\"postgresql\" libraryRef=\"pgjdbc\"/>");
        xml = replace(xml, " enableSharingForDirectLookups=\"false\"", "");
        xml = replace(xml, " queryTimeout=\"${EVENTSTORE_DB_QUERY_TIMEOUT}s\"", "");
        xml = replace(xml, " socketTimeout=\"${EVENTSTORE_DB_SOCKET_TIMEOUT}\"", "");
        xml = replace(xml, " transactional=\"false\"", "");
        Files.writeString(snippet, xml);
        server.start(shared.withDatabase(database).environment());
    }

    /** The snippet with {@code from} replaced; fails when the snippet no longer has it (this test would be void). */
    private static String replace(String xml, String from, String to) {
        assertThat(xml).as("jeventstore.xml of the quickstart").contains(from);
        return xml.replace(from, to);
    }

    @AfterAll
    static void stopAll() {
        if (server != null) {
            try {
                Files.copy(server.directory().resolve("logs/messages.log"),
                        Path.of("target", "misplaced-driver-it-messages.log"), StandardCopyOption.REPLACE_EXISTING);
            } catch (IOException e) {
                System.err.println("could not keep the server's log: " + e.getMessage());
            }
            server.destroy();
        }
        if (database != null) {
            Postgres.shared().dropDatabase(database);
        }
    }

    @Test
    @Timeout(240)
    void readiness_is_down_from_its_first_answer_and_the_log_says_where_the_driver_and_which_attributes_belong()
            throws Exception {
        List<String> answers = new CopyOnWriteArrayList<>();
        // before the application has started, Liberty answers 503 without checks; the first answer with the
        // store's check is the one that counts
        await("the store's readiness check answers").atMost(Duration.ofMinutes(3)).until(() -> {
            Http.Response r = Http.local(server.httpPort()).get("/health/ready", null);
            answers.add(r.status() + " " + r.body());
            return r.body().contains("eventstore-database");
        });
        String first = answers.get(answers.size() - 1);
        assertThat(first).startsWith("503").contains("\"status\":\"DOWN\"")
                .contains("misconfigured: the PostgreSQL driver is not visible to the application");
        assertThat(answers).noneMatch(a -> a.startsWith("200"));

        Path log = server.directory().resolve("logs/messages.log");
        await("the DataSource checks are logged").atMost(Duration.ofSeconds(60))
                .until(() -> Files.readString(log).contains("JES0011W"));
        String logged = Files.readString(log);
        assertThat(logged).contains("JES0010E").contains("org.postgresql is not visible to jeventstore")
                .contains("lib/global");
        // the listener says so too, and stops, instead of dying unseen
        assertThat(logged).contains("JES0109E").contains("cannot load org/postgresql/PGConnection");
        assertThat(logged).contains("jdbc/eventstore has no socket timeout").contains("socketTimeout")
                .contains("jdbc/eventstore has no query timeout").contains("queryTimeout")
                .contains("jdbc/eventstore-listen joins JTA transactions").contains("transactional=\"false\"");
        // and the probe keeps saying it
        Http.Response later = Http.local(server.httpPort()).get("/health/ready", null);
        assertThat(later.status()).isEqualTo(503);
        assertThat(later.body()).contains("the PostgreSQL driver is not visible to the application");
    }
}
