package org.jeventstore.storage;

import java.sql.Connection;
import java.sql.SQLException;
import javax.sql.DataSource;
import org.jeventstore.EventStoreException;

/** Borrows connections from the DataSource and runs work in a transaction, joining a JTA one when active. */
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

    /** Runs read-only work on a connection as the DataSource hands it out (autocommit outside JTA). */
    public <T> T read(String what, Work<T> work) {
        try (Connection c = dataSource.getConnection()) {
            return work.run(c);
        } catch (SQLException e) {
            throw SqlErrors.storage(what, e);
        }
    }

    /**
     * Runs work atomically: inside the caller's JTA transaction when there is one (the container commits), in a
     * local transaction otherwise. Any exception rolls the local transaction back, so nothing is half-written.
     */
    public <T> T write(String what, Work<T> work) {
        if (jta.active()) {
            return read(what, work);
        }
        try (Connection c = dataSource.getConnection()) {
            return inLocalTransaction(c, work);
        } catch (SQLException e) {
            throw SqlErrors.storage(what, e);
        } catch (EventStoreException e) {
            throw e;
        }
    }

    /**
     * Runs work that is a single statement (atomic by itself) so that it commits on its own: in autocommit when
     * the connection is in autocommit, which saves the BEGIN and COMMIT round trips of {@link #write}; in a local
     * transaction otherwise; inside the caller's JTA transaction when there is one. Never for work of more than
     * one statement.
     */
    public <T> T writeStatement(String what, Work<T> work) {
        if (jta.active()) {
            return read(what, work);
        }
        try (Connection c = dataSource.getConnection()) {
            return c.getAutoCommit() ? work.run(c) : inLocalTransaction(c, work);
        } catch (SQLException e) {
            throw SqlErrors.storage(what, e);
        } catch (EventStoreException e) {
            throw e;
        }
    }

    private static <T> T inLocalTransaction(Connection c, Work<T> work) throws SQLException {
        boolean autoCommit = c.getAutoCommit();
        if (autoCommit) {
            c.setAutoCommit(false);
        }
        try {
            T result = work.run(c);
            c.commit();
            return result;
        } catch (SQLException | RuntimeException | Error e) {
            rollbackQuietly(c, e);
            throw e;
        } finally {
            if (autoCommit) {
                c.setAutoCommit(true);
            }
        }
    }

    private static void rollbackQuietly(Connection c, Throwable cause) {
        try {
            c.rollback();
        } catch (SQLException e) {
            cause.addSuppressed(e);
        }
    }
}
