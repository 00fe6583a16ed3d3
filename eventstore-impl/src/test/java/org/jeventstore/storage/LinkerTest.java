package org.jeventstore.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.jeventstore.AppendResult;
import org.jeventstore.DeleteMode;
import org.jeventstore.EventData;
import org.jeventstore.ExpectedVersion;
import org.jeventstore.RecordedEvent;
import org.jeventstore.config.EventStoreSettings;
import org.jeventstore.config.LinkSettings;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.postgresql.ds.PGSimpleDataSource;
import org.jeventstore.testsupport.TestExecutor;
import org.jeventstore.testsupport.TestStores;
import org.jeventstore.testsupport.AllRowLock;
import org.jeventstore.postgres.PostgresEventStore;

/**
 * The two ways an append reaches $all: inline when the $all row is free, deferred to a linker when it is busy.
 * A test holds the $all row lock on a connection of its own to force the deferred way.
 */
@Timeout(60)
class LinkerTest {

    public record Noted(String text) {
    }

    @RegisterExtension
    static final TestStores stores = new TestStores(true).linkingBeforeEachTest();
    /** Links on the appending thread (no executor). */
    static final PostgresEventStore inline = stores.store;
    @RegisterExtension
    final TestExecutor executor = TestExecutor.cached();

    private static List<EventData> events(String... texts) {
        List<EventData> events = new ArrayList<>();
        for (String text : texts) {
            events.add(EventData.of(new Noted(text)).withEventId(UUID.randomUUID()));
        }
        return events;
    }

    static final LinkSettings COMMITTED = TestStores.COMMITTED;

    /**
     * A store whose background linker never runs and whose appends return at their commit: what a server that died
     * after its appends leaves behind.
     */
    private PostgresEventStore withoutRunningLinker() {
        return PostgresEventStore.builder(stores.dataSource)
                .settings(EventStoreSettings.defaults().withSchema(stores.schema).withHardDeletes(true))
                .linkInBackground(task -> { }).linking(COMMITTED).build();
    }

    private List<UUID> allIdsOf(String stream) {
        return inline.readAllForward(1, Integer.MAX_VALUE).stream().filter(e -> e.streamId().equals(stream))
                .map(RecordedEvent::eventId).toList();
    }

    private static List<UUID> ids(List<EventData> events) {
        return events.stream().map(EventData::eventId).toList();
    }

    @Test
    void an_append_that_finds_the_all_row_free_takes_its_positions_in_its_own_statement() {
        List<EventData> events = events("a", "b");
        AppendResult result = inline.appendToStream("free", ExpectedVersion.noStream(), events);

        assertThat(result.lastPosition() - result.firstPosition()).isEqualTo(1);
        assertThat(inline.readAllForward(result.firstPosition(), 2)).extracting(RecordedEvent::eventId)
                .containsExactlyElementsOf(ids(events));
        assertThat(stores.count("jes_unlinked")).isZero();
    }

    @Test
    void an_append_that_finds_the_all_row_busy_commits_without_waiting_for_it_and_returns_once_the_linker_linked_it()
            throws Exception {
        List<EventData> events = events("x", "y", "z");
        try (PostgresEventStore background = PostgresEventStore.builder(stores.dataSource).schema(stores.schema)
                .linkInBackground(executor).build();
             Connection listen = stores.server.dataSource().getConnection()) {
            try (Statement st = listen.createStatement()) {
                st.execute("LISTEN \"" + stores.schema + ".events\"");
            }
            Future<AppendResult> append;
            try (AllRowLock lock = new AllRowLock(stores)) {
                append = executor.submit(() -> background.appendToStream("busy", ExpectedVersion.noStream(), events));
                // committed without the $all row: its stream shows it, $all not yet, and the append waits
                await().atMost(Duration.ofSeconds(10)).until(() -> stores.count("jes_unlinked") == 1);
                assertThat(background.readStreamForward("busy", 1, 10)).extracting(RecordedEvent::eventId)
                        .containsExactlyElementsOf(ids(events));
                assertThat(allIdsOf("busy")).isEmpty();
                assertThat(append).isNotDone();
            }
            AppendResult result = append.get(10, TimeUnit.SECONDS);

            assertThat(result.lastPosition()).isEqualTo(result.firstPosition() + 2);
            assertThat(inline.readAllForward(result.firstPosition(), 3)).extracting(RecordedEvent::eventId)
                    .containsExactlyElementsOf(ids(events));
            assertThat(stores.count("jes_unlinked")).isZero();
            // the stream is announced by the linker, once its events are in $all (and not by the append)
            List<String> payloads = new ArrayList<>();
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                PGNotification[] got = listen.unwrap(PGConnection.class).getNotifications(100);
                if (got != null) {
                    for (PGNotification n : got) {
                        payloads.add(n.getParameter());
                    }
                }
                assertThat(payloads).anyMatch(p -> p.startsWith("busy,") && p.endsWith(",1,3"))
                        .anyMatch(p -> p.startsWith("$all,0,"));
            });
            assertThat(payloads).filteredOn(p -> p.startsWith("busy,")).hasSize(1);
        }
    }

    @Test
    void in_committed_mode_an_append_that_finds_the_all_row_busy_returns_at_its_commit_and_is_linked_after()
            throws Exception {
        List<EventData> events = events("c1", "c2");
        try (PostgresEventStore background = PostgresEventStore.builder(stores.dataSource).schema(stores.schema)
                .linkInBackground(executor).linking(COMMITTED).build()) {
            try (AllRowLock lock = new AllRowLock(stores)) {
                Future<AppendResult> append = executor.submit(() ->
                        background.appendToStream("busy-committed", ExpectedVersion.noStream(), events));
                AppendResult result = append.get(10, TimeUnit.SECONDS); // would hang if it waited for the $all row

                assertThat(result).isEqualTo(new AppendResult(2, 0, 0));
                assertThat(allIdsOf("busy-committed")).isEmpty();
            }
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                    assertThat(allIdsOf("busy-committed")).containsExactlyElementsOf(ids(events)));
        }
    }

    @Test
    void appends_a_stopped_server_left_unlinked_are_linked_by_another_servers_poll() throws Exception {
        List<EventData> events = events("left", "behind");
        try (PostgresEventStore stopped = withoutRunningLinker()) {
            try (AllRowLock lock = new AllRowLock(stores)) {
                stopped.appendToStream("left-behind", ExpectedVersion.noStream(), events);
            }
        }
        assertThat(allIdsOf("left-behind")).isEmpty();

        try (PostgresEventStore other = PostgresEventStore.builder(stores.dataSource).schema(stores.schema)
                .linkInBackground(executor).linkerPoll(Duration.ofMillis(200)).build()) {
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                    assertThat(allIdsOf("left-behind")).containsExactlyElementsOf(ids(events)));
        }
    }

    @Test
    void an_append_behind_an_unlinked_one_of_the_same_stream_waits_for_the_linker_so_the_stream_keeps_its_order()
            throws Exception {
        List<EventData> first = events("first");
        List<EventData> second = events("second");
        try (PostgresEventStore store = withoutRunningLinker()) {
            try (AllRowLock lock = new AllRowLock(stores)) {
                store.appendToStream("ordered", ExpectedVersion.noStream(), first);
            }
            // the $all row is free now, but the stream's first append is not linked yet
            AppendResult result = store.appendToStream("ordered", ExpectedVersion.exactly(1), second);
            assertThat(result.firstPosition()).isZero();
            store.linkNow();
        }
        List<UUID> expected = new ArrayList<>(ids(first));
        expected.addAll(ids(second));
        assertThat(allIdsOf("ordered")).containsExactlyElementsOf(expected);
    }

    @Test
    void the_store_without_executor_links_a_deferred_append_itself_and_reports_its_positions() throws Exception {
        List<EventData> events = events("p", "q");
        Future<AppendResult> append;
        try (AllRowLock lock = new AllRowLock(stores)) {
            append = executor.submit(() -> inline.appendToStream("self-linked", ExpectedVersion.noStream(), events));
            // it committed and now waits for the $all row to link its events
            await().atMost(Duration.ofSeconds(10)).until(() -> stores.count("jes_unlinked") == 1);
            assertThat(append).isNotDone();
        }
        AppendResult result = append.get(10, TimeUnit.SECONDS);

        assertThat(inline.readAllForward(result.firstPosition(), 2)).extracting(RecordedEvent::eventId)
                .containsExactlyElementsOf(ids(events));
        assertThat(result.lastPosition()).isEqualTo(result.firstPosition() + 1);
    }

    @Test
    void a_hard_deleted_stream_with_unlinked_appends_leaves_no_gap_in_all() throws Exception {
        try (PostgresEventStore store = withoutRunningLinker()) {
            try (AllRowLock lock = new AllRowLock(stores)) {
                store.appendToStream("doomed", ExpectedVersion.noStream(), events("d1", "d2"));
            }
            store.deleteStream("doomed", ExpectedVersion.exactly(2), DeleteMode.HARD);
            assertThat(stores.count("jes_unlinked")).isZero();
        }
        long before = inline.streamInfo("$all").version();
        AppendResult next = inline.appendToStream("after-doomed", ExpectedVersion.noStream(), events("n"));

        assertThat(next.firstPosition()).isEqualTo(before + 1);
        assertThat(allIdsOf("doomed")).isEmpty();
    }

    @Test
    void an_event_not_yet_in_all_can_be_linked_into_another_stream() throws Exception {
        List<EventData> events = events("to-link");
        try (PostgresEventStore store = withoutRunningLinker()) {
            try (AllRowLock lock = new AllRowLock(stores)) {
                store.appendToStream("link-source", ExpectedVersion.noStream(), events);
            }
            store.linkToStream("link-target", ExpectedVersion.noStream(), ids(events));
            store.linkNow();
        }
        List<RecordedEvent> linked = inline.readStreamForward("link-target", 1, 10);
        assertThat(linked).extracting(RecordedEvent::eventId).containsExactlyElementsOf(ids(events));
        assertThat(linked.get(0).streamId()).isEqualTo("link-source");
        assertThat(linked.get(0).streamVersion()).isEqualTo(1);
        assertThat(allIdsOf("link-source")).containsExactlyElementsOf(ids(events));
    }

    @Test
    void this_servers_subscribers_get_its_appends_without_the_notify_inline_and_deferred() throws Exception {
        // a listener that can never connect: only the store's own, in-process announcement can reach them
        PGSimpleDataSource unreachable = new PGSimpleDataSource();
        unreachable.setServerNames(new String[] {"127.0.0.1"});
        unreachable.setPortNumbers(new int[] {1});
        List<UUID> received = new java.util.concurrent.CopyOnWriteArrayList<>();
        List<EventData> inlineEvents = events("i1", "i2");
        List<EventData> deferredEvents = events("d1");
        try (PostgresEventStore store = PostgresEventStore.builder(stores.dataSource).schema(stores.schema)
                .notifications(unreachable, executor).build()) {
            store.subscribe("$all", null, e -> received.add(e.eventId()));
            List<UUID> onStream = new java.util.concurrent.CopyOnWriteArrayList<>();
            store.subscribe("local-deferred", null, e -> onStream.add(e.eventId()));

            store.appendToStream("local-inline", ExpectedVersion.noStream(), inlineEvents);
            await().atMost(Duration.ofSeconds(10)).until(() -> received.size() == 2);

            Future<AppendResult> deferred;
            try (AllRowLock lock = new AllRowLock(stores)) {
                deferred = executor.submit(() ->
                        store.appendToStream("local-deferred", ExpectedVersion.noStream(), deferredEvents));
                // the stream's own subscribers need not wait for $all
                await().atMost(Duration.ofSeconds(10)).until(() -> onStream.size() == 1);
            }
            assertThat(deferred.get(10, TimeUnit.SECONDS).firstPosition()).isPositive();
            await().atMost(Duration.ofSeconds(10)).until(() -> received.size() == 3);
            assertThat(store.listener().connected()).isFalse();
        }
        List<UUID> expected = new ArrayList<>(ids(inlineEvents));
        expected.addAll(ids(deferredEvents));
        assertThat(received).containsExactlyElementsOf(expected);
    }
}
