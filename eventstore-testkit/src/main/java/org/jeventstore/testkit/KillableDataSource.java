package org.jeventstore.testkit;

import java.sql.Connection;
import java.sql.SQLException;
import javax.sql.DataSource;

/**
 * A DataSource that refuses every connection once {@link #kill() killed}: what a "server" in a test sees of the
 * database after its process died (together with its backends being terminated).
 */
public final class KillableDataSource extends TestDataSource {

    private final DataSource delegate;
    private volatile boolean dead;

    public KillableDataSource(DataSource delegate) {
        this.delegate = delegate;
    }

    public void kill() {
        dead = true;
    }

    @Override
    public Connection getConnection() throws SQLException {
        if (dead) {
            throw new SQLException("this server is dead", "08001");
        }
        return delegate.getConnection();
    }

    @Override
    public <T> T unwrap(Class<T> iface) throws SQLException {
        return delegate.unwrap(iface);
    }

    @Override
    public boolean isWrapperFor(Class<?> iface) {
        try {
            return delegate.isWrapperFor(iface);
        } catch (SQLException e) {
            return false;
        }
    }
}
