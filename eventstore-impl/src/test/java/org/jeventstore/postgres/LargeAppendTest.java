package org.jeventstore.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.stream.LongStream;
import org.jeventstore.AppendResult;
import org.jeventstore.DuplicateEventException;
import org.jeventstore.EventData;
import org.jeventstore.ExpectedVersion;
import org.jeventstore.RecordedEvent;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(60)
class LargeAppendTest extends StoreTest {

    /** More events than PostgreSQL's 65,535 bind parameters could carry at six parameters per event. */
    static final int COUNT = 10_001;

    public record Item(int n, String text) {
    }


    private static List<EventData> items(int count) {
        List<EventData> events = new ArrayList<>(count);
        for (int i = 1; i <= count; i++) {
            events.add(EventData.of(new Item(i, "item " + i)).withEventId(UUID.randomUUID()));
        }
        return events;
    }

    @Test
    void one_append_of_ten_thousand_and_one_events_stores_them_all_with_contiguous_versions_and_positions() {
        store.appendToStream("before", ExpectedVersion.any(), items(3));
        long head = store.streamInfo("$all").version();
        List<EventData> events = items(COUNT);

        AppendResult result = store.appendToStream("large", ExpectedVersion.noStream(), events);

        assertThat(result.streamVersion()).isEqualTo(COUNT);
        assertThat(result.firstPosition()).isEqualTo(head + 1);
        assertThat(result.lastPosition()).isEqualTo(head + COUNT);
        List<RecordedEvent> stream = store.readStreamForward("large", 1, COUNT + 10);
        assertThat(stream).extracting(RecordedEvent::eventNumber)
                .containsExactlyElementsOf(LongStream.rangeClosed(1, COUNT).boxed().toList());
        assertThat(stream).extracting(RecordedEvent::eventId)
                .containsExactlyElementsOf(events.stream().map(EventData::eventId).toList());
        assertThat(stream.get(COUNT - 1).data(Item.class)).isEqualTo(new Item(COUNT, "item " + COUNT));

        List<RecordedEvent> all = store.readAllForward(result.firstPosition(), COUNT + 10);
        assertThat(all).extracting(RecordedEvent::eventNumber)
                .containsExactlyElementsOf(LongStream.rangeClosed(head + 1, head + COUNT).boxed().toList());
        assertThat(all).extracting(RecordedEvent::streamVersion)
                .containsExactlyElementsOf(LongStream.rangeClosed(1, COUNT).boxed().toList());
        assertThat(store.streamInfo("$all").version()).isEqualTo(head + COUNT);
        assertThat(store.streamForward("large", 1, 1000).count()).isEqualTo(COUNT);
    }

    @Test
    void a_large_append_that_fails_on_its_last_event_writes_nothing() {
        UUID taken = UUID.randomUUID();
        store.appendToStream("taken", ExpectedVersion.any(), List.of(EventData.of(new Item(0, "x")).withEventId(taken)));
        store.appendToStream("atomic", ExpectedVersion.any(), items(2));
        long head = store.streamInfo("$all").version();
        long storedEvents = stores.count("events");
        List<EventData> events = items(COUNT - 1);
        events.add(EventData.of(new Item(COUNT, "duplicate")).withEventId(taken));

        assertThatThrownBy(() -> store.appendToStream("atomic", ExpectedVersion.exactly(2), events))
                .isInstanceOf(DuplicateEventException.class).hasMessageContaining("atomic");

        assertThat(store.streamInfo("atomic").version()).isEqualTo(2);
        assertThat(store.readStreamForward("atomic", 1, COUNT)).hasSize(2);
        assertThat(store.streamInfo("$all").version()).isEqualTo(head);
        assertThat(stores.count("events")).isEqualTo(storedEvents);
        assertThat(store.appendToStream("atomic", ExpectedVersion.exactly(2), items(1)).firstPosition())
                .isEqualTo(head + 1);
    }
}
