package org.jeventstore.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.UUID;
import java.util.stream.Collectors;
import org.jeventstore.DeleteMode;
import org.jeventstore.EventData;
import org.jeventstore.ExpectedVersion;
import org.jeventstore.InvalidRequestException;
import org.jeventstore.RecordedEvent;
import org.jeventstore.StorageException;
import org.jeventstore.StreamDeletedException;
import org.jeventstore.StreamExistsException;
import org.jeventstore.StreamInfo;
import org.jeventstore.StreamNotFoundException;
import org.jeventstore.WrongExpectedVersionException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.jeventstore.testsupport.TestStores;

class DeleteTest {

    public record Fact(String text) {
    }

    @RegisterExtension
    static final TestStores stores = new TestStores(true);
    /** Hard deletes enabled. */
    static final PostgresEventStore store = stores.store;
    /** The same schema, hard deletes not enabled (the default). */
    static final PostgresEventStore softOnly = stores.open(false);

    private static List<UUID> append(String stream, int count) {
        List<EventData> events = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            events.add(EventData.of(new Fact(stream + "-" + i)).withEventId(UUID.randomUUID()));
        }
        store.appendToStream(stream, ExpectedVersion.any(), events);
        return events.stream().map(EventData::eventId).toList();
    }

    private static List<UUID> ids(List<RecordedEvent> events) {
        return events.stream().map(RecordedEvent::eventId).toList();
    }

    private static <T> List<T> reversed(List<T> list) {
        List<T> copy = new ArrayList<>(list);
        java.util.Collections.reverse(copy);
        return copy;
    }

    private static List<RecordedEvent> all() {
        return store.readAllForward(0, Integer.MAX_VALUE);
    }

    private static EventData fact(String text) {
        return EventData.of(new Fact(text));
    }

    @Test
    void a_soft_deleted_stream_can_no_longer_be_read_or_appended_to() {
        append("soft", 2);

        softOnly.deleteStream("soft", ExpectedVersion.exactly(2), DeleteMode.SOFT);

        assertThatThrownBy(() -> store.readStreamForward("soft", 1, 10))
                .isInstanceOf(StreamDeletedException.class).hasMessageContaining("soft");
        assertThatThrownBy(() -> store.readStreamBackward("soft", -1, 10)).isInstanceOf(StreamDeletedException.class);
        assertThatThrownBy(() -> store.streamForward("soft", 1, 10).toList()).isInstanceOf(StreamDeletedException.class);
        for (ExpectedVersion expected : List.of(ExpectedVersion.any(), ExpectedVersion.noStream(),
                ExpectedVersion.streamExists(), ExpectedVersion.exactly(2))) {
            assertThatThrownBy(() -> store.appendToStream("soft", expected, List.of(fact("late"))))
                    .as("append expecting %s", expected)
                    .isInstanceOf(StreamDeletedException.class).hasMessageContaining("soft");
        }
        assertThatThrownBy(() -> store.appendToStream("soft", ExpectedVersion.any(), List.of()))
                .isInstanceOf(StreamDeletedException.class);
        assertThatThrownBy(() -> softOnly.deleteStream("soft", ExpectedVersion.any(), DeleteMode.SOFT))
                .isInstanceOf(StreamDeletedException.class);
        // As Elixir's stream_info: {:error, :stream_deleted}
        assertThatThrownBy(() -> store.streamInfo("soft"))
                .isInstanceOf(StreamDeletedException.class).hasMessageContaining("soft");
        StreamInfo info = store.paginateStreams(new org.jeventstore.StreamQuery(1, 10, "soft", null, true))
                .entries().stream().filter(i -> i.streamId().equals("soft")).findFirst().orElseThrow();
        assertThat(info.deleted()).isTrue();
        assertThat(info.version()).isEqualTo(2);
    }

    @Test
    void a_soft_deleted_streams_events_stay_in_all_and_in_streams_that_link_them() {
        List<UUID> events = append("soft-kept", 2);
        store.linkToStream("soft-kept-links", ExpectedVersion.any(), events);

        softOnly.deleteStream("soft-kept", ExpectedVersion.any(), DeleteMode.SOFT);

        List<RecordedEvent> inAll = all().stream().filter(e -> events.contains(e.eventId())).toList();
        assertThat(ids(inAll)).containsExactlyElementsOf(events);
        assertThat(inAll).extracting(RecordedEvent::streamId).containsOnly("soft-kept");
        List<RecordedEvent> linked = store.readStreamForward("soft-kept-links", 1, 10);
        assertThat(ids(linked)).containsExactlyElementsOf(events);
        assertThat(linked.get(1).data(Fact.class).text()).isEqualTo("soft-kept-1");
    }

    @Test
    void deleting_a_missing_stream_fails_with_stream_not_found() {
        assertThatThrownBy(() -> store.deleteStream("never-there", ExpectedVersion.any(), DeleteMode.SOFT))
                .isInstanceOf(StreamNotFoundException.class).hasMessageContaining("never-there");
        assertThatThrownBy(() -> store.deleteStream("never-there", ExpectedVersion.any(), DeleteMode.HARD))
                .isInstanceOf(StreamNotFoundException.class);
    }

    @Test
    void the_expected_version_is_checked_on_delete() {
        append("checked", 3);

        for (DeleteMode mode : DeleteMode.values()) {
            assertThatThrownBy(() -> store.deleteStream("checked", ExpectedVersion.exactly(2), mode))
                    .isInstanceOf(WrongExpectedVersionException.class).hasMessageContaining("actual version 3");
            assertThatThrownBy(() -> store.deleteStream("checked", ExpectedVersion.noStream(), mode))
                    .isInstanceOf(StreamExistsException.class);
        }

        assertThat(store.readStreamForward("checked", 1, 10)).hasSize(3);
        assertThat(store.streamInfo("checked").deleted()).isFalse();
        store.deleteStream("checked", ExpectedVersion.streamExists(), DeleteMode.SOFT);
        assertThatThrownBy(() -> store.streamInfo("checked")).isInstanceOf(StreamDeletedException.class);
    }

    @Test
    void all_cannot_be_deleted() {
        for (DeleteMode mode : DeleteMode.values()) {
            assertThatThrownBy(() -> store.deleteStream("$all", ExpectedVersion.any(), mode))
                    .isInstanceOf(InvalidRequestException.class).hasMessageContaining("$all");
        }
        assertThat(store.streamInfo("$all").deleted()).isFalse();
    }

    @Test
    void a_hard_delete_is_refused_unless_hard_deletes_are_enabled() {
        List<UUID> events = append("hard-refused", 2);

        assertThatThrownBy(() -> softOnly.deleteStream("hard-refused", ExpectedVersion.any(), DeleteMode.HARD))
                .isInstanceOf(InvalidRequestException.class)
                .hasMessageContaining("hard-refused").hasMessageContaining("not enabled");

        assertThat(ids(store.readStreamForward("hard-refused", 1, 10))).containsExactlyElementsOf(events);
    }

    @Test
    void a_hard_delete_removes_the_stream_its_events_and_their_all_and_link_rows() {
        List<UUID> doomed = append("hard", 3);
        List<UUID> other = append("hard-other", 2);
        store.linkToStream("hard-links", ExpectedVersion.any(), List.of(doomed.get(0), other.get(0), doomed.get(2)));
        // The doomed stream also holds a link to another stream's event: that event stays.
        store.linkToStream("hard", ExpectedVersion.any(), List.of(other.get(1)));
        long head = store.streamInfo("$all").version();

        store.deleteStream("hard", ExpectedVersion.exactly(4), DeleteMode.HARD);

        assertThatThrownBy(() -> store.streamInfo("hard")).isInstanceOf(StreamNotFoundException.class);
        assertThatThrownBy(() -> store.readStreamForward("hard", 1, 10)).isInstanceOf(StreamNotFoundException.class);
        String doomedIds = doomed.stream().map(id -> "'" + id + "'").collect(Collectors.joining(","));
        assertThat(stores.longs("SELECT count(*) FROM " + stores.table("events") + " WHERE event_id IN ("
                + doomedIds + ")")).containsExactly(0L);
        assertThat(stores.longs("SELECT count(*) FROM " + stores.table("stream_events") + " WHERE event_id IN ("
                + doomedIds + ")")).containsExactly(0L);
        assertThat(ids(all())).doesNotContainAnyElementsOf(doomed).containsAll(other);
        List<RecordedEvent> links = store.readStreamForward("hard-links", 1, 10);
        assertThat(ids(links)).containsExactly(other.get(0));
        assertThat(links.get(0).eventNumber()).isEqualTo(2);
        assertThat(store.streamInfo("hard-links").version()).isEqualTo(3);
        assertThat(ids(store.readStreamForward("hard-other", 1, 10))).containsExactlyElementsOf(other);
        // The $all counter is not rewound.
        assertThat(store.streamInfo("$all").version()).isEqualTo(head);
    }

    @Test
    void a_hard_deleted_stream_id_can_be_reused_and_all_positions_are_not_reused() {
        append("reused", 2);
        long head = store.streamInfo("$all").version();
        store.deleteStream("reused", ExpectedVersion.any(), DeleteMode.HARD);

        var result = store.appendToStream("reused", ExpectedVersion.noStream(), List.of(fact("again")));

        assertThat(result.streamVersion()).isEqualTo(1);
        assertThat(result.firstPosition()).isEqualTo(head + 1);
        List<RecordedEvent> events = store.readStreamForward("reused", 1, 10);
        assertThat(events).hasSize(1);
        assertThat(events.get(0).data(Fact.class).text()).isEqualTo("again");
        assertThat(events.get(0).streamId()).isEqualTo("reused");
        assertThat(store.streamInfo("reused").deleted()).isFalse();
    }

    @Test
    void lazy_reads_with_a_small_batch_step_over_hard_delete_gaps_without_skipping_or_repeating() {
        append("gap-a", 1);
        append("gap-hole-1", 3);
        List<UUID> b = append("gap-b", 2);
        append("gap-hole-2", 1);
        List<UUID> c = append("gap-c", 3);
        store.linkToStream("gap-links", ExpectedVersion.any(), List.of(b.get(0), c.get(0)));
        List<UUID> holeLinked = store.readStreamForward("gap-hole-1", 1, 10).stream().map(RecordedEvent::eventId).toList();
        store.linkToStream("gap-links", ExpectedVersion.any(), holeLinked);
        store.linkToStream("gap-links", ExpectedVersion.any(), List.of(c.get(2)));
        store.deleteStream("gap-hole-1", ExpectedVersion.any(), DeleteMode.HARD);
        store.deleteStream("gap-hole-2", ExpectedVersion.any(), DeleteMode.HARD);
        List<RecordedEvent> expected = all();
        long head = store.streamInfo("$all").version();
        assertThat(expected.size()).as("gaps exist").isLessThan((int) head);

        for (int batch : new int[] {1, 2, 3, 5}) {
            List<RecordedEvent> lazy = store.streamAllForward(0, batch).toList();
            assertThat(ids(lazy)).as("forward, batch %d", batch).containsExactlyElementsOf(ids(expected));
            assertThat(new HashSet<>(ids(lazy))).hasSize(lazy.size());
            List<RecordedEvent> backward = store.streamAllBackward(-1, batch).toList();
            assertThat(ids(backward)).as("backward, batch %d", batch)
                    .containsExactlyElementsOf(reversed(ids(expected)));
        }
        assertThat(ids(store.streamForward("gap-links", 1, 2).toList())).containsExactly(b.get(0), c.get(0), c.get(2));
        assertThat(ids(store.streamBackward("gap-links", -1, 1).toList())).containsExactly(c.get(2), c.get(0), b.get(0));
    }

    @Test
    void a_hard_delete_happens_in_one_transaction() {
        List<UUID> events = append("hard-atomic", 2);
        store.linkToStream("hard-atomic-links", ExpectedVersion.any(), events);
        long rows = stores.count("stream_events");
        // Make the last step (removing the stream row) fail, after events and their rows were removed.
        stores.execute("CREATE FUNCTION " + stores.table("refuse_stream_delete") + "() RETURNS trigger AS $$"
                + " BEGIN RAISE EXCEPTION 'test refuses'; END; $$ LANGUAGE plpgsql");
        stores.execute("CREATE TRIGGER zz_refuse BEFORE DELETE ON " + stores.table("streams")
                + " FOR EACH ROW EXECUTE PROCEDURE " + stores.table("refuse_stream_delete") + "()");
        try {
            assertThatThrownBy(() -> store.deleteStream("hard-atomic", ExpectedVersion.any(), DeleteMode.HARD))
                    .isInstanceOf(StorageException.class).hasMessageContaining("hard-atomic");
        } finally {
            stores.execute("DROP TRIGGER zz_refuse ON " + stores.table("streams"));
        }

        assertThat(stores.count("stream_events")).isEqualTo(rows);
        assertThat(ids(store.readStreamForward("hard-atomic", 1, 10))).containsExactlyElementsOf(events);
        assertThat(ids(store.readStreamForward("hard-atomic-links", 1, 10))).containsExactlyElementsOf(events);
        assertThat(ids(all())).containsAll(events);
    }
}
