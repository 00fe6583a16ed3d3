package org.jeventstore.faults;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.jeventstore.Subscription;
import org.jeventstore.config.EventStoreSettings;
import org.jeventstore.operations.EventStoreOperations;
import org.jeventstore.postgres.PostgresEventStore;
import org.jeventstore.testkit.KillableDataSource;
import org.jeventstore.testkit.PostgresServer;
import org.jeventstore.testkit.TestPool;
import org.jeventstore.operations.SubscriptionAdmin;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * One "server" of the campaign: a store instance with a connection pool of its own (application_name
 * {@code <run>-<name>}), a non-pooled DataSource for its listener and lock session ({@code <run>-<name>-listen}),
 * and an executor of its own. It dies as a process would ({@link #crash}: no cleanup at all, its backends
 * terminated) or stops gracefully ({@link #stop}). Each start is a new incarnation with the options it was given.
 */
final class Server {

    /** What differs between servers' configurations (a rolling change flips it). */
    record Config(int partitions, int asyncBuffer) {
    }

    final String name;
    final int incarnation;
    final Config config;
    final String poolName;
    final String listenName;
    final TestPool pool;
    final KillableDataSource listen;
    final ExecutorService executor;
    final PostgresEventStore store;
    final List<Subscription> subscriptions = new CopyOnWriteArrayList<>();
    private volatile boolean down;

    private Server(String name, int incarnation, Config config, String poolName, String listenName, TestPool pool,
                   KillableDataSource listen, ExecutorService executor, PostgresEventStore store) {
        this.name = name;
        this.incarnation = incarnation;
        this.config = config;
        this.poolName = poolName;
        this.listenName = listenName;
        this.pool = pool;
        this.listen = listen;
        this.executor = executor;
        this.store = store;
    }

    static Server start(String run, String name, int incarnation, Config config, PostgresServer db, String schema) {
        String poolName = run + "-" + name;
        String listenName = poolName + "-listen";
        TestPool pool = new TestPool(dataSource(db, poolName), 16);
        KillableDataSource listen = new KillableDataSource(dataSource(db, listenName));
        AtomicInteger threads = new AtomicInteger();
        ThreadFactory factory = r -> {
            Thread t = new Thread(r, name + "." + incarnation + "-" + threads.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
        ExecutorService executor = Executors.newCachedThreadPool(factory);
        PostgresEventStore store;
        try {
            store = PostgresEventStore.builder(pool)
                    .settings(EventStoreSettings.defaults().withSchema(schema))
                    .notifications(listen, executor)
                    .listenerPoll(Duration.ofMillis(200))
                    .networkTimeout(Duration.ofSeconds(2))
                    .linkerPoll(Duration.ofMillis(300))
                    .build();
        } catch (RuntimeException e) {
            executor.shutdownNow();
            pool.close();
            throw e;
        }
        return new Server(name, incarnation, config, poolName, listenName, pool, listen, executor, store);
    }

    private static PGSimpleDataSource dataSource(PostgresServer db, String applicationName) {
        PGSimpleDataSource ds = (PGSimpleDataSource) db.dataSource();
        ds.setApplicationName(applicationName);
        ds.setSocketTimeout(30);
        return ds;
    }

    boolean down() {
        return down;
    }

    EventStoreOperations operations() {
        return store.operations();
    }

    org.jeventstore.operations.SubscriptionAdmin admin() {
        return store.admin();
    }

    /**
     * Dies as a process does: no connection is handed out any more, every backend it had is terminated (which
     * frees its locks), its threads are interrupted; nothing is closed, nothing is saved.
     */
    void crash(Database db) {
        down = true;
        pool.kill();
        listen.kill();
        terminate(db, poolName + "%");
        executor.shutdownNow();
    }

    /** Terminates this server's backends whose application_name is like {@code pattern}; returns how many. */
    static long terminate(Database db, String pattern) {
        return db.single("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                + " WHERE pid <> pg_backend_pid() AND application_name LIKE ?", pattern);
    }

    /** A graceful stop: subscriptions drain and save, locks are released, the store closes. */
    void stop() {
        down = true;
        try {
            store.close();
        } finally {
            executor.shutdownNow();
            try {
                executor.awaitTermination(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            pool.close();
        }
    }

    @Override
    public String toString() {
        return name + "#" + incarnation;
    }
}
