package org.jeventstore.storage;

import java.sql.Connection;
import java.sql.SQLException;
import javax.sql.DataSource;
import org.jeventstore.InvalidRequestException;

/**
 * Borrows connections from the DataSource and runs work in a transaction, joining a JTA one only when it is
 * active: a committed one (seen from an after-completion callback) gets a local transaction, one that rolls
 * back or is still completing a refusal.
 */
public final class Transactions {

    /** Work on a connection. */
    @FunctionalInterface
    public interface Work<T> {
        T run(Connection connection) throws SQLException;
    }

    private final DataSource dataSource;
    private final TransactionContext jta;

    public Transactions(DataSource dataSource, TransactionContext jta) {
        this.dataSource = dataSource;
        this.jta = jta;
    }

    public DataSource dataSource() {
        return dataSource;
    }

    /** Whether work runs in the caller's JTA transaction (and is committed by the container, later). */
    public boolean inCallersTransaction() {
        return jta.active();
    }

    /** Runs {@code action} after the caller's JTA transaction commits, or at once when there is none. */
    public void afterCommit(Runnable action) {
        if (jta.active()) {
            jta.afterCommit(action);
        } else {
            action.run();
        }
    }

    /** The same DataSource, always in local transactions: for work that must never join a caller's. */
    public Transactions local() {
        return jta == TransactionContext.NONE ? this : new Transactions(dataSource, TransactionContext.NONE);
    }

    /**
     * Runs work on a connection as the DataSource hands it out (autocommit outside JTA; the caller's transaction
     * inside one): reads, and statements that must not run in a transaction (VACUUM).
     */
    public <T> T onConnection(String what, Work<T> work) {
        try (Connection c = dataSource.getConnection()) {
            return work.run(c);
        } catch (SQLException e) {
            throw SqlErrors.storage(what, e);
        }
    }

    /**
     * Runs work whose writes are one SQL statement, atomic by itself: in the caller's JTA transaction when there
     * is one, otherwise in autocommit, which saves the separate COMMIT round trip of {@link #write}. Anything the
     * work runs after that statement must only read.
     */
    public <T> T singleStatement(String what, Work<T> work) {
        if (joinsCallers(what)) {
            return onConnection(what, work);
        }
        try (Connection c = dataSource.getConnection()) {
            // a DataSource that hands out connections outside autocommit gets an explicit transaction
            return c.getAutoCommit() ? work.run(c) : local(c, work);
        } catch (SQLException e) {
            throw SqlErrors.storage(what, e);
        }
    }

    /**
     * Runs work atomically: inside the caller's JTA transaction when there is one (the container commits), in a
     * local transaction otherwise. Any exception rolls the local transaction back, so nothing is half-written.
     */
    public <T> T write(String what, Work<T> work) {
        if (joinsCallers(what)) {
            return onConnection(what, work);
        }
        try (Connection c = dataSource.getConnection()) {
            return local(c, work);
        } catch (SQLException e) {
            throw SqlErrors.storage(what, e);
        }
    }

    /**
     * Whether a write joins the caller's transaction: only an active one. A caller whose transaction can be
     * neither joined nor written beside is refused before anything is written ({@link TransactionContext#writeRefusal}).
     */
    private boolean joinsCallers(String what) {
        String refusal = jta.writeRefusal();
        if (refusal != null) {
            throw new InvalidRequestException(what + " refused: " + refusal + ". Written in that transaction the"
                    + " events would be undone with it; written on their own they could outlive the work it undoes."
                    + " Write from an active transaction (a new one, REQUIRES_NEW, to record a failure) or from none");
        }
        return jta.active();
    }

    /** Runs work in a local transaction on {@code c}, rolled back on any failure. */
    private static <T> T local(Connection c, Work<T> work) throws SQLException {
        boolean autoCommit = c.getAutoCommit();
        if (autoCommit) {
            c.setAutoCommit(false);
        }
        T result;
        try {
            result = work.run(c);
            c.commit();
        } catch (SQLException | RuntimeException | Error e) {
            rollbackQuietly(c, e, autoCommit);
            throw e;
        }
        if (autoCommit) {
            c.setAutoCommit(true);
        }
        return result;
    }

    /** Rolls back and restores autocommit; a failure here (a broken connection) never hides the cause. */
    private static void rollbackQuietly(Connection c, Throwable cause, boolean restoreAutoCommit) {
        try {
            c.rollback();
            if (restoreAutoCommit) {
                c.setAutoCommit(true);
            }
        } catch (SQLException e) {
            cause.addSuppressed(e);
        }
    }
}
