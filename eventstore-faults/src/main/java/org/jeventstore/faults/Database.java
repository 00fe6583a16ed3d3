package org.jeventstore.faults;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Comparator;
import java.util.stream.Stream;
import org.jeventstore.testkit.Postgres;
import org.jeventstore.testkit.PostgresServer;

/**
 * The campaign's PostgreSQL: an embedded server on a fixed port and data directory, so that the nemesis can stop
 * and start it again (a database restart) with the servers' DataSources still pointing at it. With
 * {@code EVENTSTORE_DB_HOST} set (an explicit database) that one is used and restarts are left out of the
 * schedule. Also the nemesis's own connection: terminating and cancelling backends, holding the {@code $all} row.
 */
final class Database implements AutoCloseable {

    private final Path dataDirectory;
    private final int port;
    private Postgres.Embedded embedded;
    private final PostgresServer server;

    private Database(Path dataDirectory, int port, Postgres.Embedded embedded, PostgresServer server) {
        this.dataDirectory = dataDirectory;
        this.port = port;
        this.embedded = embedded;
        this.server = server;
    }

    static Database start() {
        String host = System.getProperty("EVENTSTORE_DB_HOST", System.getenv("EVENTSTORE_DB_HOST"));
        if (host != null && !host.isBlank()) {
            return new Database(null, 0, null, Postgres.shared());
        }
        try {
            Path dir = Files.createTempDirectory("jes-faults-pg");
            int port;
            try (ServerSocket probe = new ServerSocket(0)) {
                port = probe.getLocalPort();
            }
            Postgres.Embedded pg = Postgres.embeddedHandle(port, dir);
            return new Database(dir, port, pg, pg.server());
        } catch (IOException e) {
            throw new UncheckedIOException("could not start the campaign's PostgreSQL", e);
        }
    }

    PostgresServer server() {
        return server;
    }

    /** Whether the nemesis may restart it (only the campaign's own embedded server). */
    boolean restartable() {
        return dataDirectory != null;
    }

    /** Stops PostgreSQL (fast shutdown: every session is ended), waits {@code downMillis}, starts it again. */
    synchronized void restart(long downMillis) throws InterruptedException {
        if (!restartable()) {
            throw new IllegalStateException("an explicit database is not restarted by the campaign");
        }
        embedded.close();
        Thread.sleep(downMillis); // the fault's duration: the database is down this long
        embedded = Postgres.embeddedHandle(port, dataDirectory);
    }

    Connection connect() throws SQLException {
        return server.connect();
    }

    /**
     * Runs a statement over {@code pg_stat_activity} as the nemesis (e.g. terminating backends) and returns the
     * first column of its single row as a long (0 when the database cannot be reached).
     */
    long single(String sql, Object... params) {
        try (Connection c = connect(); PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) {
                ps.setObject(i + 1, params[i]);
            }
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getLong(1) : 0;
            }
        } catch (SQLException e) {
            return 0;
        }
    }

    @Override
    public synchronized void close() {
        if (embedded != null) {
            embedded.close();
        }
        if (dataDirectory != null) {
            try (Stream<Path> files = Files.walk(dataDirectory)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            } catch (IOException e) {
                // a temporary directory: the OS cleans it up
            }
        }
    }
}
