package org.jeventstore.cdi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import jakarta.transaction.Status;
import jakarta.transaction.Synchronization;
import jakarta.transaction.TransactionSynchronizationRegistry;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;
import org.jeventstore.AppendResult;
import org.jeventstore.EventData;
import org.jeventstore.ExpectedVersion;
import org.jeventstore.InvalidRequestException;
import org.jeventstore.StreamNotFoundException;
import org.jeventstore.postgres.PostgresEventStore;
import org.jeventstore.testkit.Postgres;
import org.jeventstore.testkit.PostgresServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * What an append does for each status of the caller's JTA transaction, on a real database. The registry stands in
 * for the container's: it reports a status and, as transaction managers do, refuses synchronizations for a
 * transaction that is no longer active.
 */
class JtaTransactionContextTest {

    static final PostgresServer db = Postgres.shared();
    static final String schema = "j_" + Long.toString(ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE, 36);
    static final Registry registry = new Registry();
    static PostgresEventStore store;

    @BeforeAll
    static void open() {
        store = PostgresEventStore.builder(db.dataSource()).schema(schema)
                .transactionContext(new JtaTransactionContext(registry)).build();
    }

    @AfterAll
    static void drop() throws SQLException {
        try (Connection c = db.connect(); Statement st = c.createStatement()) {
            st.execute("DROP SCHEMA IF EXISTS \"" + schema + "\" CASCADE");
        }
    }

    private static AppendResult append(String stream) {
        return store.appendToStream(stream, ExpectedVersion.noStream(), List.of(EventData.of("jta-test", Map.of())));
    }

    @Test
    void an_append_after_the_commit_seen_as_committed_commits_once_on_its_own() {
        registry.status = Status.STATUS_COMMITTED; // an AFTER_SUCCESS observer on some transaction managers
        int before = registry.registered.size();

        AppendResult result = append("after-success");

        assertThat(result.streamVersion()).isEqualTo(1);
        assertThat(result.firstPosition()).isPositive(); // local: linked and reported at once
        assertThat(store.readStreamForward("after-success", 1, 10)).hasSize(1);
        assertThat(registry.registered).hasSize(before);
    }

    @Test
    void an_append_in_an_active_transaction_joins_it_and_waits_for_its_commit() {
        registry.status = Status.STATUS_ACTIVE;
        int before = registry.registered.size();

        AppendResult result = append("joined");

        assertThat(result.streamVersion()).isEqualTo(1);
        assertThat(registry.registered).hasSize(before + 1); // told of the commit by the container
    }

    @Test
    void an_append_in_a_transaction_that_rolls_back_or_is_completing_is_refused_and_writes_nothing() {
        for (int status : new int[] {Status.STATUS_MARKED_ROLLBACK, Status.STATUS_ROLLEDBACK,
                Status.STATUS_ROLLING_BACK, Status.STATUS_PREPARING, Status.STATUS_PREPARED,
                Status.STATUS_COMMITTING, Status.STATUS_UNKNOWN}) {
            registry.status = status;
            String stream = "refused-" + status;

            assertThatThrownBy(() -> append(stream)).isInstanceOf(InvalidRequestException.class)
                    .hasMessageContaining(stream).hasMessageContaining(status == Status.STATUS_MARKED_ROLLBACK
                            ? "marked for rollback" : JtaTransactionContext.name(status));

            registry.status = Status.STATUS_NO_TRANSACTION;
            assertThatThrownBy(() -> store.streamInfo(stream)).isInstanceOf(StreamNotFoundException.class);
        }
    }

    /** Reports {@link #status}; accepts synchronizations only while the transaction is active. */
    static final class Registry implements TransactionSynchronizationRegistry {
        volatile int status = Status.STATUS_NO_TRANSACTION;
        final List<Synchronization> registered = new CopyOnWriteArrayList<>();

        @Override
        public int getTransactionStatus() {
            return status;
        }

        @Override
        public void registerInterposedSynchronization(Synchronization sync) {
            if (status != Status.STATUS_ACTIVE) {
                throw new IllegalStateException("transaction is not active: status " + status);
            }
            registered.add(sync);
        }

        @Override
        public Object getTransactionKey() {
            return status == Status.STATUS_NO_TRANSACTION ? null : this;
        }

        @Override
        public void putResource(Object key, Object value) {
            throw new UnsupportedOperationException();
        }

        @Override
        public Object getResource(Object key) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void setRollbackOnly() {
            status = Status.STATUS_MARKED_ROLLBACK;
        }

        @Override
        public boolean getRollbackOnly() {
            return status == Status.STATUS_MARKED_ROLLBACK;
        }
    }
}
