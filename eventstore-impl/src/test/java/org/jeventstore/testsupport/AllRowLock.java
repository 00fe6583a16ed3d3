package org.jeventstore.testsupport;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * Holds the $all row lock on a connection of its own, as a linker pass or an Elixir writer does, until closed:
 * what forces an append the deferred way in the tests.
 */
public final class AllRowLock implements AutoCloseable {
    private final Connection c;

    public AllRowLock(TestStores stores) throws SQLException {
        c = stores.dataSource.getConnection();
        c.setAutoCommit(false);
        try (Statement st = c.createStatement()) {
            st.executeQuery("SELECT 1 FROM " + stores.table("streams") + " WHERE stream_id = 0 FOR UPDATE").close();
        }
    }

    @Override
    public void close() throws SQLException {
        c.commit();
        c.close();
    }
}
