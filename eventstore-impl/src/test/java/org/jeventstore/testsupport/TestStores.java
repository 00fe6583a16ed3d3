package org.jeventstore.testsupport;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import javax.sql.DataSource;
import org.jeventstore.config.EventStoreSettings;
import org.jeventstore.postgres.PostgresEventStore;
import org.jeventstore.testkit.Postgres;
import org.jeventstore.testkit.PostgresServer;
import org.jeventstore.testkit.TestPool;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Gives each test class its own schema on the shared test PostgreSQL, and removes it afterwards. As an extension
 * ({@code @RegisterExtension static final TestStores stores = new TestStores()}, static: one per test class): made
 * when the class starts, closed after its last test; with {@link #linkingBeforeEachTest()}, before each test it links
 * what an earlier test left unlinked.
 */
public final class TestStores implements AutoCloseable, AfterAllCallback, BeforeEachCallback {

    /** Appends return at their commit (positions 0) and are linked later: the deferred path, on purpose. */
    public static final org.jeventstore.config.LinkSettings COMMITTED = org.jeventstore.config.LinkSettings.defaults()
            .withMode(org.jeventstore.config.LinkSettings.Mode.COMMITTED);

    public final PostgresServer server = Postgres.shared();
    /** Pooled, as in a server: a physical connection serves many transactions one after the other. */
    public final TestPool pool = new TestPool(server.dataSource(), 40);
    public final DataSource dataSource = pool;
    public final String schema = newSchemaName();
    public final PostgresEventStore store;
    private boolean linkBeforeEachTest;

    public TestStores() {
        this(false);
    }

    public TestStores(boolean hardDeletes) {
        store = open(hardDeletes);
    }

    public static String newSchemaName() {
        return "t_" + Long.toString(ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE, 36);
    }

    public PostgresEventStore open(boolean hardDeletes) {
        return PostgresEventStore.builder(dataSource)
                .settings(EventStoreSettings.defaults().withSchema(schema).withHardDeletes(hardDeletes))
                .build();
    }

    /** As an extension: before each test, {@link #store} links what an earlier test left unlinked. */
    public TestStores linkingBeforeEachTest() {
        linkBeforeEachTest = true;
        return this;
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        if (linkBeforeEachTest) {
            store.linkNow();
        }
    }

    /** A table of this schema, quoted, for plain SQL in tests. */
    public String table(String name) {
        return '"' + schema + "\"." + name;
    }

    /** Runs one statement in autocommit; returns the update count. */
    public int execute(String sql) {
        try (Connection c = dataSource.getConnection(); Statement st = c.createStatement()) {
            st.execute(sql);
            return st.getUpdateCount();
        } catch (SQLException e) {
            throw new IllegalStateException(sql + ": " + e.getMessage(), e);
        }
    }

    /** The first column of every row of a query, as longs. */
    public List<Long> longs(String sql) {
        try (Connection c = dataSource.getConnection(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery(sql)) {
            List<Long> values = new ArrayList<>();
            while (rs.next()) {
                values.add(rs.getLong(1));
            }
            return values;
        } catch (SQLException e) {
            throw new IllegalStateException(sql + ": " + e.getMessage(), e);
        }
    }

    public long count(String table) {
        return longs("SELECT count(*) FROM " + table(table)).get(0);
    }

    /** As a static extension: closed after the last test of the class. */
    @Override
    public void afterAll(ExtensionContext context) {
        close();
    }

    @Override
    public void close() {
        try {
            store.schema().drop();
        } finally {
            pool.close();
        }
    }
}
