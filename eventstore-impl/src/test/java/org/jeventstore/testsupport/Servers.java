package org.jeventstore.testsupport;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.jeventstore.config.EventStoreSettings;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.jeventstore.postgres.PostgresEventStore;
import org.jeventstore.testkit.Postgres;
import org.jeventstore.testkit.KillableDataSource;
import org.jeventstore.testkit.PostgresServer;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * Stand-ins for application servers in one JVM: each "server" is its own store instance over one fresh schema,
 * with its own connections (application_name = the server's name, so a test can cut them) and executor.
 */
public final class Servers implements AutoCloseable, AfterEachCallback {

    public final PostgresServer db = Postgres.shared();
    public final String schema = "s_" + Long.toString(ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE, 36);
    private final List<PostgresEventStore> stores = new ArrayList<>();
    private final List<ExecutorService> executors = new ArrayList<>();
    private final java.util.Map<String, KillableDataSource> dataSources = new java.util.concurrent.ConcurrentHashMap<>();
    private final String prefix = "srv" + Integer.toString(ThreadLocalRandom.current().nextInt(1 << 20), 36);

    /** A new server; {@code name} becomes its connections' application_name (made unique per test class). */
    public PostgresEventStore start(String name) {
        return start(name, 1000);
    }

    public PostgresEventStore start(String name, int readBatchSize) {
        return start(name, readBatchSize, b -> b);
    }

    /** A new server whose builder {@code customize} may configure further (telemetry, say). */
    public PostgresEventStore start(String name, int readBatchSize,
                             java.util.function.UnaryOperator<PostgresEventStore.Builder> customize) {
        PGSimpleDataSource pg = (PGSimpleDataSource) db.dataSource();
        pg.setApplicationName(appName(name));
        KillableDataSource ds = new KillableDataSource(pg);
        dataSources.put(name, ds);
        ExecutorService executor = Executors.newCachedThreadPool();
        PostgresEventStore store = customize.apply(PostgresEventStore.builder(ds)
                .settings(EventStoreSettings.defaults().withSchema(schema).withReadBatchSize(readBatchSize))
                .notifications(ds, executor)
                .listenerPoll(Duration.ofMillis(100)))
                .build();
        synchronized (this) {
            stores.add(store);
            executors.add(executor);
        }
        return store;
    }

    public String appName(String name) {
        return prefix + "-" + name;
    }

    /** Terminates every backend of this "server" (its listener, lock and pooled connections): a crash or cut. */
    public int terminate(String name) throws SQLException {
        return terminateWhere("application_name = ?", appName(name));
    }

    /**
     * A crash of a "server": it can no longer reach the database (as if its process were gone) and every backend
     * it had is terminated, which frees its locks.
     */
    public int crash(String name) throws SQLException {
        dataSources.get(name).kill();
        return terminate(name);
    }

    /** Terminates every backend of every "server" of this test class. */
    public int terminateAll() throws SQLException {
        return terminateWhere("application_name LIKE ?", prefix + "-%");
    }

    private int terminateWhere(String condition, String value) throws SQLException {
        try (Connection c = db.connect();
             PreparedStatement ps = c.prepareStatement("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                     + " WHERE pid <> pg_backend_pid() AND " + condition)) {
            ps.setString(1, value);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getInt(1);
            }
        }
    }

    public long checkpoint(String streamId, String name) throws SQLException {
        try (Connection c = db.connect();
             PreparedStatement ps = c.prepareStatement("SELECT last_seen FROM \"" + schema
                     + "\".subscriptions WHERE stream_uuid = ? AND subscription_name = ?")) {
            ps.setString(1, streamId);
            ps.setString(2, name);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getLong(1) : -1;
            }
        }
    }

    /** As an extension ({@code @RegisterExtension final Servers servers = new Servers()}): closed after each test. */
    @Override
    public void afterEach(ExtensionContext context) throws InterruptedException {
        close();
    }

    @Override
    public void close() throws InterruptedException {
        for (PostgresEventStore s : stores) {
            s.close();
        }
        for (ExecutorService e : executors) {
            e.shutdownNow();
            e.awaitTermination(10, TimeUnit.SECONDS);
        }
        try (Connection c = db.connect(); java.sql.Statement st = c.createStatement()) {
            st.execute("DROP SCHEMA IF EXISTS \"" + schema + "\" CASCADE");
        } catch (SQLException e) {
            throw new IllegalStateException("could not drop test schema " + schema, e);
        }
    }
}
