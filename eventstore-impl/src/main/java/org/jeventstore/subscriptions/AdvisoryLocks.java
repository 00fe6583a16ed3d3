package org.jeventstore.subscriptions;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.logging.Level;
import java.util.logging.Logger;
import javax.sql.DataSource;
import org.jeventstore.storage.NamedStatement;
import org.jeventstore.storage.Sql;

/**
 * The server's session-level advisory locks, one per persistent subscription, all on one long-lived connection
 * (from a non-transactional DataSource). PostgreSQL frees them when that session ends, which is how a dead
 * server's subscriptions become free for the others. Each (re)connection starts a new generation: a lock taken
 * in an earlier generation is gone, so its subscription must stop delivering at once.
 *
 * <p>Lock key: (oid of the store's subscriptions table, subscription id mod 2^31-1), as Elixir's EventStore.
 * Advisory locks are re-entrant within a session, so this class itself refuses to hand one lock out twice.
 *
 * <p>Timeouts, so that a half-open connection (a partition: open, silent) cannot hold anything up:
 * <ul>
 *   <li>every round trip on the connection is bounded by the network timeout T
 *       ({@link Connection#setNetworkTimeout}); any failure aborts the connection: it never goes back to the
 *       pool with locks on it;</li>
 *   <li>a keeper task proves the session alive every {@value #VALIDATE_EVERY_MILLIS} ms; {@link #holds} only
 *       reads memory (it is on every delivery path and must never wait for the network) and counts the locks as
 *       lost once the last proof is older than the lease, T + 2 x {@value #VALIDATE_EVERY_MILLIS} ms;</li>
 *   <li>PostgreSQL ends the session itself when it has heard nothing for twice the lease
 *       ({@code idle_session_timeout} on this session, PostgreSQL 14 and later), which frees the locks of a
 *       partitioned server only after that server has stopped delivering.</li>
 * </ul>
 * Network I/O runs under {@code io} (one user of the connection at a time), never under this object's monitor,
 * which guards only the state below.
 */
final class AdvisoryLocks implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(AdvisoryLocks.class.getName());
    /** How often the keeper proves the lock session alive. */
    static final long VALIDATE_EVERY_MILLIS = 400;
    /**
     * How long a new holder waits after taking a lock before it delivers: longer than an old holder whose session
     * PostgreSQL ended (a terminated backend, a restart) can go on before its keeper's next ping fails (0.4 s and
     * a round trip). A silent session needs no grace: PostgreSQL ends it only after twice the lease, when its
     * holder has stopped already.
     */
    static final long TAKEOVER_GRACE_MILLIS = 1_000;
    private static final long MAX_RECONNECT_BACKOFF_MILLIS = 5_000;
    private static final org.jeventstore.config.Backoff RECONNECT =
            org.jeventstore.config.Backoff.of(VALIDATE_EVERY_MILLIS, MAX_RECONNECT_BACKOFF_MILLIS);

    private final DataSource dataSource;
    private final Sql sql;
    private final Executor executor;
    private final int timeoutMillis;
    private final long leaseNanos;
    private final long idleSessionTimeoutMillis;
    private final ReentrantLock io = new ReentrantLock();
    private final CountDownLatch closing = new CountDownLatch(1);

    // guarded by this
    private final Set<Long> held = new HashSet<>();
    /** Subscription families whose partition count this session holds shared (SubscriptionLayout). */
    private final Set<Long> layoutsHeld = new HashSet<>();
    private LockSession session;
    private long generations;
    private boolean closed;
    private boolean keeperStarted;
    private Instant downSince;
    private volatile int sessionPid;

    /** When the session last answered (System.nanoTime of the round trip's start). */
    private volatile long provenAt;

    /**
     * @param executor       runs the keeper (a long-running task) and is handed to
     *                       {@link Connection#setNetworkTimeout}
     * @param networkTimeout the bound on one round trip on the lock connection
     */
    AdvisoryLocks(DataSource dataSource, Sql sql, Executor executor, Duration networkTimeout) {
        this.dataSource = dataSource;
        this.sql = sql;
        this.executor = executor;
        this.timeoutMillis = (int) Math.max(1, Math.min(networkTimeout.toMillis(), Integer.MAX_VALUE));
        long leaseMillis = timeoutMillis + 2 * VALIDATE_EVERY_MILLIS;
        this.leaseNanos = TimeUnit.MILLISECONDS.toNanos(leaseMillis);
        this.idleSessionTimeoutMillis = 2 * leaseMillis;
    }

    /**
     * Tries to take the lock of {@code subscriptionId}. Returns the generation it was taken in, or -1 when another
     * session holds it or the database cannot be reached (now: another thread may be busy on the connection).
     */
    long tryLock(long subscriptionId) {
        long gen = take(false, "try-advisory-lock", subscriptionId, held, "a lock");
        if (gen >= 0) {
            LOG.info(() -> "JES0201I acquired the lock of subscription " + subscriptionId + " (schema "
                    + sql.schema() + ")");
        }
        return gen;
    }

    /**
     * Takes an advisory lock of the session (one round trip): in the subscriptions' namespace or, for
     * {@code layout}, the partition counts'. Returns the generation it was taken in, or -1 when it is busy, the
     * database cannot be reached, or {@code into} (where it is recorded as held; null: not recorded) has it.
     */
    private long take(boolean layout, String statement, long id, Set<Long> into, String what) {
        synchronized (this) {
            if (closed || (into != null && into.contains(id))) {
                return -1;
            }
        }
        if (!enterIo()) {
            return -1;
        }
        LockSession s;
        try {
            s = session();
        } catch (SQLException | RuntimeException e) {
            io.unlock();
            failedToConnect(e);
            return -1;
        }
        int namespace = layout ? s.layoutNamespace() : s.namespace();
        if (!roundTrip(s, "taking " + what, (c, ns) -> advisory(c, statement, namespace, id)).orElse(false)) {
            return -1;
        }
        synchronized (this) {
            if (session != s) {
                return -1; // lost (or closed) meanwhile: the lock went with the session
            }
            if (into != null) {
                into.add(id);
            }
        }
        return s.generation();
    }

    /**
     * Releases an advisory lock taken in {@code gen} (one round trip), if {@code from} (where it is recorded; null:
     * not recorded) still has it. When that cannot be done (in time), the whole session is aborted instead: a lock
     * this server no longer counts as held must not stay held in PostgreSQL. Returns whether it was released.
     */
    private boolean release(boolean layout, String statement, long id, long gen, Set<Long> from, String what) {
        LockSession s;
        synchronized (this) {
            if ((from != null && !from.remove(id)) || session == null || session.generation() != gen) {
                return false;
            }
            s = session;
        }
        if (!enterIo()) {
            lost(s, "releasing " + what + " timed out waiting for the connection");
            return false;
        }
        int namespace = layout ? s.layoutNamespace() : s.namespace();
        return roundTrip(s, "releasing " + what, (c, ns) -> {
            advisory(c, statement, namespace, id);
            return true;
        }).orElse(false); // empty: the session, and the lock with it, is gone already
    }

    /** A try-lock or unlock statement of (namespace, the key of {@code id}); its answer. */
    private boolean advisory(Connection c, String statement, int namespace, long id) throws SQLException {
        NamedStatement named = sql.named(statement);
        try (PreparedStatement ps = c.prepareStatement(named.jdbc())) {
            try (ResultSet rs = named.bind(ps).integer("namespace", namespace).integer("lock_key", key(id)).ready()
                    .executeQuery()) {
                rs.next();
                return rs.getBoolean(1);
            }
        }
    }

    /**
     * One round trip of {@code query} on session {@code s}, whose connection the caller has taken ({@code io},
     * given up here): empty when {@code s} is no longer the session, or when the query failed, which loses the
     * session (as any failure on it does); otherwise the session has proved alive.
     */
    private <T> Optional<T> roundTrip(LockSession s, String what, SessionQuery<T> query) {
        try {
            synchronized (this) {
                if (session != s) {
                    return Optional.empty();
                }
            }
            long start = System.nanoTime();
            T result = query.run(s.connection(), s.namespace());
            proven(start);
            return Optional.ofNullable(result);
        } catch (SQLException | RuntimeException e) {
            lost(s, what + " failed: " + e.getMessage());
            return Optional.empty();
        } finally {
            io.unlock();
        }
    }

    /**
     * Whether the lock taken in {@code gen} is still held. Reads memory only (never waits for the network): the
     * session must be the same and have answered within the lease; once it has not, the locks count as lost.
     */
    boolean holds(long subscriptionId, long gen) {
        LockSession s;
        synchronized (this) {
            s = session;
            if (closed || s == null || s.generation() != gen || !held.contains(subscriptionId)) {
                return false;
            }
        }
        long silentNanos = System.nanoTime() - provenAt;
        if (silentNanos <= leaseNanos) {
            return true;
        }
        lost(s, "the lock connection has not answered for " + TimeUnit.NANOSECONDS.toMillis(silentNanos)
                + " ms (lease " + TimeUnit.NANOSECONDS.toMillis(leaseNanos) + " ms)");
        return false;
    }

    /** The generation of the current lock session, or -1 while there is none. */
    synchronized long generation() {
        return session == null || closed ? -1 : session.generation();
    }

    /**
     * Takes the partition-count lock of a subscription family ({@link SubscriptionLayout}): shared, as every server
     * running the recorded count holds it, or exclusive, to change the count (granted only while nobody holds it
     * shared). Returns the generation it was taken in, or -1 when it is busy or the database cannot be reached.
     */
    long tryLayoutLock(long familyId, boolean shared) {
        return take(true, shared ? "try-advisory-lock-shared" : "try-advisory-lock", familyId,
                shared ? layoutsHeld : null, "a partition-count lock");
    }

    /** Releases a partition-count lock taken in {@code gen}; when that cannot be done, the session is aborted. */
    void unlockLayout(long familyId, boolean shared, long gen) {
        release(true, shared ? "advisory-unlock-shared" : "advisory-unlock", familyId, gen,
                shared ? layoutsHeld : null, "a partition-count lock");
    }

    /** Whether the shared partition-count lock of {@code familyId} taken in {@code gen} is still held (memory only). */
    boolean holdsLayout(long familyId, long gen) {
        synchronized (this) {
            return !closed && session != null && session.generation() == gen && layoutsHeld.contains(familyId);
        }
    }

    /** The backend of the lock session (how other views tell this server's locks); 0 while there is none. */
    int sessionPid() {
        return sessionPid;
    }

    /** One round trip on the lock session: {@code connection} and the store's lock namespace. */
    @FunctionalInterface
    interface SessionQuery<T> {
        T run(Connection connection, int namespace) throws SQLException;
    }

    /**
     * Runs {@code query} on the lock session (one round trip, bounded like every other), for what lives with it
     * ({@link Presence}). Empty when there is no session, another user keeps the connection past the network
     * timeout, or the query fails (the session is then lost, as for any failure on it).
     */
    <T> Optional<T> onSession(String what, SessionQuery<T> query) {
        LockSession s;
        synchronized (this) {
            s = session;
            if (s == null) {
                return Optional.empty();
            }
        }
        if (!enterIo()) {
            return Optional.empty();
        }
        return roundTrip(s, what, query);
    }

    /**
     * Releases the lock if it is still held in {@code gen}. When that cannot be done (in time), the whole session
     * is aborted instead: a lock this server no longer counts as held must not stay held in PostgreSQL.
     */
    void unlock(long subscriptionId, long gen) {
        if (release(false, "advisory-unlock", subscriptionId, gen, held, "the lock of subscription " + subscriptionId)) {
            LOG.info(() -> "JES0203I released the lock of subscription " + subscriptionId);
        }
    }

    /**
     * Since when this server has had no working lock connection although it wants one; {@code null} while it
     * works or before it was first needed. (Liveness.)
     */
    synchronized Instant downSince() {
        return closed ? null : downSince;
    }

    /**
     * Releases every lock and the connection: gracefully when the connection answers within the network timeout,
     * otherwise by aborting it. Returns within about that timeout.
     */
    @Override
    public void close() {
        LockSession s;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            held.clear();
            layoutsHeld.clear();
            s = session;
            session = null;
            sessionPid = 0;
        }
        closing.countDown();
        if (s == null) {
            return;
        }
        boolean released = false;
        try {
            if (io.tryLock(timeoutMillis, TimeUnit.MILLISECONDS)) {
                try {
                    released = s.release(sql, executor);
                } finally {
                    io.unlock();
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (released) {
            s.closeQuietly();
        } else {
            LOG.warning("JES0204W the subscription lock connection (schema " + sql.schema() + ") did not release its"
                    + " locks in time on closing; aborted, so PostgreSQL frees them when it notices");
            s.abort();
        }
    }

    static int key(long subscriptionId) {
        return LockKeys.of(subscriptionId);
    }

    /** Takes the connection for one round trip; waits at most the network timeout for another user of it. */
    private boolean enterIo() {
        try {
            return io.tryLock(timeoutMillis, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private void proven(long startNanos) {
        if (startNanos - provenAt > 0) {
            provenAt = startNanos;
        }
    }

    /** The current session, opened when there is none. Caller holds {@code io}. */
    private LockSession session() throws SQLException {
        synchronized (this) {
            if (closed) {
                throw new SQLException("the subscription locks of schema " + sql.schema() + " are closed", "08003");
            }
            if (session != null) {
                return session;
            }
            if (!keeperStarted) {
                executor.execute(this::keep);
                keeperStarted = true;
            }
        }
        LockSession opened = LockSession.open(dataSource, sql, executor, timeoutMillis, idleSessionTimeoutMillis,
                () -> {
                    synchronized (this) {
                        return ++generations;
                    }
                });
        provenAt = opened.openedNanos();
        sessionPid = opened.pid();
        synchronized (this) {
            if (!closed) {
                session = opened;
                downSince = null;
                return opened;
            }
        }
        opened.abort();
        throw new SQLException("the subscription locks of schema " + sql.schema() + " are closed", "08003");
    }

    /** Forgets {@code s} (and so every lock) and aborts its connection; nothing when it is gone already. */
    private void lost(LockSession s, String why) {
        int count;
        synchronized (this) {
            if (session != s) {
                return;
            }
            count = held.size();
            held.clear();
            layoutsHeld.clear();
            session = null;
            sessionPid = 0;
            if (downSince == null) {
                downSince = Instant.now();
            }
        }
        LOG.warning("JES0202W lost the subscription lock connection (schema " + sql.schema() + "): " + why
                + "; " + count + " subscription(s) stop delivering until they get their lock again");
        s.abort();
    }

    private void failedToConnect(Exception e) {
        boolean first;
        synchronized (this) {
            if (closed) {
                return;
            }
            first = downSince == null;
            if (first) {
                downSince = Instant.now();
            }
        }
        if (first) {
            LOG.warning("JES0208W no subscription lock connection (schema " + sql.schema() + "): " + e.getMessage()
                    + "; retrying with backoff up to " + MAX_RECONNECT_BACKOFF_MILLIS + " ms");
        } else {
            LOG.log(Level.FINE, "still no subscription lock connection (schema " + sql.schema() + ")", e);
        }
    }

    /**
     * The keeper: proves the session alive every {@value #VALIDATE_EVERY_MILLIS} ms (which also keeps
     * PostgreSQL's silence limit from ending a healthy session) and reconnects a lost one with capped backoff, so
     * that liveness reflects the connection even while no subscription asks for a lock.
     */
    private void keep() {
        long backoff = VALIDATE_EVERY_MILLIS;
        try {
            while (!closing.await(backoff, TimeUnit.MILLISECONDS)) {
                try {
                    backoff = keepOnce() ? VALIDATE_EVERY_MILLIS : RECONNECT.after(backoff);
                } catch (RuntimeException | Error e) { // an Error too: the keeper must never end unseen
                    LOG.log(Level.WARNING, "JES0205W the subscription lock keeper failed (schema " + sql.schema()
                            + "); going on", e);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            LOG.info("JES0206I the subscription lock keeper (schema " + sql.schema() + ") was interrupted; stopping");
        }
    }

    /** One keeper round; false when there is no working session. */
    private boolean keepOnce() {
        LockSession s;
        synchronized (this) {
            if (closed) {
                return true;
            }
            s = session;
        }
        if (s != null && System.nanoTime() - provenAt < TimeUnit.MILLISECONDS.toNanos(VALIDATE_EVERY_MILLIS)) {
            return true; // another round trip has just proved it
        }
        if (!enterIo()) {
            return s != null; // busy: whoever holds the connection proves or loses the session
        }
        try {
            if (s == null) {
                try {
                    session();
                    return true;
                } catch (SQLException | RuntimeException e) {
                    failedToConnect(e);
                    return false;
                }
            }
            synchronized (this) {
                if (session != s) {
                    return session != null;
                }
            }
            long start = System.nanoTime();
            boolean valid;
            try {
                valid = s.connection().isValid(Math.max(1, (timeoutMillis + 999) / 1000));
            } catch (SQLException e) {
                valid = false;
            }
            if (valid) {
                proven(start);
                return true;
            }
            lost(s, "the lock connection did not answer within " + timeoutMillis + " ms");
            return false;
        } finally {
            io.unlock();
        }
    }
}
