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
 *
 * <p>A half-open connection (open, silent: a partition) must not hold it up: every round trip is bounded by the
 * network timeout T ({@link Connection#setNetworkTimeout}); after {@value #VALIDATE_EVERY_MS} ms without a
 * notification one round trip proves the connection alive, so a dead one is noticed within that plus T. A
 * connection that failed is aborted, never given back to the pool (its LISTEN would stay on it); only a clean
 * stop UNLISTENs and closes, and aborts instead when that does not answer within T.
 */
public final class NotificationListener implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(NotificationListener.class.getName());
    private static final long MIN_BACKOFF_MS = 10;
    private static final long MAX_BACKOFF_MS = 5_000;
    private static final org.jeventstore.config.Backoff RECONNECT =
            org.jeventstore.config.Backoff.of(MIN_BACKOFF_MS, MAX_BACKOFF_MS);
    /** How long the connection may stay silent before a round trip checks it. */
    private static final long VALIDATE_EVERY_MS = 10_000;

    private final DataSource dataSource;
    private final SchemaName schema;
    private final int pollMillis;
    private final int timeoutMillis;
    private final List<Consumer<EventsAppended>> consumers = new CopyOnWriteArrayList<>();
    private final List<Runnable> onConnect = new CopyOnWriteArrayList<>();
    private final CountDownLatch stopSignal = new CountDownLatch(1);
    private final CountDownLatch stopped = new CountDownLatch(1);
    private volatile boolean connected;
    private volatile Instant disconnectedSince = Instant.now();
    /** Why the listener stopped for good (a setup that no reconnect mends); {@code null} while it runs or retries. */
    private volatile String failure;
    private volatile boolean started;
    private volatile Executor executor;
    /** The connection in use, for close() to abort when the loop does not stop in time. */
    private volatile Connection current;
    /** When the loop last went round (System.nanoTime), to tell a stalled loop from a working one. */
    private volatile long lastBeat = System.nanoTime();

    /**
     * @param poll           how long one wait for notifications lasts
     * @param networkTimeout the bound on one round trip on the listener's connection
     */
    public NotificationListener(DataSource dataSource, SchemaName schema, Duration poll, Duration networkTimeout) {
        this.dataSource = dataSource;
        this.schema = schema;
        this.pollMillis = (int) Math.max(1, Math.min(poll.toMillis(), 60_000));
        this.timeoutMillis = (int) Math.max(1, Math.min(networkTimeout.toMillis(), Integer.MAX_VALUE));
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

    /**
     * Starts the loop as one long-running task on {@code executor}, which is also the one handed to
     * {@link Connection#setNetworkTimeout}.
     */
    public synchronized void start(Executor executor) {
        if (started) {
            throw new IllegalStateException("notification listener for schema " + schema + " already started");
        }
        this.executor = executor;
        started = true;
        executor.execute(this::run);
    }

    public boolean connected() {
        return connected && !stalled();
    }

    /**
     * Why this listener has stopped for good, with what to change; {@code null} while it works or retries. Only
     * what a reconnect cannot mend stops it: the driver's classes missing or of another copy than the DataSource's
     * (logged JES0109E).
     */
    public String failure() {
        return failure;
    }

    /**
     * Where pgjdbc must be for the listener: visible to the classes of jeventstore and loaded by the DataSource from
     * the same place, so that a pooled connection unwraps to the {@link PGConnection} this code sees.
     */
    public static final String DRIVER_PLACEMENT = "pgjdbc must be visible to jeventstore's classes and be the copy"
            + " the DataSources load: on Open Liberty put the postgresql jar in the server's lib/global (and nowhere"
            + " in the application), with <jdbcDriver libraryRef=\"global\"/> in each dataSource; a <library> of"
            + " its own that only the dataSource references is invisible to the application";

    /**
     * When the listener lost (or has not yet got) its connection, or when its loop last went round if it has
     * stalled since (longer than {@value #VALIDATE_EVERY_MS} ms plus poll and twice the network timeout); {@code
     * null} while it works.
     */
    public Instant disconnectedSince() {
        if (connected && stalled()) {
            return Instant.now().minusMillis(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - lastBeat));
        }
        return connected ? null : disconnectedSince;
    }

    private boolean stalled() {
        long limit = VALIDATE_EVERY_MS + pollMillis + 2L * timeoutMillis;
        return System.nanoTime() - lastBeat > TimeUnit.MILLISECONDS.toNanos(limit);
    }

    /**
     * Stops listening and releases the connection's LISTEN. Returns within about poll + network timeout: a loop
     * that has not stopped by then has its connection aborted.
     */
    @Override
    public void close() {
        stopSignal.countDown();
        if (!started) {
            return;
        }
        try {
            if (!stopped.await(pollMillis + timeoutMillis + 500L, TimeUnit.MILLISECONDS)) {
                Connection c = current;
                if (c != null) {
                    abort(c);
                }
                if (!stopped.await(500, TimeUnit.MILLISECONDS)) {
                    LOG.warning("JES0103W notification listener for schema " + schema + " did not stop in time");
                }
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
                lastBeat = System.nanoTime();
                try {
                    listen();
                    backoff = MIN_BACKOFF_MS;
                } catch (DriverMismatch | LinkageError e) {
                    // the driver's classes are missing here or are another copy than the DataSource's: no
                    // reconnect mends that, so stop and say so (liveness and readiness report it)
                    markDisconnected();
                    failure = e instanceof DriverMismatch ? e.getMessage()
                            : "the notification listener cannot load " + e.getMessage() + " (" + e.getClass().getName()
                            + "): " + DRIVER_PLACEMENT;
                    LOG.log(Level.SEVERE, "JES0109E notification listener for schema " + schema + " stopped: "
                            + failure + ". Nothing is listened to on this server until this is changed and the"
                            + " application restarted", e);
                    break;
                } catch (SQLException | RuntimeException | Error e) {
                    markDisconnected();
                    if (stopping()) {
                        break;
                    }
                    if (e instanceof Error) { // not a connection problem: say what it was, with its stack
                        LOG.log(Level.SEVERE, "JES0109E notification listener for schema " + schema + " failed"
                                + " unexpectedly; reconnecting in " + backoff + " ms", e);
                    } else {
                        LOG.log(Level.WARNING, "JES0101W notification listener for schema " + schema
                                + " lost its connection; reconnecting in " + backoff + " ms: " + e.getMessage());
                    }
                    if (stopSignal.await(backoff, TimeUnit.MILLISECONDS)) {
                        break;
                    }
                    backoff = RECONNECT.after(backoff);
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

    /**
     * One connection's life: LISTEN, relay until stopped or broken. On a clean stop UNLISTEN and close; on any
     * failure abort, so that no LISTEN goes back to the pool and nothing waits on a silent socket.
     */
    private void listen() throws SQLException {
        Connection c = dataSource.getConnection();
        current = c;
        boolean clean = false;
        try {
            int originalTimeout = c.getNetworkTimeout();
            c.setNetworkTimeout(executor, timeoutMillis);
            if (!c.getAutoCommit()) {
                c.setAutoCommit(true);
            }
            PGConnection pg;
            try {
                pg = c.unwrap(PGConnection.class);
            } catch (SQLException e) {
                if (!otherDriver(c)) {
                    throw e; // a broken connection (closed, terminated): reconnect as for any other failure
                }
                throw new DriverMismatch("a connection of the listen DataSource does not unwrap to the"
                        + " org.postgresql.PGConnection jeventstore sees (" + e.getMessage() + "): the DataSource"
                        + " loads another copy of pgjdbc than the application (or another driver); "
                        + DRIVER_PLACEMENT, e);
            }
            try (Statement st = c.createStatement()) {
                st.execute("LISTEN \"" + schema.channel() + "\"");
            }
            connected = true;
            lastBeat = System.nanoTime();
            LOG.info(() -> "JES0100I notification listener for schema " + schema + " is listening (backend pid "
                    + pg.getBackendPID() + ")");
            for (Runnable callback : onConnect) {
                runSafely(callback);
            }
            long lastHeard = System.nanoTime();
            while (!stopping()) {
                lastBeat = System.nanoTime();
                PGNotification[] received = pg.getNotifications(pollMillis);
                if (received != null && received.length > 0) {
                    lastHeard = System.nanoTime();
                    for (PGNotification n : received) {
                        Notification.parse(n.getParameter()).ifPresent(this::relay);
                    }
                } else if (System.nanoTime() - lastHeard > TimeUnit.MILLISECONDS.toNanos(VALIDATE_EVERY_MS)) {
                    // A partitioned connection stays silent forever; a round trip proves it alive.
                    if (!c.isValid(Math.max(1, (timeoutMillis + 999) / 1000))) {
                        throw new SQLException("connection did not answer within " + timeoutMillis + " ms", "08006");
                    }
                    lastHeard = System.nanoTime();
                }
            }
            markDisconnected();
            try (Statement st = c.createStatement()) {
                st.execute("UNLISTEN *");
            }
            c.setNetworkTimeout(executor, originalTimeout);
            clean = true;
        } finally {
            markDisconnected();
            current = null;
            if (clean) {
                c.close();
            } else {
                abort(c);
            }
        }
    }

    /**
     * Whether a connection that did not unwrap is a working one of another driver (or another copy of pgjdbc),
     * rather than a broken one: only then is it a setup problem that stops the listener.
     */
    private boolean otherDriver(Connection c) {
        try {
            return c.isValid(Math.max(1, (timeoutMillis + 999) / 1000)) && !c.isWrapperFor(PGConnection.class);
        } catch (SQLException | RuntimeException e) {
            return false;
        }
    }

    /** The DataSource's connections are not pgjdbc's as this code sees it: a setup problem, not a lost connection. */
    private static final class DriverMismatch extends RuntimeException {
        DriverMismatch(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private static void abort(Connection c) {
        try {
            c.abort(Runnable::run);
        } catch (SQLException | RuntimeException e) {
            LOG.log(Level.WARNING, "JES0105W aborting a listener connection failed; closing it instead", e);
            try {
                c.close();
            } catch (SQLException ignored) {
                LOG.log(Level.FINE, "closing a broken listener connection failed", ignored);
            }
        }
    }

    private void relay(EventsAppended appended) {
        for (Consumer<EventsAppended> consumer : consumers) {
            try {
                consumer.accept(appended);
            } catch (RuntimeException | Error e) { // one consumer must not end the loop for the others
                LOG.log(Level.WARNING, "JES0102W a notification consumer failed for " + appended, e);
            }
        }
    }

    private void runSafely(Runnable callback) {
        try {
            callback.run();
        } catch (RuntimeException | Error e) {
            LOG.log(Level.WARNING, "JES0102W a reconnect callback failed", e);
        }
    }
}
