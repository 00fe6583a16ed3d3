package org.jeventstore.notifications;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;
import javax.sql.DataSource;
import org.jeventstore.EventsAppended;
import org.jeventstore.config.SchemaName;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;

/**
 * One per store per server: holds its own connection (idle, autocommit, outside any transaction) that LISTENs on
 * the store's channel, and hands every announced range to the registered consumers. Consumers run on this
 * listener's thread and must only hand the work on (enqueue, fire an async event): never block or run user
 * code.
 *
 * <p>On connection loss it reconnects with capped exponential backoff (10 ms doubling to 5 s), LISTENs again and
 * tells the {@code onConnect} callbacks, so that subscriptions catch up on what was appended while it was deaf:
 * PostgreSQL queues nothing for a disconnected listener.
 */
public final class NotificationListener implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(NotificationListener.class.getName());
    private static final long MIN_BACKOFF_MS = 10;
    private static final long MAX_BACKOFF_MS = 5_000;
    private static final long VALIDATE_EVERY_MS = 10_000;

    private final DataSource dataSource;
    private final SchemaName schema;
    private final int pollMillis;
    private final List<Consumer<EventsAppended>> consumers = new CopyOnWriteArrayList<>();
    private final List<Runnable> onConnect = new CopyOnWriteArrayList<>();
    private final CountDownLatch stopSignal = new CountDownLatch(1);
    private final CountDownLatch stopped = new CountDownLatch(1);
    private volatile boolean connected;
    private volatile Instant disconnectedSince = Instant.now();
    private volatile boolean started;

    public NotificationListener(DataSource dataSource, SchemaName schema, Duration poll) {
        this.dataSource = dataSource;
        this.schema = schema;
        this.pollMillis = (int) Math.max(1, Math.min(poll.toMillis(), 60_000));
    }

    public void addConsumer(Consumer<EventsAppended> consumer) {
        consumers.add(consumer);
    }

    public void removeConsumer(Consumer<EventsAppended> consumer) {
        consumers.remove(consumer);
    }

    /** Called on the listener's thread after each (re)connect, once LISTEN is in place. */
    public void addConnectListener(Runnable callback) {
        onConnect.add(callback);
    }

    /** Starts the loop as one long-running task on {@code executor}. */
    public synchronized void start(Executor executor) {
        if (started) {
            throw new IllegalStateException("notification listener for schema " + schema + " already started");
        }
        started = true;
        executor.execute(this::run);
    }

    public boolean connected() {
        return connected;
    }

    /** When the listener lost (or has not yet got) its connection; {@code null} while connected. */
    public Instant disconnectedSince() {
        return connected ? null : disconnectedSince;
    }

    /** Stops listening and releases the connection's LISTEN; waits up to a few seconds for the loop to end. */
    @Override
    public void close() {
        stopSignal.countDown();
        if (!started) {
            return;
        }
        try {
            if (!stopped.await(pollMillis + 5_000L, TimeUnit.MILLISECONDS)) {
                LOG.warning("JES0103W notification listener for schema " + schema + " did not stop in time");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private boolean stopping() {
        return stopSignal.getCount() == 0;
    }

    private void run() {
        long backoff = MIN_BACKOFF_MS;
        try {
            while (!stopping()) {
                try {
                    listen();
                    backoff = MIN_BACKOFF_MS;
                } catch (SQLException | RuntimeException e) {
                    markDisconnected();
                    if (stopping()) {
                        break;
                    }
                    LOG.log(Level.WARNING, "JES0101W notification listener for schema " + schema
                            + " lost its connection; reconnecting in " + backoff + " ms: " + e.getMessage());
                    if (stopSignal.await(backoff, TimeUnit.MILLISECONDS)) {
                        break;
                    }
                    backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            LOG.info("JES0104I notification listener for schema " + schema + " interrupted; stopping");
        } finally {
            markDisconnected();
            stopped.countDown();
        }
    }

    private void markDisconnected() {
        if (connected) {
            connected = false;
            disconnectedSince = Instant.now();
        }
    }

    /** One connection's life: LISTEN, relay until stopped or broken, then UNLISTEN so no state leaks. */
    private void listen() throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            if (!c.getAutoCommit()) {
                c.setAutoCommit(true);
            }
            PGConnection pg = c.unwrap(PGConnection.class);
            try (Statement st = c.createStatement()) {
                st.execute("LISTEN \"" + schema.channel() + "\"");
            }
            connected = true;
            LOG.info(() -> "JES0100I notification listener for schema " + schema + " is listening (backend pid "
                    + pg.getBackendPID() + ")");
            for (Runnable callback : onConnect) {
                runSafely(callback);
            }
            long lastValidated = System.nanoTime();
            try {
                while (!stopping()) {
                    PGNotification[] received = pg.getNotifications(pollMillis);
                    if (received != null) {
                        for (PGNotification n : received) {
                            Notification.parse(n.getParameter()).ifPresent(this::relay);
                        }
                    } else if (System.nanoTime() - lastValidated > TimeUnit.MILLISECONDS.toNanos(VALIDATE_EVERY_MS)) {
                        // A partitioned connection can stay silent forever; a round trip proves it alive.
                        if (!c.isValid(5)) {
                            throw new SQLException("connection no longer valid", "08006");
                        }
                        lastValidated = System.nanoTime();
                    }
                }
            } finally {
                if (!c.isClosed()) {
                    try (Statement st = c.createStatement()) {
                        st.execute("UNLISTEN *");
                    } catch (SQLException e) {
                        LOG.log(Level.FINE, "UNLISTEN failed on a closing connection", e);
                    }
                }
            }
        }
    }

    private void relay(EventsAppended appended) {
        for (Consumer<EventsAppended> consumer : consumers) {
            try {
                consumer.accept(appended);
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "JES0102W a notification consumer failed for " + appended, e);
            }
        }
    }

    private void runSafely(Runnable callback) {
        try {
            callback.run();
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "JES0102W a reconnect callback failed", e);
        }
    }
}
