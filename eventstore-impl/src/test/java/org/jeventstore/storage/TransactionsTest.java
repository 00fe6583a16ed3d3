package org.jeventstore.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.ThreadLocalRandom;
import javax.sql.DataSource;
import org.jeventstore.StorageException;
import org.jeventstore.testkit.Postgres;
import org.jeventstore.testkit.PostgresServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@link Transactions#singleStatement}: one statement that commits on its own, whatever the connection's mode. */
class TransactionsTest {

    static final PostgresServer server = Postgres.shared();
    static final String table = "tx_" + Long.toString(ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE, 36);

    @BeforeAll
    static void create() throws SQLException {
        try (Connection c = server.connect(); Statement st = c.createStatement()) {
            st.execute("CREATE TABLE public." + table + " (id int PRIMARY KEY, v bigint NOT NULL)");
            st.execute("INSERT INTO public." + table + " VALUES (1, 0)");
        }
    }

    @AfterAll
    static void drop() throws SQLException {
        try (Connection c = server.connect(); Statement st = c.createStatement()) {
            st.execute("DROP TABLE public." + table);
        }
    }

    @Test
    void commits_in_autocommit() {
        Transactions tx = new Transactions(server.dataSource(), TransactionContext.NONE);
        assertThat(tx.<Integer>singleStatement("test", c -> update(c, 11)).intValue()).isEqualTo(1);
        assertThat(value()).isEqualTo(11);
    }

    @Test
    void commits_on_a_connection_handed_out_without_autocommit_and_leaves_it_so() {
        boolean[] autoCommitAfter = {true};
        Transactions tx = new Transactions(withoutAutoCommit(server.dataSource(), autoCommitAfter),
                TransactionContext.NONE);
        assertThat(tx.<Integer>singleStatement("test", c -> update(c, 22)).intValue()).isEqualTo(1);
        assertThat(value()).isEqualTo(22);
        assertThat(autoCommitAfter[0]).isFalse();
    }

    @Test
    void a_failing_statement_changes_nothing_and_is_reported() {
        Transactions tx = new Transactions(withoutAutoCommit(server.dataSource(), new boolean[1]),
                TransactionContext.NONE);
        long before = value();
        assertThatThrownBy(() -> tx.singleStatement("test", c -> {
            update(c, 33);
            try (Statement st = c.createStatement()) {
                st.execute("SELECT 1 / 0");
            }
            return 0;
        })).isInstanceOf(StorageException.class);
        assertThat(value()).isEqualTo(before);
    }

    private static int update(Connection c, long v) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("UPDATE public." + table + " SET v = ? WHERE id = 1")) {
            ps.setLong(1, v);
            return ps.executeUpdate();
        }
    }

    private static long value() {
        try (Connection c = server.connect(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT v FROM public." + table + " WHERE id = 1")) {
            rs.next();
            return rs.getLong(1);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Object call(java.lang.reflect.Method m, Object target, Object[] args) throws Throwable {
        try {
            return m.invoke(target, args);
        } catch (java.lang.reflect.InvocationTargetException e) {
            throw e.getCause();
        }
    }

    /** Connections with autocommit off, as some pools hand them out; records the mode when each is closed. */
    private static DataSource withoutAutoCommit(DataSource target, boolean[] autoCommitAtClose) {
        return (DataSource) Proxy.newProxyInstance(DataSource.class.getClassLoader(), new Class<?>[] {DataSource.class},
                (proxy, method, args) -> {
                    if (!method.getName().equals("getConnection") || args != null) {
                        return call(method, target, args);
                    }
                    Connection c = target.getConnection();
                    c.setAutoCommit(false);
                    return Proxy.newProxyInstance(Connection.class.getClassLoader(), new Class<?>[] {Connection.class},
                            (p, m, a) -> {
                                if (m.getName().equals("close")) {
                                    autoCommitAtClose[0] = c.getAutoCommit();
                                }
                                return call(m, c, a);
                            });
                });
    }
}
