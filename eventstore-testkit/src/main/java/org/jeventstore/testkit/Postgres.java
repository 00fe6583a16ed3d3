package org.jeventstore.testkit;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Decides where PostgreSQL comes from, in this order:
 * <ol>
 *   <li>explicit {@code EVENTSTORE_DB_HOST} (with {@code _PORT}, {@code _NAME}, {@code _USER}, {@code _PASSWORD})
 *       in the environment or as system properties;</li>
 *   <li>Testcontainers, when a Docker engine answers;</li>
 *   <li>an embedded PostgreSQL (zonky, binaries from Maven Central).</li>
 * </ol>
 * One server per JVM, stopped when the JVM exits.
 */
public final class Postgres {

    private static final Logger LOG = Logger.getLogger(Postgres.class.getName());
    private static PostgresServer shared;

    private Postgres() {
    }

    /** The PostgreSQL server of this JVM, started on first use. */
    public static synchronized PostgresServer shared() {
        if (shared == null) {
            shared = provide();
            LOG.info(() -> "jeventstore tests use " + shared);
        }
        return shared;
    }

    /** As {@link #shared()}, but without trying Testcontainers (the dev server's choice). */
    public static synchronized PostgresServer sharedWithoutContainers(Path dataDirectory) {
        if (shared == null) {
            PostgresServer fromEnv = fromEnvironment();
            shared = fromEnv != null ? fromEnv : embedded(0, dataDirectory);
        }
        return shared;
    }

    static PostgresServer provide() {
        PostgresServer fromEnv = fromEnvironment();
        if (fromEnv != null) {
            return fromEnv;
        }
        if (!"false".equalsIgnoreCase(setting("EVENTSTORE_TESTCONTAINERS"))) {
            PostgresServer container = Containers.tryStart();
            if (container != null) {
                return container;
            }
        }
        return embedded(0, null);
    }

    static PostgresServer fromEnvironment() {
        String host = setting("EVENTSTORE_DB_HOST");
        if (host == null || host.isBlank()) {
            return null;
        }
        String port = setting("EVENTSTORE_DB_PORT");
        return new PostgresServer(host,
                port == null || port.isBlank() ? 5432 : Integer.parseInt(port.trim()),
                orDefault(setting("EVENTSTORE_DB_NAME"), "postgres"),
                orDefault(setting("EVENTSTORE_DB_USER"), "postgres"),
                orDefault(setting("EVENTSTORE_DB_PASSWORD"), "postgres"),
                "environment");
    }

    /**
     * Starts an embedded PostgreSQL that lives until the JVM exits.
     *
     * @param port          0 for any free port
     * @param dataDirectory where its data lives and is kept across starts, or {@code null} for a throwaway one
     */
    public static PostgresServer embedded(int port, Path dataDirectory) {
        return embeddedHandle(port, dataDirectory).server();
    }

    /** An embedded PostgreSQL the caller stops (and may start again on the same port and data). */
    public static Embedded embeddedHandle(int port, Path dataDirectory) {
        try {
            EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder()
                    .setServerConfig("max_connections", "300")
                    .setServerConfig("fsync", "on")
                    .setServerConfig("synchronous_commit", "on");
            if (port > 0) {
                builder.setPort(port);
            }
            if (dataDirectory != null) {
                builder.setDataDirectory(dataDirectory).setCleanDataDirectory(false);
            }
            EmbeddedPostgres pg = builder.start();
            PostgresServer server = new PostgresServer("127.0.0.1", pg.getPort(), "postgres", "postgres",
                    "postgres", "embedded");
            return new Embedded(pg, server);
        } catch (IOException e) {
            throw new UncheckedIOException("could not start the embedded PostgreSQL (port " + port + ")", e);
        }
    }

    /** A running embedded PostgreSQL. */
    public record Embedded(EmbeddedPostgres postgres, PostgresServer server) implements AutoCloseable {
        @Override
        public void close() {
            try {
                postgres.close();
            } catch (IOException e) {
                LOG.log(Level.WARNING, "stopping the embedded PostgreSQL failed", e);
            }
        }
    }

    static String setting(String name) {
        String value = System.getProperty(name);
        return value != null ? value : System.getenv(name);
    }

    private static String orDefault(String value, String fallback) {
        return value == null || value.isBlank() ? fallback : value;
    }
}
