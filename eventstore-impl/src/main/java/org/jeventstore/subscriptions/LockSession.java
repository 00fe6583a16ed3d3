package org.jeventstore.subscriptions;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.concurrent.Executor;
import java.util.function.LongSupplier;
import java.util.logging.Level;
import java.util.logging.Logger;
import javax.sql.DataSource;
import org.jeventstore.storage.NamedStatement;
import org.jeventstore.storage.SchemaManager;
import org.jeventstore.storage.Sql;

/**
 * One connection of the {@link AdvisoryLocks} session, from its set-up to its end: the network timeout on every
 * round trip, the two lock namespaces (the oids of the store's subscriptions and partition-count tables, as Elixir
 * keys its locks), PostgreSQL's own limit on the session's silence, the server's presence lock; and on the way out,
 * every lock released and the settings undone, or the connection aborted (never handed back with locks on it).
 *
 * @param generation      counts the sessions of one AdvisoryLocks: a lock taken in an earlier one is gone
 * @param originalTimeout the connection's network timeout before the session set its own
 * @param fenced          whether PostgreSQL ends the session when it goes silent (idle_session_timeout, 14 and later)
 * @param pid             the session's backend
 * @param openedNanos     when its first round trip started (System.nanoTime): the first proof that it answers
 */
record LockSession(Connection connection, long generation, int namespace, int layoutNamespace, int originalTimeout,
                   boolean fenced, int pid, long openedNanos) {

    private static final Logger LOG = Logger.getLogger(LockSession.class.getName());

    /**
     * Opens a session on a connection of {@code dataSource}: every round trip bounded by {@code timeoutMillis},
     * ended by PostgreSQL after {@code idleSessionTimeoutMillis} of silence. A failure aborts the connection.
     */
    static LockSession open(DataSource dataSource, Sql sql, Executor executor, int timeoutMillis,
                            long idleSessionTimeoutMillis, LongSupplier nextGeneration) throws SQLException {
        Connection c = dataSource.getConnection();
        try {
            int originalTimeout = c.getNetworkTimeout();
            c.setNetworkTimeout(executor, timeoutMillis);
            long start = System.nanoTime();
            if (!c.getAutoCommit()) {
                c.setAutoCommit(true);
            }
            // never fall back to namespace 0, which other applications' locks may use
            int namespace = oidOf(c, sql, "subscriptions");
            int layoutNamespace = oidOf(c, sql, "jes_subscription_layout");
            boolean fenced;
            NamedStatement limit = sql.named("limit-lock-session-silence");
            try (PreparedStatement ps = c.prepareStatement(limit.jdbc())) {
                try (ResultSet rs = limit.bind(ps).text("timeout", idleSessionTimeoutMillis + "ms").ready()
                        .executeQuery()) {
                    rs.next();
                    fenced = rs.getString(1) != null;
                }
            }
            Presence.announce(c, namespace, sql);
            int pid;
            try (PreparedStatement ps = c.prepareStatement("SELECT pg_backend_pid()");
                 ResultSet rs = ps.executeQuery()) {
                rs.next();
                pid = rs.getInt(1);
            }
            if (!fenced) {
                LOG.fine(() -> "PostgreSQL before 14 has no idle_session_timeout: a partitioned server's locks are"
                        + " freed when PostgreSQL's TCP keepalive notices (schema " + sql.schema() + ")");
            }
            return new LockSession(c, nextGeneration.getAsLong(), namespace, layoutNamespace, originalTimeout, fenced,
                    pid, start);
        } catch (SQLException | RuntimeException e) {
            abort(c);
            throw e;
        }
    }

    /** The oid of the store's {@code table}, which must exist (it names a lock namespace). */
    private static int oidOf(Connection c, Sql sql, String table) throws SQLException {
        Long oid = SchemaManager.tableOid(c, sql, table);
        if (oid == null) {
            throw new SQLException("table " + sql.schema().quoted() + "." + table + " does not exist yet", "42P01");
        }
        return (int) (long) oid;
    }

    /** Unlocks everything and undoes the session's settings; false when that failed (the caller aborts then). */
    boolean release(Sql sql, Executor executor) {
        try {
            try (PreparedStatement ps = connection.prepareStatement(sql.get("advisory-unlock-all"))) {
                ps.executeQuery().close();
            }
            if (fenced) {
                try (PreparedStatement ps = connection.prepareStatement("RESET idle_session_timeout")) {
                    ps.execute();
                }
            }
            connection.setNetworkTimeout(executor, originalTimeout);
            return true;
        } catch (SQLException | RuntimeException e) {
            LOG.log(Level.FINE, "releasing the locks of a closing lock connection failed", e);
            return false;
        }
    }

    /** Aborts the connection: PostgreSQL frees the session's locks when it notices. */
    void abort() {
        abort(connection);
    }

    void closeQuietly() {
        try {
            connection.close();
        } catch (SQLException e) {
            LOG.log(Level.FINE, "closing the lock connection failed", e);
        }
    }

    private static void abort(Connection c) {
        try {
            c.abort(Runnable::run);
        } catch (SQLException | RuntimeException e) {
            LOG.log(Level.WARNING, "JES0207W aborting a lock connection failed; closing it instead", e);
            try {
                c.close();
            } catch (SQLException closing) {
                LOG.log(Level.FINE, "closing the lock connection failed", closing);
            }
        }
    }
}
