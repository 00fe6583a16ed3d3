package org.jeventstore.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.jeventstore.AppendResult;
import org.jeventstore.EventData;
import org.jeventstore.ExpectedVersion;
import org.jeventstore.InvalidRequestException;
import org.jeventstore.RecordedEvent;
import org.jeventstore.config.SchemaName;
import org.jeventstore.storage.LinkPasses;
import org.jeventstore.storage.Sql;
import org.jeventstore.storage.TransactionContext;
import org.jeventstore.storage.Transactions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.jeventstore.testsupport.TestExecutor;
import org.jeventstore.testsupport.TestStores;
import org.jeventstore.testsupport.AllRowLock;
import org.jeventstore.postgres.PostgresEventStore;

/**
 * What {@code $all} promises a user: an append returns with its events in {@code $all} (read-your-writes), cause
 * comes before effect, writers cannot outrun the linker, and one append that cannot be linked does not stop the
 * others.
 */
@Timeout(120)
class LinkedAppendTest {

    public record Noted(String text) {
    }

    @RegisterExtension
    static final TestStores stores = new TestStores(true).linkingBeforeEachTest();
    /** Links on the appending thread (no executor). */
    static final PostgresEventStore plain = stores.store;
    @RegisterExtension
    final TestExecutor executor = TestExecutor.cached()
            .afterStopping(() -> stores.execute("DELETE FROM " + stores.table("jes_set_aside")));

    private static List<EventData> events(String... texts) {
        List<EventData> events = new ArrayList<>();
        for (String text : texts) {
            events.add(EventData.of(new Noted(text)).withEventId(UUID.randomUUID()));
        }
        return events;
    }

    private static List<EventData> events(String prefix, int n) {
        List<EventData> events = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            events.add(EventData.of(new Noted(prefix + i)).withEventId(UUID.randomUUID()));
        }
        return events;
    }

    private PostgresEventStore background() {
        return PostgresEventStore.builder(stores.dataSource).schema(stores.schema).linkInBackground(executor).build();
    }

    private long positionOf(UUID eventId) {
        return stores.longs("SELECT stream_version FROM " + stores.table("stream_events") + " WHERE stream_id = 0"
                + " AND event_id = '" + eventId + "'").stream().findFirst().orElse(0L);
    }

    @Test
    void concurrent_appends_are_all_in_all_when_they_return() throws Exception {
        try (PostgresEventStore store = background()) {
            for (int attempt = 0; attempt < 40; attempt++) {
                CountDownLatch go = new CountDownLatch(1);
                List<Future<List<UUID>>> appends = new ArrayList<>();
                for (int w = 0; w < 4; w++) {
                    String stream = "ryw-" + attempt + "-" + w;
                    appends.add(executor.submit(() -> {
                        List<EventData> batch = events(stream, 3);
                        go.await();
                        AppendResult r = store.appendToStream(stream, ExpectedVersion.noStream(), batch);
                        assertThat(r.lastPosition()).as("positions of the append to " + stream)
                                .isEqualTo(r.firstPosition() + 2).isPositive();
                        return batch.stream().map(EventData::eventId).toList();
                    }));
                }
                go.countDown();
                List<UUID> appended = new ArrayList<>();
                for (Future<List<UUID>> f : appends) {
                    appended.addAll(f.get(30, TimeUnit.SECONDS));
                }
                // read right after every append returned, with no waiting of any kind
                List<UUID> inAll = store.readAllBackward(-1, 100).stream().map(RecordedEvent::eventId).toList();
                assertThat(inAll).as("attempt " + attempt).containsAll(appended);
            }
        }
    }

    @Test
    void an_append_made_after_seeing_a_committed_not_yet_linked_event_comes_after_it_in_all() throws Exception {
        // server A's linker is slow (never runs here) and its appends return at their commit; a subscriber on
        // server A sees the cause in its stream at once and appends the effect.
        List<UUID> effects = new CopyOnWriteArrayList<>();
        List<EventData> cause = events("cause");
        CountDownLatch rowFree = new CountDownLatch(1);
        try (PostgresEventStore serverA = PostgresEventStore.builder(stores.dataSource).schema(stores.schema)
                .notifications(stores.server.dataSource(), executor).linkInBackground(task -> { })
                .linking(TestStores.COMMITTED).build()) {
            serverA.subscribe("causes", null, e -> {
                try {
                    assertThat(rowFree.await(10, TimeUnit.SECONDS)).isTrue();
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    return;
                }
                List<EventData> effect = events("effect of " + e.eventId());
                plain.appendToStream("effects", ExpectedVersion.any(), effect);
                effects.add(effect.get(0).eventId());
            });
            try (AllRowLock lock = new AllRowLock(stores)) {
                serverA.appendToStream("causes", ExpectedVersion.noStream(), cause);
            }
            rowFree.countDown(); // the effect is appended while the $all row is free and the cause still waits
            await().atMost(Duration.ofSeconds(10)).until(() -> effects.size() == 1);
        }
        plain.linkNow();

        long causeAt = positionOf(cause.get(0).eventId());
        long effectAt = positionOf(effects.get(0));
        assertThat(causeAt).isPositive();
        assertThat(effectAt).as("$all position of the effect (the cause is at " + causeAt + ")")
                .isGreaterThan(causeAt);
    }

    @Test
    void writers_are_paced_by_the_linker_so_at_most_one_append_per_writer_waits_to_be_linked() throws Exception {
        AtomicBoolean writing = new AtomicBoolean(true);
        AtomicLong most = new AtomicLong();
        int writers = 8;
        try (PostgresEventStore store = background()) {
            Future<?> sampler = executor.submit(() -> {
                while (writing.get()) {
                    most.accumulateAndGet(stores.count("jes_unlinked"), Math::max);
                }
                return null;
            });
            List<Future<?>> writes = new ArrayList<>();
            for (int w = 0; w < writers; w++) {
                String stream = "paced-" + w;
                writes.add(executor.submit(() -> {
                    for (int i = 0; i < 40; i++) {
                        store.appendToStream(stream, ExpectedVersion.any(), events(stream, 5));
                    }
                    return null;
                }));
            }
            for (Future<?> f : writes) {
                f.get(60, TimeUnit.SECONDS);
            }
            writing.set(false);
            sampler.get(10, TimeUnit.SECONDS);
        }
        assertThat(most.get()).as("most appends waiting for $all at once").isBetween(0L, (long) writers);
        assertThat(stores.count("jes_unlinked")).isZero();
    }

    @Test
    void in_committed_mode_appends_wait_for_room_once_the_servers_backlog_is_full() throws Exception {
        List<Runnable> linkerTask = new CopyOnWriteArrayList<>();
        try (PostgresEventStore store = PostgresEventStore.builder(stores.dataSource).schema(stores.schema)
                .linkInBackground(linkerTask::add)
                .linking(TestStores.COMMITTED.withMaxUnlinkedAppends(2)).build()) {
            Future<AppendResult> third;
            try (AllRowLock lock = new AllRowLock(stores)) {
                for (String stream : List.of("room-1", "room-2")) { // within the bound: they return at their commit
                    assertThat(executor.submit(() -> store.appendToStream(stream, ExpectedVersion.noStream(),
                            events(stream))).get(5, TimeUnit.SECONDS).firstPosition()).isZero();
                }
                third = executor.submit(() -> store.appendToStream("room-3", ExpectedVersion.noStream(), events("3")));
                await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(5)).until(() -> !third.isDone());
                assertThat(store.linkBacklog().appends()).isEqualTo(3); // it committed, then waits for room
            }
            executor.execute(linkerTask.get(0)); // the linker starts
            assertThat(third.get(10, TimeUnit.SECONDS).streamVersion()).isEqualTo(1);
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> stores.count("jes_unlinked") == 0);
    }

    /**
     * An append that no pass can link: a stream written outside jeventstore (as an Elixir writer or a tool could)
     * whose id is too long for a notification payload, waiting in jes_unlinked.
     */
    private long poisonedAppend(char filler) throws SQLException {
        try (Connection c = stores.server.dataSource().getConnection()) {
            c.setAutoCommit(false);
            long streamId;
            try (Statement st = c.createStatement()) {
                st.execute("SET LOCAL jeventstore.defer_notify = 'on'");
                try (ResultSet rs = st.executeQuery("INSERT INTO " + stores.table("streams")
                        + " (stream_uuid, stream_version) VALUES (repeat('" + filler + "', 9000), 1) RETURNING stream_id")) {
                    rs.next();
                    streamId = rs.getLong(1);
                }
            }
            UUID event = UUID.randomUUID();
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + stores.table("events")
                    + " (event_id, event_type, data) VALUES (?, 'poison', '{}')")) {
                ps.setObject(1, event);
                ps.executeUpdate();
            }
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + stores.table("stream_events")
                    + " (event_id, stream_id, stream_version, original_stream_id, original_stream_version)"
                    + " VALUES (?, ?, 1, ?, 1)")) {
                ps.setObject(1, event);
                ps.setLong(2, streamId);
                ps.setLong(3, streamId);
                ps.executeUpdate();
            }
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + stores.table("jes_unlinked")
                    + " (stream_id, first_version, last_version) VALUES (?, 1, 1)")) {
                ps.setLong(1, streamId);
                ps.executeUpdate();
            }
            c.commit();
            return streamId;
        }
    }

    @Test
    void appends_that_cannot_be_linked_are_set_aside_and_the_others_keep_flowing() throws Exception {
        long poisoned = poisonedAppend('p');
        long next = poisonedAppend('q'); // two in a row: the first set aside must not leave the second blocking
        try (PostgresEventStore store = background()) {
            List<AppendResult> results = Collections.synchronizedList(new ArrayList<>());
            List<Future<?>> writes = new ArrayList<>();
            for (int w = 0; w < 3; w++) {
                String stream = "after-poison-" + w;
                writes.add(executor.submit(() -> results.add(
                        store.appendToStream(stream, ExpectedVersion.noStream(), events(stream, 2)))));
            }
            for (Future<?> f : writes) {
                f.get(30, TimeUnit.SECONDS);
            }
            assertThat(results).hasSize(3).allSatisfy(r -> assertThat(r.firstPosition()).isPositive());
            LinkPasses.Backlog backlog = store.linkBacklog();
            assertThat(backlog.setAside()).isEqualTo(2);
            assertThat(backlog.appends()).isZero();
        }
        assertThat(stores.longs("SELECT stream_id FROM " + stores.table("jes_set_aside")
                + " WHERE error LIKE '%payload%'")).containsExactlyInAnyOrder(poisoned, next);
        // their events stay in their streams and never reached $all
        assertThat(stores.longs("SELECT count(*) FROM " + stores.table("stream_events") + " WHERE stream_id = 0"
                + " AND original_stream_id IN (" + poisoned + ", " + next + ")")).containsExactly(0L);
    }

    @Test
    void a_pass_is_bounded_by_events_and_always_takes_the_oldest_append() throws Exception {
        try (PostgresEventStore committed = PostgresEventStore.builder(stores.dataSource).schema(stores.schema)
                .linkInBackground(task -> { }).linking(TestStores.COMMITTED).build()) {
            try (AllRowLock lock = new AllRowLock(stores)) {
                committed.appendToStream("big", ExpectedVersion.noStream(), events("big", 40));
                for (int i = 0; i < 5; i++) {
                    committed.appendToStream("small-" + i, ExpectedVersion.noStream(), events("s", 10));
                }
            }
        }
        LinkPasses linker = new LinkPasses(new Sql(new SchemaName(stores.schema)),
                new Transactions(stores.dataSource, TransactionContext.NONE), 1000, 25);

        LinkPasses.Pass first = linker.pass();
        assertThat(first.linked()).extracting(LinkPasses.Linked::events).containsExactly(40L); // alone over the bound
        assertThat(first.full()).isTrue();
        LinkPasses.Pass second = linker.pass();
        assertThat(second.linked()).extracting(LinkPasses.Linked::events).containsExactly(10L, 10L, 10L);
        assertThat(second.full()).isTrue();
        LinkPasses.Pass third = linker.pass();
        assertThat(third.linked()).extracting(LinkPasses.Linked::events).containsExactly(10L, 10L);
        assertThat(third.full()).isFalse();
        assertThat(linker.pass().linked()).isEmpty();
    }

    @Test
    void a_stream_id_longer_than_the_byte_limit_is_refused_with_nothing_written() {
        String longest = "é".repeat(PostgresEventStore.MAX_STREAM_ID_BYTES / 2);
        String tooLong = longest + "x";
        long allBefore = plain.streamInfo("$all").version();

        assertThatThrownBy(() -> plain.appendToStream(tooLong, ExpectedVersion.any(), events("t")))
                .isInstanceOf(InvalidRequestException.class)
                .hasMessageContaining("2001 bytes").hasMessageContaining("at most 2000");
        assertThatThrownBy(() -> plain.linkToStream(tooLong, ExpectedVersion.any(), List.of(UUID.randomUUID())))
                .isInstanceOf(InvalidRequestException.class).hasMessageContaining("2001 bytes");
        assertThat(stores.longs("SELECT count(*) FROM " + stores.table("streams") + " WHERE stream_uuid LIKE 'éé%'"))
                .containsExactly(0L);
        assertThat(plain.streamInfo("$all").version()).isEqualTo(allBefore);

        AppendResult ok = plain.appendToStream(longest, ExpectedVersion.noStream(), events("fits"));
        assertThat(ok.firstPosition()).isPositive();
    }

    @Test
    void waiting_appends_are_found_by_stream_through_an_index() {
        assertThat(stores.longs("SELECT count(*) FROM pg_indexes WHERE schemaname = '" + stores.schema
                + "' AND tablename = 'jes_unlinked' AND indexdef LIKE '%(stream_id)%'")).containsExactly(1L);
    }

    /** A stand-in for a container transaction: active until {@link #commit()} runs what waits for the commit. */
    static final class FakeJta implements TransactionContext {
        private final List<Runnable> afterCommit = new CopyOnWriteArrayList<>();
        private volatile boolean active = true;

        @Override
        public boolean active() {
            return active;
        }

        @Override
        public void afterCommit(Runnable action) {
            afterCommit.add(action);
        }

        /** The container's commit (the test's connections autocommit already): runs the after-commit steps. */
        void commit() {
            active = false;
            afterCommit.forEach(Runnable::run);
        }
    }

    @Test
    void inside_a_container_transaction_the_commit_returns_once_a_deferred_append_is_in_all() throws Exception {
        FakeJta jta = new FakeJta();
        List<EventData> events = events("jta-1", "jta-2");
        try (PostgresEventStore store = PostgresEventStore.builder(stores.dataSource).schema(stores.schema)
                .transactionContext(jta).linkInBackground(executor).build()) {
            try (AllRowLock lock = new AllRowLock(stores)) {
                AppendResult result = store.appendToStream("in-jta", ExpectedVersion.noStream(), events);
                assertThat(result).isEqualTo(new AppendResult(2, 0, 0)); // positions come after the commit
            }
            jta.commit();
            // right after the container's commit, with no waiting of any kind
            assertThat(store.readAllBackward(-1, 10)).extracting(RecordedEvent::eventId)
                    .containsAll(events.stream().map(EventData::eventId).toList());
        }
    }

    @Test
    void the_store_without_executor_still_returns_positions_when_another_append_waits() throws Exception {
        CompletableFuture<AppendResult> waiting;
        try (AllRowLock lock = new AllRowLock(stores)) {
            waiting = CompletableFuture.supplyAsync(() ->
                    plain.appendToStream("no-executor", ExpectedVersion.noStream(), events("n")), executor);
            await().atMost(Duration.ofSeconds(10)).until(() -> stores.count("jes_unlinked") == 1);
        }
        assertThat(waiting.get(10, TimeUnit.SECONDS).firstPosition()).isPositive();
    }
}
