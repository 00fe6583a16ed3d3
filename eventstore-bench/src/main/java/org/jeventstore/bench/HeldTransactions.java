package org.jeventstore.bench;

import java.io.PrintWriter;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Logger;
import javax.sql.DataSource;
import org.jeventstore.storage.TransactionContext;

/**
 * What a JTA container does for the store, without a container: W10's way to hold an append's transaction open.
 * A transaction begun here takes a pooled connection, turns autocommit off and binds it to the thread; while it is
 * bound, the DataSource given to the store ({@link #dataSource()}) hands out that connection on this thread (its
 * {@code close()} a no-op, as an enlisted connection's is) and {@link #active()} says a transaction is active, so
 * the store's append joins it ({@code PostgresEventStore.builder(ds).transactionContext(...)}, the public API the
 * CDI layer uses). {@link Held#commit()} commits, unbinds, returns the connection and then runs what the store
 * registered with {@link #afterCommit} on the committing thread, as a transaction manager runs its
 * after-completion callbacks. Other threads (the linker, reads) get plain pooled connections in autocommit.
 */
final class HeldTransactions implements TransactionContext {

    private final DataSource pool;
    private final ThreadLocal<Held> current = new ThreadLocal<>();
    private final DataSource dataSource = new Enlisting();

    HeldTransactions(DataSource pool) {
        this.pool = pool;
    }

    /** The DataSource to build the store on: the bound connection inside a transaction, the pool's outside. */
    DataSource dataSource() {
        return dataSource;
    }

    /** Begins a transaction on this thread; everything the store writes on this thread joins it until it ends. */
    Held begin() throws SQLException {
        if (current.get() != null) {
            throw new IllegalStateException("a held transaction is already bound to this thread");
        }
        Connection c = pool.getConnection();
        try {
            c.setAutoCommit(false);
        } catch (SQLException e) {
            c.close();
            throw e;
        }
        Held held = new Held(c);
        current.set(held);
        return held;
    }

    @Override
    public boolean active() {
        return current.get() != null;
    }

    @Override
    public void afterCommit(Runnable action) {
        Held held = current.get();
        if (held == null) {
            action.run();
        } else {
            held.after.add(action);
        }
    }

    /** One transaction bound to the thread that began it. */
    final class Held {
        private final Connection connection;
        private final List<Runnable> after = new ArrayList<>();

        private Held(Connection connection) {
            this.connection = connection;
        }

        /**
         * Commits; returns {@link System#nanoTime()} taken just before the COMMIT was sent (a subscriber woken by
         * the commit's NOTIFY may get the events before the COMMIT's answer reaches this thread). The after-commit
         * actions run before this returns.
         */
        long commit() throws SQLException {
            long committing = System.nanoTime();
            try {
                connection.commit();
            } catch (SQLException e) {
                try {
                    connection.rollback();
                } catch (SQLException suppressed) {
                    e.addSuppressed(suppressed);
                }
                end();
                throw e;
            }
            end();
            for (Runnable action : after) {
                action.run();
            }
            return committing;
        }

        void rollback() {
            try {
                connection.rollback();
            } catch (SQLException e) {
                // the pool discards a broken connection; nothing of this transaction is left
            } finally {
                end();
            }
        }

        private void end() {
            current.remove();
            try {
                connection.close(); // HikariCP restores autocommit
            } catch (SQLException e) {
                // already dropped by the pool
            }
        }
    }

    /** The store's DataSource: the held connection (close a no-op) on a thread with a transaction, else the pool's. */
    private final class Enlisting implements DataSource {
        @Override
        public Connection getConnection() throws SQLException {
            Held held = current.get();
            if (held == null) {
                return pool.getConnection();
            }
            Connection target = held.connection;
            return (Connection) Proxy.newProxyInstance(Connection.class.getClassLoader(),
                    new Class<?>[] {Connection.class}, (proxy, method, args) -> {
                        if (method.getName().equals("close") && method.getParameterCount() == 0) {
                            return null;
                        }
                        try {
                            return method.invoke(target, args);
                        } catch (InvocationTargetException e) {
                            throw e.getCause();
                        }
                    });
        }

        @Override
        public Connection getConnection(String username, String password) throws SQLException {
            throw new SQLFeatureNotSupportedException("the bench's pool has its own credentials");
        }

        @Override
        public PrintWriter getLogWriter() throws SQLException {
            return pool.getLogWriter();
        }

        @Override
        public void setLogWriter(PrintWriter out) throws SQLException {
            pool.setLogWriter(out);
        }

        @Override
        public void setLoginTimeout(int seconds) throws SQLException {
            pool.setLoginTimeout(seconds);
        }

        @Override
        public int getLoginTimeout() throws SQLException {
            return pool.getLoginTimeout();
        }

        @Override
        public Logger getParentLogger() throws SQLFeatureNotSupportedException {
            return pool.getParentLogger();
        }

        @Override
        public <T> T unwrap(Class<T> iface) throws SQLException {
            return pool.unwrap(iface);
        }

        @Override
        public boolean isWrapperFor(Class<?> iface) throws SQLException {
            return pool.isWrapperFor(iface);
        }
    }
}
