package org.jeventstore.cdi;

import jakarta.transaction.Status;
import jakarta.transaction.Synchronization;
import jakarta.transaction.TransactionSynchronizationRegistry;
import java.io.PrintWriter;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.util.logging.Level;
import java.util.logging.Logger;
import javax.sql.DataSource;

/**
 * The store's transactional DataSource with one connection per JTA transaction: every operation of the store
 * inside one caller's transaction (a read of the stream, then an append with the version read; two appends) uses
 * the connection the first one took, so the transaction has one resource. Outside a transaction it hands out the
 * DataSource's connections as they come.
 *
 * <p>Why not leave it to the container's connection sharing: {@code jdbc/eventstore} runs with
 * {@code enableSharingForDirectLookups="false"}, since with sharing a long-running task (the linker, a
 * subscription's worker) keeps the first connection it used for its whole life, a dead one too after the
 * database restarts. Without sharing, each {@code getConnection} in a transaction is a second one-phase resource,
 * which the transaction manager refuses (WTRN0062E): an EJB could not read and then append.
 *
 * <p>The connection is closed when the transaction completes; the store's own {@code close()} of it inside the
 * transaction does nothing.
 */
final class TransactionConnections implements DataSource {

    private static final Logger LOG = Logger.getLogger(TransactionConnections.class.getName());

    private final DataSource dataSource;
    private final TransactionSynchronizationRegistry registry;
    /** This store's key in the transaction's resources. */
    private final Object key = new Object();

    TransactionConnections(DataSource dataSource, TransactionSynchronizationRegistry registry) {
        this.dataSource = dataSource;
        this.registry = registry;
    }

    @Override
    public Connection getConnection() throws SQLException {
        int status = registry.getTransactionStatus();
        if (status != Status.STATUS_ACTIVE && status != Status.STATUS_MARKED_ROLLBACK) {
            return dataSource.getConnection();
        }
        Connection held = (Connection) registry.getResource(key);
        if (held == null) {
            if (status != Status.STATUS_ACTIVE) {
                return dataSource.getConnection(); // a doomed transaction takes nothing new to hold
            }
            held = dataSource.getConnection();
            Connection taken = held;
            registry.registerInterposedSynchronization(new Synchronization() {
                @Override
                public void beforeCompletion() {
                }

                @Override
                public void afterCompletion(int outcome) {
                    try {
                        taken.close();
                    } catch (SQLException e) {
                        LOG.log(Level.FINE, "closing the connection of a completed transaction failed", e);
                    }
                }
            });
            registry.putResource(key, held);
        }
        return unclosable(held);
    }

    private static Connection unclosable(Connection c) {
        return (Connection) Proxy.newProxyInstance(TransactionConnections.class.getClassLoader(),
                new Class<?>[] {Connection.class}, (proxy, method, args) -> {
                    switch (method.getName()) {
                        case "close":
                            return null; // the transaction's end closes it
                        case "equals":
                            return proxy == args[0];
                        case "hashCode":
                            return System.identityHashCode(proxy);
                        default:
                            try {
                                return method.invoke(c, args);
                            } catch (InvocationTargetException e) {
                                throw e.getCause();
                            }
                    }
                });
    }

    @Override
    public Connection getConnection(String username, String password) throws SQLException {
        throw new SQLFeatureNotSupportedException("the event store's DataSource has its credentials in its"
                + " configuration");
    }

    @Override
    public PrintWriter getLogWriter() throws SQLException {
        return dataSource.getLogWriter();
    }

    @Override
    public void setLogWriter(PrintWriter out) throws SQLException {
        dataSource.setLogWriter(out);
    }

    @Override
    public void setLoginTimeout(int seconds) throws SQLException {
        dataSource.setLoginTimeout(seconds);
    }

    @Override
    public int getLoginTimeout() throws SQLException {
        return dataSource.getLoginTimeout();
    }

    @Override
    public Logger getParentLogger() throws SQLFeatureNotSupportedException {
        return dataSource.getParentLogger();
    }

    @Override
    public <T> T unwrap(Class<T> iface) throws SQLException {
        return iface.isInstance(this) ? iface.cast(this) : dataSource.unwrap(iface);
    }

    @Override
    public boolean isWrapperFor(Class<?> iface) throws SQLException {
        return iface.isInstance(this) || dataSource.isWrapperFor(iface);
    }
}
