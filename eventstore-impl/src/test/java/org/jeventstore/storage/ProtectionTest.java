package org.jeventstore.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import org.jeventstore.DeleteMode;
import org.jeventstore.EventData;
import org.jeventstore.ExpectedVersion;
import org.jeventstore.config.EventStoreSettings;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.postgresql.util.PSQLException;
import org.jeventstore.testkit.TestPool;
import org.jeventstore.testsupport.TestStores;
import org.jeventstore.postgres.PostgresEventStore;

class ProtectionTest {

    public record Kept(int n) {
    }

    @RegisterExtension
    static final TestStores stores = new TestStores(true);
    static final PostgresEventStore store = stores.store;

    @BeforeAll
    static void open() {
        store.appendToStream("protected", ExpectedVersion.any(), List.of(EventData.of(new Kept(1)),
                EventData.of(new Kept(2))));
    }

    /** Runs a statement that must be refused; returns the refusal. */
    private static PSQLException refused(Connection c, String sql) {
        PSQLException e = catchThrowableOfType(PSQLException.class, () -> {
            try (Statement st = c.createStatement()) {
                st.execute(sql);
            }
        });
        assertThat((Object) e).as("refusal of %s", sql).isNotNull();
        return e;
    }

    private static void assertRefusedByTheStore(Connection c, String sql) throws SQLException {
        PSQLException e = refused(c, sql);
        assertThat(e.getSQLState()).as(sql).isIn("0A000", "P0001");
        assertThat(e.getServerErrorMessage().getMessage()).as(sql).startsWith("EventStore: ");
        if (!c.getAutoCommit()) {
            c.rollback();
        }
    }

    /** Refused as Elixir's triggers refuse it: its message, and its SQLSTATE (RAISE's default for updates). */
    private static void assertRefusedAsElixir(Connection c, String sql, String message, String sqlState) {
        PSQLException e = refused(c, sql);
        assertThat(e.getServerErrorMessage().getMessage()).as(sql).isEqualTo("EventStore: " + message);
        assertThat(e.getSQLState()).as(sql).isEqualTo(sqlState);
    }

    @Test
    void refusals_carry_elixirs_messages_and_sqlstates_even_for_statements_that_touch_no_row() throws Exception {
        long events = stores.count("events");
        try (Connection c = stores.dataSource.getConnection()) {
            for (String where : new String[] {"", " WHERE false"}) {
                assertRefusedAsElixir(c, "UPDATE " + stores.table("events") + " SET event_type = 'x'" + where,
                        "Cannot update events", "P0001");
                assertRefusedAsElixir(c, "UPDATE " + stores.table("stream_events") + " SET stream_version = 0" + where,
                        "Cannot update stream events", "P0001");
                assertRefusedAsElixir(c, "DELETE FROM " + stores.table("events") + where,
                        "Cannot delete events", "0A000");
                assertRefusedAsElixir(c, "DELETE FROM " + stores.table("stream_events") + where,
                        "Cannot delete stream events", "0A000");
                assertRefusedAsElixir(c, "DELETE FROM " + stores.table("streams") + where,
                        "Cannot delete streams", "0A000");
            }
        }
        assertThat(stores.count("events")).isEqualTo(events);
    }

    @Test
    void plain_sql_updates_and_deletes_of_events_and_stream_events_are_refused_by_the_database() throws Exception {
        long events = stores.count("events");
        long rows = stores.count("stream_events");
        try (Connection c = stores.dataSource.getConnection()) {
            assertRefusedByTheStore(c, "UPDATE " + stores.table("events") + " SET event_type = 'changed'");
            assertRefusedByTheStore(c, "UPDATE " + stores.table("events") + " SET data = '{}'::jsonb");
            assertRefusedByTheStore(c, "UPDATE " + stores.table("stream_events") + " SET stream_version = stream_version + 100");
            assertRefusedByTheStore(c, "DELETE FROM " + stores.table("events"));
            assertRefusedByTheStore(c, "DELETE FROM " + stores.table("stream_events"));
            assertRefusedByTheStore(c, "DELETE FROM " + stores.table("streams") + " WHERE stream_id <> 0");
        }
        assertThat(stores.count("events")).isEqualTo(events);
        assertThat(stores.count("stream_events")).isEqualTo(rows);
        assertThat(store.readStreamForward("protected", 1, 10)).extracting(e -> e.data(Kept.class).n())
                .containsExactly(1, 2);
    }

    @Test
    void hard_deletes_are_enabled_only_for_the_transaction_that_deletes_on_a_pooled_connection() throws Exception {
        try (TestPool single = new TestPool(stores.server.dataSource(), 1)) {
            PostgresEventStore onOneConnection = PostgresEventStore.builder(single)
                    .settings(EventStoreSettings.defaults().withSchema(stores.schema).withHardDeletes(true)
                            .withAutoMigrate(false))
                    .build();
            int backend = backendPid(single);
            onOneConnection.appendToStream("pooled-doomed", ExpectedVersion.any(), List.of(EventData.of(new Kept(3))));

            onOneConnection.deleteStream("pooled-doomed", ExpectedVersion.any(), DeleteMode.HARD);

            try (Connection c = single.getConnection()) {
                assertThat(backendPid(c)).as("the same physical connection").isEqualTo(backend);
                assertThat(setting(c)).isNotEqualTo("on");
                assertRefusedByTheStore(c, "DELETE FROM " + stores.table("events"));
                c.setAutoCommit(false);
                assertRefusedByTheStore(c, "DELETE FROM " + stores.table("stream_events"));
                assertRefusedByTheStore(c, "DELETE FROM " + stores.table("events"));
                c.setAutoCommit(true);
            }
        }
        assertThat(store.readStreamForward("protected", 1, 10)).hasSize(2);
    }

    @Test
    void a_plain_connection_that_hard_deleted_still_refuses_a_plain_delete_in_its_next_transaction() throws Exception {
        // The store on a connection the caller controls, as inside a container transaction.
        try (Connection physical = stores.server.connect()) {
            physical.setAutoCommit(false);
            TestPool.Single single = new TestPool.Single(physical);
            PostgresEventStore inCallerTransaction = PostgresEventStore.builder(single)
                    .settings(EventStoreSettings.defaults().withSchema(stores.schema).withHardDeletes(true)
                            .withAutoMigrate(false))
                    .transactionContext(() -> true)
                    .build();
            inCallerTransaction.appendToStream("caller-doomed", ExpectedVersion.any(), List.of(EventData.of(new Kept(4))));
            inCallerTransaction.deleteStream("caller-doomed", ExpectedVersion.any(), DeleteMode.HARD);
            assertThat(setting(physical)).isEqualTo("on");
            physical.commit();

            assertThat(setting(physical)).isNotEqualTo("on");
            assertRefusedByTheStore(physical, "DELETE FROM " + stores.table("events"));
        }
        assertThat(store.readStreamForward("protected", 1, 10)).hasSize(2);
    }

    private static int backendPid(javax.sql.DataSource ds) throws SQLException {
        try (Connection c = ds.getConnection()) {
            return backendPid(c);
        }
    }

    private static int backendPid(Connection c) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT pg_backend_pid()")) {
            rs.next();
            return rs.getInt(1);
        }
    }

    private static String setting(Connection c) throws SQLException {
        try (Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT current_setting('eventstore.enable_hard_deletes', true)")) {
            rs.next();
            return rs.getString(1);
        }
    }
}
