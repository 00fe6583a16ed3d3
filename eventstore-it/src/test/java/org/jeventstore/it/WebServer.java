package org.jeventstore.it;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.jeventstore.testkit.LibertyServer;
import org.jeventstore.testkit.Postgres;
import org.jeventstore.testkit.PostgresServer;

/**
 * One whole server (a copy of the run command's server, with the EAR) on a database of its own, started at first
 * use and shared by the tests that drive it from outside (the API fuzz test, the browser tests); stopped when the
 * test session ends. Its HTTP limits are small, so that tests reach them cheaply.
 */
final class WebServer {

    static final int MAX_BODY_BYTES = 64 * 1024;
    static final int MAX_EVENTS_PER_APPEND = 50;
    static final int MAX_PAGE_EVENTS = 200;
    static final int MAX_PAGE_BYTES = 256 * 1024;
    /** A type name the server reads as {@link #CURRENT_TYPE} (eventstore.evolution.aliases): a renamed JSON type. */
    static final String LEGACY_TYPE = "web-legacy-opened";
    static final String CURRENT_TYPE = "web-opened";

    private static LibertyServer server;
    private static PostgresServer database;

    private WebServer() {
    }

    static synchronized LibertyServer get() {
        if (server == null) {
            PostgresServer shared = Postgres.shared();
            database = shared.withDatabase(shared.createDatabase("jes_web"));
            LibertyServer s = LibertyServer.copyOf(Path.of(System.getProperty("wlp.home")), "eventstore", "web-it")
                    .ports(LibertyServer.freePort(), LibertyServer.freePort());
            Map<String, String> env = new HashMap<>(database.environment());
            env.put("EVENTSTORE_HTTP_MAX_BODY_BYTES", Integer.toString(MAX_BODY_BYTES));
            env.put("EVENTSTORE_HTTP_MAX_EVENTS_PER_APPEND", Integer.toString(MAX_EVENTS_PER_APPEND));
            env.put("EVENTSTORE_HTTP_MAX_PAGE_EVENTS", Integer.toString(MAX_PAGE_EVENTS));
            env.put("EVENTSTORE_HTTP_MAX_PAGE_BYTES", Integer.toString(MAX_PAGE_BYTES));
            env.put("EVENTSTORE_HARD_DELETES", "true");
            env.put("EVENTSTORE_EVOLUTION_ALIASES", LEGACY_TYPE + "=" + CURRENT_TYPE);
            s.start(env);
            server = s;
            s.awaitStatus("/health/ready", 200, Duration.ofMinutes(3));
        }
        return server;
    }

    static synchronized PostgresServer database() {
        get();
        return database;
    }

    static Http http() {
        return Http.local(get().httpPort());
    }

    static synchronized void stop() {
        if (server != null) {
            server.destroy();
            server = null;
            Postgres.shared().dropDatabase(database.database());
        }
    }
}
