package org.jeventstore.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.jeventstore.AppendResult;
import org.jeventstore.EventData;
import org.jeventstore.EventType;
import org.jeventstore.ExpectedVersion;
import org.jeventstore.RecordedEvent;
import org.jeventstore.StreamExistsException;
import org.jeventstore.StreamNotFoundException;
import org.jeventstore.WrongExpectedVersionException;
import org.junit.jupiter.api.Test;

class AppendAndReadTest extends StoreTest {

    @EventType("account-opened")
    public record AccountOpened(String owner, long balance) {
    }

    public record Deposited(long amount) {
    }

    /** Counts how often JSON-B builds one, i.e. how often a stored payload is parsed. */
    public record Counted(String text) {
        static final java.util.concurrent.atomic.AtomicInteger PARSED = new java.util.concurrent.atomic.AtomicInteger();

        public Counted {
            PARSED.incrementAndGet();
        }
    }


    @Test
    void appended_events_read_back_forward_and_backward_with_their_data_and_metadata() {
        UUID id = UUID.randomUUID();
        UUID correlation = UUID.randomUUID();
        AppendResult result = store.appendToStream("account-1", ExpectedVersion.noStream(), List.of(
                EventData.of(new AccountOpened("ada", 10)).withEventId(id).withCorrelationId(correlation)
                        .withMetadata(Map.of("user", "u1")),
                EventData.of(new Deposited(5))));

        assertThat(result.streamVersion()).isEqualTo(2);
        assertThat(result.lastPosition() - result.firstPosition()).isEqualTo(1);

        List<RecordedEvent> forward = store.readStreamForward("account-1", 1, 10);
        assertThat(forward).extracting(RecordedEvent::eventNumber).containsExactly(1L, 2L);
        RecordedEvent first = forward.get(0);
        assertThat(first.eventId()).isEqualTo(id);
        assertThat(first.eventType()).isEqualTo("account-opened");
        assertThat(first.data()).isEqualTo(new AccountOpened("ada", 10));
        assertThat(first.metadata()).containsEntry("user", "u1");
        assertThat(first.correlationId()).isEqualTo(correlation);
        assertThat(first.streamId()).isEqualTo("account-1");
        assertThat(first.createdAt()).isNotNull();
        assertThat(forward.get(1).eventType()).isEqualTo(Deposited.class.getName());
        assertThat(forward.get(1).data(Deposited.class).amount()).isEqualTo(5);
        // an event appended without an id gets a time-ordered one (version 7); a given id is kept
        assertThat(forward.get(1).eventId().version()).isEqualTo(7);
        assertThat(first.eventId().version()).isEqualTo(4);

        assertThat(store.readStreamBackward("account-1", -1, 10)).extracting(RecordedEvent::eventNumber)
                .containsExactly(2L, 1L);
        assertThat(store.readAllForward(result.firstPosition(), 2)).extracting(RecordedEvent::eventId)
                .first().isEqualTo(id);
    }

    @Test
    void a_read_parses_data_and_metadata_only_when_asked_for_and_only_once() throws Exception {
        store.appendToStream("lazy-1", ExpectedVersion.noStream(), List.of(
                EventData.of(new Counted("a")).withMetadata(Map.of("user", "u1")), EventData.of(new Counted("b"))));
        Counted.PARSED.set(0);

        List<RecordedEvent> read = store.readStreamForward("lazy-1", 1, 10);
        assertThat(read).extracting(RecordedEvent::eventType).containsOnly(Counted.class.getName());
        assertThat(Counted.PARSED).hasValue(0);

        assertThat(read.get(0).data()).isEqualTo(new Counted("a"));
        assertThat(read.get(0).data(Counted.class).text()).isEqualTo("a");
        assertThat(read.get(0).data()).isSameAs(read.get(0).data());
        assertThat(read.get(0).metadata()).isEqualTo(Map.of("user", "u1"));
        assertThat(read.get(1).metadata()).isEmpty();
        assertThat(Counted.PARSED).as("one parse of the first event's data (plus the expected value's constructor)")
                .hasValue(2);

        // A read event is still the record it was: equal to one built from parsed values, serialized the same by
        // JSON-B (the web module's output), whether or not its payload was parsed before.
        RecordedEvent first = read.get(0);
        RecordedEvent eager = new RecordedEvent(first.eventNumber(), first.eventId(), first.streamId(),
                first.streamVersion(), first.eventType(), first.data(), first.metadata(), first.causationId(),
                first.correlationId(), first.createdAt());
        assertThat(first).isEqualTo(eager).hasSameHashCodeAs(eager).hasToString(eager.toString());
        RecordedEvent untouched = store.readStreamForward("lazy-1", 1, 1).get(0);
        try (jakarta.json.bind.Jsonb jsonb = jakarta.json.bind.JsonbBuilder.create()) {
            assertThat(jsonb.toJson(untouched)).isEqualTo(jsonb.toJson(eager)).contains("\"text\":\"a\"")
                    .contains("\"user\":\"u1\"");
        }
    }

    @Test
    void expected_versions_are_enforced() {
        store.appendToStream("ev-1", ExpectedVersion.any(), List.of(EventData.of(new Deposited(1))));
        assertThatThrownBy(() -> store.appendToStream("ev-1", ExpectedVersion.noStream(),
                List.of(EventData.of(new Deposited(2)))))
                .isInstanceOf(StreamExistsException.class).hasMessageContaining("ev-1");
        assertThatThrownBy(() -> store.appendToStream("ev-1", ExpectedVersion.exactly(3),
                List.of(EventData.of(new Deposited(2)))))
                .isInstanceOf(WrongExpectedVersionException.class)
                .hasMessageContaining("ev-1").hasMessageContaining("version 3").hasMessageContaining("actual version 1");
        assertThatThrownBy(() -> store.appendToStream("ev-missing", ExpectedVersion.streamExists(),
                List.of(EventData.of(new Deposited(2)))))
                .isInstanceOf(StreamNotFoundException.class).hasMessageContaining("ev-missing");
        assertThat(store.appendToStream("ev-1", ExpectedVersion.exactly(1), List.of(EventData.of(new Deposited(2))))
                .streamVersion()).isEqualTo(2);
        assertThat(store.appendToStream("ev-1", ExpectedVersion.streamExists(),
                List.of(EventData.of(new Deposited(3)))).streamVersion()).isEqualTo(3);
        assertThat(store.readStreamForward("ev-1", 0, 100)).hasSize(3);
    }

    @Test
    void a_read_in_one_round_trip_tells_an_empty_range_from_a_missing_stream() {
        store.appendToStream("range-1", ExpectedVersion.noStream(), List.of(EventData.of(new Deposited(1)),
                EventData.of(new Deposited(2))));

        assertThat(store.readStreamForward("range-1", 3, 10)).isEmpty();
        assertThat(store.readStreamBackward("range-1", 0, 10)).isEmpty();
        assertThat(store.readStreamForward("range-1", 2, 10)).extracting(RecordedEvent::eventNumber)
                .containsExactly(2L);
        assertThat(store.readStreamBackward("range-1", -1, 10)).extracting(RecordedEvent::eventNumber)
                .containsExactly(2L, 1L);
        assertThatThrownBy(() -> store.readStreamBackward("range-missing", -1, 10))
                .isInstanceOf(StreamNotFoundException.class).hasMessageContaining("range-missing");
        assertThat(store.streamForward("range-1", 1, 1)).extracting(RecordedEvent::eventNumber)
                .containsExactly(1L, 2L);
    }
}
