package org.jeventstore.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.jeventstore.AppendNotLinkedException;
import org.jeventstore.AppendResult;
import org.jeventstore.EventData;
import org.jeventstore.ExpectedVersion;
import org.jeventstore.RecordedEvent;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.postgresql.ds.PGSimpleDataSource;
import org.jeventstore.testkit.TestPool;
import org.jeventstore.testsupport.TestExecutor;
import org.jeventstore.testsupport.TestStores;
import org.jeventstore.testsupport.AllRowLock;
import org.jeventstore.postgres.PostgresEventStore;

/**
 * Faults that meet the linker while healthy appends wait (issue 20, defect 1): a failure that is not an append's
 * own never sets it aside, and an append that is set aside keeps the later appends of its stream behind it, so
 * that every stream keeps its order in {@code $all}.
 */
@Timeout(120)
class LinkerFaultTest {

    public record Noted(String text) {
    }

    @RegisterExtension
    static final TestStores stores = new TestStores(true).linkingBeforeEachTest();
    @RegisterExtension
    final TestExecutor executor = TestExecutor.cached().afterStopping(() -> {
        stores.execute("DROP TRIGGER IF EXISTS refuse_one ON " + stores.table("stream_events"));
        stores.execute("DELETE FROM " + stores.table("jes_set_aside"));
    });

    private static List<EventData> events(String prefix, int n) {
        List<EventData> events = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            events.add(EventData.of(new Noted(prefix + i)).withEventId(UUID.randomUUID()));
        }
        return events;
    }

    /** The stream versions of {@code stream}'s events in $all, in $all order. */
    private List<Long> versionsInAll(String stream) {
        return stores.store.readAllForward(1, Integer.MAX_VALUE).stream().filter(e -> e.streamId().equals(stream))
                .map(RecordedEvent::streamVersion).toList();
    }

    @Test
    void a_statement_timeout_while_the_all_row_is_held_sets_no_healthy_append_aside() throws Exception {
        // Every statement of this store is cancelled after 300 ms, as a role's statement_timeout would do.
        PGSimpleDataSource impatient = (PGSimpleDataSource) stores.server.dataSource();
        impatient.setOptions("-c statement_timeout=300");
        try (TestPool pool = new TestPool(impatient, 20);
             PostgresEventStore store = PostgresEventStore.builder(pool).schema(stores.schema)
                     .linkInBackground(executor).build()) {
            List<Future<AppendResult>> appends = new ArrayList<>();
            AllRowLock lock = new AllRowLock(stores);
            // the fault: the $all row held for 6 s, long past the timeout (a long transaction that linked inline)
            CompletableFuture<Void> released = CompletableFuture.runAsync(() -> {
                try {
                    lock.close();
                } catch (SQLException e) {
                    throw new IllegalStateException(e);
                }
            }, CompletableFuture.delayedExecutor(6, TimeUnit.SECONDS));
            for (int i = 0; i < 3; i++) {
                List<EventData> batch = events("healthy-" + i + "-", 1);
                appends.add(executor.submit(() -> store.appendToStream("healthy", ExpectedVersion.any(), batch)));
            }
            released.get(30, TimeUnit.SECONDS);
            for (Future<AppendResult> append : appends) {
                assertThat(append.get(60, TimeUnit.SECONDS).firstPosition()).isPositive();
            }
        }
        assertThat(stores.count("jes_set_aside")).isZero();
        assertThat(versionsInAll("healthy")).containsExactly(1L, 2L, 3L);
    }

    /**
     * A trigger that refuses, with an error of the data (SQLSTATE 22023), to give the events of one append their
     * $all rows: what an append that cannot be linked looks like to the linker.
     */
    private void refuseToLink(String stream, long version) {
        stores.execute("CREATE OR REPLACE FUNCTION " + stores.table("refuse_one") + "() RETURNS trigger AS $$"
                + " BEGIN IF NEW.stream_id = 0 AND NEW.original_stream_id = (SELECT stream_id FROM "
                + stores.table("streams") + " WHERE stream_uuid = '" + stream + "') AND NEW.original_stream_version = "
                + version + " THEN RAISE EXCEPTION 'refused by the test' USING ERRCODE = '22023'; END IF;"
                + " RETURN NEW; END $$ LANGUAGE plpgsql");
        stores.execute("CREATE TRIGGER refuse_one BEFORE INSERT ON " + stores.table("stream_events")
                + " FOR EACH ROW EXECUTE FUNCTION " + stores.table("refuse_one") + "()");
    }

    @Test
    void an_append_set_aside_keeps_the_later_appends_of_its_stream_behind_it_until_an_operator_retries_them()
            throws Exception {
        try (PostgresEventStore store = PostgresEventStore.builder(stores.dataSource).schema(stores.schema)
                .linkInBackground(executor).linkerPoll(Duration.ofMillis(200)).build()) {
            store.appendToStream("poisoned", ExpectedVersion.noStream(), events("p", 1));
            refuseToLink("poisoned", 2);
            // deferred (the $all row is busy), then refused by every pass: set aside, and the append says so
            Future<AppendResult> second;
            try (AllRowLock lock = new AllRowLock(stores)) {
                second = executor.submit(() -> store.appendToStream("poisoned", ExpectedVersion.exactly(1),
                        events("second-", 1)));
                await().atMost(Duration.ofSeconds(10)).until(() -> stores.count("jes_unlinked") == 1);
            }
            assertThatThrownBy(() -> second.get(30, TimeUnit.SECONDS)).cause()
                    .isInstanceOfSatisfying(AppendNotLinkedException.class, e -> {
                        assertThat(e.reason()).isEqualTo(AppendNotLinkedException.Reason.SET_ASIDE);
                        assertThat(e.firstVersion()).isEqualTo(2);
                        assertThat(e.getMessage()).contains("'poisoned'").contains("do not append them again");
                    });

            // the $all row is free and nothing waits: still, the next append of that stream must not overtake
            assertThatThrownBy(() -> store.appendToStream("poisoned", ExpectedVersion.exactly(2), events("third-", 1)))
                    .isInstanceOfSatisfying(AppendNotLinkedException.class, e -> {
                        assertThat(e.reason()).isEqualTo(AppendNotLinkedException.Reason.HELD);
                        assertThat(e.firstVersion()).isEqualTo(3);
                    });
            // other streams flow
            assertThat(store.appendToStream("bystander", ExpectedVersion.noStream(), events("b", 2)).firstPosition())
                    .isPositive();
            // the events are stored in their stream all the same
            assertThat(store.readStreamForward("poisoned", 1, 10)).hasSize(3);
            assertThat(versionsInAll("poisoned")).containsExactly(1L);

            stores.execute("DROP TRIGGER refuse_one ON " + stores.table("stream_events"));
            assertThat(store.admin().retrySetAside(0)).hasSize(2);
            await().atMost(Duration.ofSeconds(10)).until(() -> versionsInAll("poisoned").size() == 3);
        }
        assertThat(versionsInAll("poisoned")).containsExactly(1L, 2L, 3L);
        assertThat(stores.count("jes_set_aside")).isZero();
    }
}
