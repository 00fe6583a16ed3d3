package org.jeventstore.subscriptions;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.HashSet;
import java.util.Set;
import java.util.logging.Level;
import java.util.logging.Logger;
import javax.sql.DataSource;
import org.jeventstore.storage.Sql;

/**
 * The server's session-level advisory locks, one per persistent subscription, all on one long-lived connection
 * (from a non-transactional DataSource). PostgreSQL frees them when that session ends, which is how a dead
 * server's subscriptions become free for the others. Each (re)connection starts a new generation: a lock taken
 * in an earlier generation is gone, so its subscription must stop delivering at once.
 *
 * <p>Lock key: (oid of the store's subscriptions table, subscription id mod 2^31-1), as Elixir's EventStore.
 * Advisory locks are re-entrant within a session, so this class itself refuses to hand one lock out twice.
 */
final class AdvisoryLocks implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(AdvisoryLocks.class.getName());
    /** How stale a holder's knowledge of its lock may get: every delivery path checks at least this often. */
    static final long VALIDATE_EVERY_MILLIS = 400;
    /**
     * How long a new holder waits after taking a lock before it delivers: longer than an old holder (whose
     * session just died) can go on delivering before its next check notices, so two servers never deliver one
     * subscription at once.
     */
    static final long TAKEOVER_GRACE_MILLIS = 1_000;
    private static final long VALIDATE_EVERY_NANOS = VALIDATE_EVERY_MILLIS * 1_000_000L;

    private final DataSource dataSource;
    private final Sql sql;
    private final Set<Long> held = new HashSet<>();
    private Connection connection;
    private int namespace;
    private long generation;
    private long lastValidated;
    private boolean closed;
    private int servers;
    private volatile int sessionPid;
    private long serversCheckedAt;

    AdvisoryLocks(DataSource dataSource, Sql sql) {
        this.dataSource = dataSource;
        this.sql = sql;
    }

    /**
     * Tries to take the lock of {@code subscriptionId}. Returns the generation it was taken in, or -1 when another
     * session holds it or the database cannot be reached.
     */
    synchronized long tryLock(long subscriptionId) {
        if (closed || held.contains(subscriptionId)) {
            return -1;
        }
        try {
            Connection c = connection();
            try (PreparedStatement ps = c.prepareStatement(sql.get("try-advisory-lock"))) {
                ps.setInt(1, namespace);
                ps.setInt(2, key(subscriptionId));
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    if (rs.getBoolean(1)) {
                        held.add(subscriptionId);
                        LOG.info(() -> "JES0201I acquired the lock of subscription " + subscriptionId
                                + " (schema " + sql.schema() + ")");
                        return generation;
                    }
                    return -1;
                }
            }
        } catch (SQLException e) {
            lost("taking a lock failed: " + e.getMessage());
            return -1;
        }
    }

    /** Whether the lock taken in {@code gen} is still held; checks the connection at most once a second. */
    synchronized boolean holds(long subscriptionId, long gen) {
        if (closed || connection == null || gen != generation || !held.contains(subscriptionId)) {
            return false;
        }
        if (System.nanoTime() - lastValidated > VALIDATE_EVERY_NANOS) {
            try {
                if (!connection.isValid(1)) {
                    lost("the lock connection is no longer valid");
                    return false;
                }
                lastValidated = System.nanoTime();
            } catch (SQLException e) {
                lost("checking the lock connection failed: " + e.getMessage());
                return false;
            }
        }
        return true;
    }

    /** The backend of the lock session (how other views tell this server's locks); 0 before the first. */
    int sessionPid() {
        return sessionPid;
    }

    /** How many servers of this store are up (their lock sessions); 1 or more while this one is connected. */
    synchronized int servers() {
        if (connection == null) {
            return 1;
        }
        if (System.nanoTime() - serversCheckedAt < 2_000_000_000L && servers > 0) {
            return servers;
        }
        try (PreparedStatement ps = connection.prepareStatement(sql.get("count-servers"))) {
            ps.setInt(1, namespace);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                servers = Math.max(1, rs.getInt(1));
                serversCheckedAt = System.nanoTime();
            }
        } catch (SQLException e) {
            lost("counting servers failed: " + e.getMessage());
            return 1;
        }
        return servers;
    }

    /** Releases the lock if it is still held in {@code gen}. */
    synchronized void unlock(long subscriptionId, long gen) {
        if (!held.remove(subscriptionId) || connection == null || gen != generation) {
            return;
        }
        try (PreparedStatement ps = connection.prepareStatement(sql.get("advisory-unlock"))) {
            ps.setInt(1, namespace);
            ps.setInt(2, key(subscriptionId));
            ps.executeQuery().close();
            LOG.info(() -> "JES0203I released the lock of subscription " + subscriptionId);
        } catch (SQLException e) {
            lost("releasing a lock failed: " + e.getMessage());
        }
    }

    /** Releases every lock and the connection. */
    @Override
    public synchronized void close() {
        closed = true;
        held.clear();
        if (connection != null) {
            try (PreparedStatement ps = connection.prepareStatement(sql.get("advisory-unlock-all"))) {
                ps.executeQuery().close();
            } catch (SQLException e) {
                LOG.log(Level.FINE, "unlock all failed on a closing lock connection", e);
            }
            try {
                connection.close();
            } catch (SQLException e) {
                LOG.log(Level.FINE, "closing the lock connection failed", e);
            }
            connection = null;
            sessionPid = 0;
        }
    }

    /** Forgets the connection (and so every lock): the next tryLock opens a new one. */
    synchronized void lost(String why) {
        if (connection == null) {
            return;
        }
        LOG.warning("JES0202W lost the subscription lock connection (schema " + sql.schema() + "): " + why
                + "; " + held.size() + " subscription(s) stop delivering until they get their lock again");
        held.clear();
        generation++;
        closeQuietly();
    }

    static int key(long subscriptionId) {
        return (int) (subscriptionId > Integer.MAX_VALUE ? subscriptionId % Integer.MAX_VALUE : subscriptionId);
    }

    private Connection connection() throws SQLException {
        if (connection == null) {
            Connection c = dataSource.getConnection();
            try {
                if (!c.getAutoCommit()) {
                    c.setAutoCommit(true);
                }
                try (PreparedStatement ps = c.prepareStatement(sql.get("subscriptions-table-oid"))) {
                    ps.setString(1, sql.schema().quoted() + ".subscriptions");
                    try (ResultSet rs = ps.executeQuery()) {
                        rs.next();
                        long oid = rs.getLong(1);
                        if (rs.wasNull()) {
                            // never fall back to namespace 0, which other applications' locks may use
                            throw new SQLException("table " + sql.schema().quoted() + ".subscriptions does not exist"
                                    + " yet", "42P01");
                        }
                        namespace = (int) oid;
                    }
                }
            } catch (SQLException | RuntimeException e) {
                c.close();
                throw e;
            }
            try (PreparedStatement ps = c.prepareStatement(sql.get("announce-server"))) {
                ps.setInt(1, namespace);
                ps.executeQuery().close();
                try (PreparedStatement pid = c.prepareStatement("SELECT pg_backend_pid()");
                     ResultSet rs = pid.executeQuery()) {
                    rs.next();
                    sessionPid = rs.getInt(1);
                }
            } catch (SQLException e) {
                c.close();
                throw e;
            }
            connection = c;
            generation++;
            lastValidated = System.nanoTime();
        }
        return connection;
    }

    private void closeQuietly() {
        try {
            connection.abort(Runnable::run);
        } catch (SQLException | RuntimeException e) {
            try {
                connection.close();
            } catch (SQLException ignored) {
                LOG.log(Level.FINE, "closing a broken lock connection failed", ignored);
            }
        }
        connection = null;
        sessionPid = 0;
    }
}
