package org.jeventstore.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.jeventstore.AppendResult;
import org.jeventstore.DuplicateEventException;
import org.jeventstore.EventData;
import org.jeventstore.EventNotFoundException;
import org.jeventstore.ExpectedVersion;
import org.jeventstore.RecordedEvent;
import org.jeventstore.StreamDeletedException;
import org.jeventstore.DeleteMode;
import org.jeventstore.WrongExpectedVersionException;
import org.junit.jupiter.api.Test;

class LinkTest extends StoreTest {

    public record Noted(String text) {
    }


    private static List<UUID> append(String stream, String... texts) {
        List<EventData> events = new ArrayList<>();
        for (String t : texts) {
            events.add(EventData.of(new Noted(t)).withEventId(UUID.randomUUID()));
        }
        store.appendToStream(stream, ExpectedVersion.any(), events);
        return events.stream().map(EventData::eventId).toList();
    }

    @Test
    void linked_events_keep_their_id_and_original_stream_and_version_and_get_new_numbers_in_the_target() {
        List<UUID> a = append("link-source-a", "a1", "a2", "a3");
        List<UUID> b = append("link-source-b", "b1");
        append("link-target", "own");

        AppendResult result = store.linkToStream("link-target", ExpectedVersion.exactly(1),
                List.of(a.get(2), b.get(0), a.get(0)));

        assertThat(result.streamVersion()).isEqualTo(4);
        assertThat(result.firstPosition()).isZero();
        assertThat(result.lastPosition()).isZero();
        List<RecordedEvent> target = store.readStreamForward("link-target", 1, 10);
        assertThat(target).extracting(RecordedEvent::eventNumber).containsExactly(1L, 2L, 3L, 4L);
        assertThat(target).extracting(RecordedEvent::eventId).containsExactly(
                target.get(0).eventId(), a.get(2), b.get(0), a.get(0));
        assertThat(target).extracting(RecordedEvent::streamId)
                .containsExactly("link-target", "link-source-a", "link-source-b", "link-source-a");
        assertThat(target).extracting(RecordedEvent::streamVersion).containsExactly(1L, 3L, 1L, 1L);
        assertThat(target.get(1).data(Noted.class).text()).isEqualTo("a3");
        assertThat(store.readStreamBackward("link-target", -1, 2)).extracting(RecordedEvent::eventId)
                .containsExactly(a.get(0), b.get(0));
        // The source is untouched.
        assertThat(store.readStreamForward("link-source-a", 1, 10)).extracting(RecordedEvent::eventNumber)
                .containsExactly(1L, 2L, 3L);
    }

    @Test
    void a_link_of_a_linked_event_points_at_the_original_stream() {
        List<UUID> a = append("relink-source", "x");
        store.linkToStream("relink-first", ExpectedVersion.noStream(), a);
        store.linkToStream("relink-second", ExpectedVersion.any(), a);

        RecordedEvent linked = store.readStreamForward("relink-second", 1, 1).get(0);
        assertThat(linked.eventId()).isEqualTo(a.get(0));
        assertThat(linked.streamId()).isEqualTo("relink-source");
        assertThat(linked.streamVersion()).isEqualTo(1);
    }

    @Test
    void linking_does_not_change_all() {
        List<UUID> a = append("nochange-source", "1", "2");
        long head = store.streamInfo("$all").version();
        List<RecordedEvent> allBefore = store.readAllForward(1, 10_000);

        store.linkToStream("nochange-target", ExpectedVersion.any(), a);

        assertThat(store.streamInfo("$all").version()).isEqualTo(head);
        assertThat(store.readAllForward(1, 10_000)).extracting(RecordedEvent::eventId)
                .containsExactlyElementsOf(allBefore.stream().map(RecordedEvent::eventId).toList());
    }

    @Test
    void linking_an_event_twice_into_a_stream_is_a_duplicate_and_links_nothing() {
        List<UUID> a = append("twice-source", "1", "2");
        store.linkToStream("twice-target", ExpectedVersion.any(), List.of(a.get(0)));

        assertThatThrownBy(() -> store.linkToStream("twice-target", ExpectedVersion.any(), List.of(a.get(1), a.get(0))))
                .isInstanceOf(DuplicateEventException.class).hasMessageContaining("twice-target");
        assertThatThrownBy(() -> store.linkToStream("twice-other", ExpectedVersion.any(), List.of(a.get(1), a.get(1))))
                .isInstanceOf(DuplicateEventException.class);

        assertThat(store.readStreamForward("twice-target", 1, 10)).extracting(RecordedEvent::eventId)
                .containsExactly(a.get(0));
        assertThat(store.streamInfo("twice-target").version()).isEqualTo(1);
    }

    @Test
    void linking_an_event_into_its_own_stream_is_a_duplicate() {
        List<UUID> a = append("own-source", "1");

        assertThatThrownBy(() -> store.linkToStream("own-source", ExpectedVersion.any(), a))
                .isInstanceOf(DuplicateEventException.class);
        assertThat(store.streamInfo("own-source").version()).isEqualTo(1);
    }

    @Test
    void linking_an_unknown_event_fails_naming_it_and_links_nothing() {
        List<UUID> a = append("unknown-source", "1");
        UUID unknown = UUID.randomUUID();

        assertThatThrownBy(() -> store.linkToStream("unknown-target", ExpectedVersion.any(), List.of(a.get(0), unknown)))
                .isInstanceOf(EventNotFoundException.class)
                .hasMessageContaining(unknown.toString())
                .satisfies(e -> assertThat(((EventNotFoundException) e).eventId()).isEqualTo(unknown));

        assertThatThrownBy(() -> store.streamInfo("unknown-target"))
                .isInstanceOf(org.jeventstore.StreamNotFoundException.class);
    }

    @Test
    void linking_checks_the_expected_version_of_the_target() {
        List<UUID> a = append("expect-source", "1", "2");
        store.linkToStream("expect-target", ExpectedVersion.noStream(), List.of(a.get(0)));

        assertThatThrownBy(() -> store.linkToStream("expect-target", ExpectedVersion.exactly(5), List.of(a.get(1))))
                .isInstanceOf(WrongExpectedVersionException.class).hasMessageContaining("actual version 1");
        assertThat(store.linkToStream("expect-target", ExpectedVersion.exactly(1), List.of(a.get(1))).streamVersion())
                .isEqualTo(2);
    }

    @Test
    void an_empty_link_is_a_no_op_that_still_checks_the_expected_version() {
        append("empty-link", "1");

        assertThat(store.linkToStream("empty-link", ExpectedVersion.exactly(1), List.of()).streamVersion()).isEqualTo(1);
        assertThatThrownBy(() -> store.linkToStream("empty-link", ExpectedVersion.exactly(2), List.of()))
                .isInstanceOf(WrongExpectedVersionException.class);
    }

    @Test
    void a_soft_deleted_target_cannot_be_linked_to() {
        List<UUID> a = append("deleted-link-source", "1");
        append("deleted-link-target", "1");
        store.deleteStream("deleted-link-target", ExpectedVersion.any(), DeleteMode.SOFT);

        assertThatThrownBy(() -> store.linkToStream("deleted-link-target", ExpectedVersion.any(), a))
                .isInstanceOf(StreamDeletedException.class);
    }

    @Test
    void appending_an_event_id_that_is_already_stored_is_a_duplicate_and_writes_nothing() {
        List<UUID> a = append("dup-source", "1");
        append("dup-target", "1");
        long head = store.streamInfo("$all").version();
        long events = stores.count("events");

        assertThatThrownBy(() -> store.appendToStream("dup-target", ExpectedVersion.any(), List.of(
                EventData.of(new Noted("fresh")), EventData.of(new Noted("again")).withEventId(a.get(0)))))
                .isInstanceOf(DuplicateEventException.class).hasMessageContaining("dup-target");
        UUID same = UUID.randomUUID();
        assertThatThrownBy(() -> store.appendToStream("dup-new", ExpectedVersion.any(), List.of(
                EventData.of(new Noted("1")).withEventId(same), EventData.of(new Noted("2")).withEventId(same))))
                .isInstanceOf(DuplicateEventException.class);

        assertThat(store.streamInfo("dup-target").version()).isEqualTo(1);
        assertThat(store.streamInfo("$all").version()).isEqualTo(head);
        assertThat(stores.count("events")).isEqualTo(events);
        assertThatThrownBy(() -> store.streamInfo("dup-new")).isInstanceOf(org.jeventstore.StreamNotFoundException.class);
    }
}
