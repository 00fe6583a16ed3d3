package org.jeventstore.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Consumer;
import org.jeventstore.AppendResult;
import org.jeventstore.ConfigurationException;
import org.jeventstore.DeleteMode;
import org.jeventstore.EventData;
import org.jeventstore.ExpectedVersion;
import org.jeventstore.InvalidRequestException;
import org.jeventstore.RecordedEvent;
import org.jeventstore.SerializationException;
import org.jeventstore.SnapshotData;
import org.jeventstore.StreamExistsException;
import org.jeventstore.StreamNotFoundException;
import org.jeventstore.WrongExpectedVersionException;
import org.jeventstore.config.EventStoreSettings;
import org.jeventstore.serialization.EventSerializer;
import org.jeventstore.serialization.JsonbEventSerializer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.jeventstore.testsupport.TestStores;

class BadInputTest {

    public record Fine(String text) {
    }

    /** JSON-B reads its property through the getter, which throws. */
    public static final class Unserializable {
        public String getValue() {
            throw new IllegalStateException("getter refuses");
        }
    }

    /** Refers to itself: JSON has no way to write it. */
    public static final class Cyclic {
        public Cyclic getSelf() {
            return this;
        }
    }

    @RegisterExtension
    static final TestStores stores = new TestStores();
    static final PostgresEventStore store = stores.store;
    long head;
    long events;
    long rows;

    @BeforeAll
    static void open() {
        store.appendToStream("existing", ExpectedVersion.any(), List.of(EventData.of(new Fine("a")),
                EventData.of(new Fine("b"))));
    }

    @BeforeEach
    void remember() {
        head = store.streamInfo("$all").version();
        events = stores.count("events");
        rows = stores.count("stream_events");
    }

    private void assertNothingWritten() {
        assertThat(store.streamInfo("$all").version()).as("$all head").isEqualTo(head);
        assertThat(stores.count("events")).as("events").isEqualTo(events);
        assertThat(stores.count("stream_events")).as("stream_events rows").isEqualTo(rows);
        assertThat(store.streamInfo("existing").version()).isEqualTo(2);
    }

    private static List<EventData> fine() {
        return List.of(EventData.of(new Fine("x")));
    }

    private static void assertEveryOperationRefuses(String streamId, String expectedMessagePart) {
        List<Consumer<String>> operations = List.of(
                s -> store.appendToStream(s, ExpectedVersion.any(), fine()),
                s -> store.linkToStream(s, ExpectedVersion.any(), List.of(UUID.randomUUID())),
                s -> store.readStreamForward(s, 1, 10),
                s -> store.readStreamBackward(s, -1, 10),
                s -> store.streamForward(s, 1, 10),
                s -> store.streamBackward(s, -1, 10),
                s -> store.streamInfo(s),
                s -> store.deleteStream(s, ExpectedVersion.any(), DeleteMode.SOFT));
        for (int i = 0; i < operations.size(); i++) {
            Consumer<String> op = operations.get(i);
            assertThatThrownBy(() -> op.accept(streamId)).as("operation %d with stream id %s", i, streamId)
                    .isInstanceOf(InvalidRequestException.class).hasMessageContaining(expectedMessagePart);
        }
    }

    @Test
    void a_null_or_blank_stream_id_is_refused_by_every_operation() {
        assertEveryOperationRefuses(null, "stream id");
        assertEveryOperationRefuses("", "stream id");
        assertEveryOperationRefuses("  \t", "stream id");
        assertNothingWritten();
    }

    @Test
    void all_cannot_be_appended_or_linked_to() {
        assertThatThrownBy(() -> store.appendToStream("$all", ExpectedVersion.any(), fine()))
                .isInstanceOf(InvalidRequestException.class).hasMessageContaining("$all");
        UUID existing = store.readStreamForward("existing", 1, 1).get(0).eventId();
        assertThatThrownBy(() -> store.linkToStream("$all", ExpectedVersion.any(), List.of(existing)))
                .isInstanceOf(InvalidRequestException.class).hasMessageContaining("$all");
        assertNothingWritten();
    }

    @Test
    void a_null_expected_version_is_refused() {
        assertThatThrownBy(() -> store.appendToStream("new-1", null, fine()))
                .isInstanceOf(InvalidRequestException.class).hasMessageContaining("expected version");
        assertThatThrownBy(() -> store.deleteStream("existing", null, DeleteMode.SOFT))
                .isInstanceOf(InvalidRequestException.class).hasMessageContaining("expected version");
        assertNothingWritten();
    }

    @Test
    void a_null_events_list_is_refused() {
        assertThatThrownBy(() -> store.appendToStream("new-2", ExpectedVersion.any(), null))
                .isInstanceOf(InvalidRequestException.class).hasMessageContaining("events").hasMessageContaining("null")
                .hasMessageContaining("new-2");
        assertThatThrownBy(() -> store.linkToStream("new-2", ExpectedVersion.any(), null))
                .isInstanceOf(InvalidRequestException.class).hasMessageContaining("event ids").hasMessageContaining("null");
        assertNothingWritten();
    }

    @Test
    void a_null_element_is_refused_and_nothing_is_written() {
        List<EventData> withNull = new ArrayList<>(fine());
        withNull.add(null);
        assertThatThrownBy(() -> store.appendToStream("new-3", ExpectedVersion.any(), withNull))
                .isInstanceOf(InvalidRequestException.class).hasMessageContaining("event 1").hasMessageContaining("null")
                .hasMessageContaining("new-3");
        assertThatThrownBy(() -> store.linkToStream("new-3", ExpectedVersion.any(), Arrays.asList(UUID.randomUUID(), null)))
                .isInstanceOf(InvalidRequestException.class).hasMessageContaining("1").hasMessageContaining("null");
        assertThatThrownBy(() -> store.streamInfo("new-3")).isInstanceOf(StreamNotFoundException.class);
        assertNothingWritten();
    }

    @Test
    void an_empty_append_is_a_no_op_that_still_checks_the_expected_version() {
        AppendResult result = store.appendToStream("existing", ExpectedVersion.exactly(2), List.of());
        assertThat(result).isEqualTo(new AppendResult(2, 0, 0));
        assertThat(store.appendToStream("existing", ExpectedVersion.any(), List.of()).streamVersion()).isEqualTo(2);
        assertThat(store.appendToStream("existing", ExpectedVersion.streamExists(), List.of()).streamVersion())
                .isEqualTo(2);
        assertThat(store.appendToStream("empty-new", ExpectedVersion.noStream(), List.of()).streamVersion()).isZero();
        assertThat(store.appendToStream("empty-new", ExpectedVersion.any(), List.of()).streamVersion()).isZero();

        assertThatThrownBy(() -> store.appendToStream("existing", ExpectedVersion.exactly(1), List.of()))
                .isInstanceOf(WrongExpectedVersionException.class).hasMessageContaining("actual version 2");
        assertThatThrownBy(() -> store.appendToStream("existing", ExpectedVersion.noStream(), List.of()))
                .isInstanceOf(StreamExistsException.class);
        assertThatThrownBy(() -> store.appendToStream("empty-new", ExpectedVersion.streamExists(), List.of()))
                .isInstanceOf(StreamNotFoundException.class);
        assertThatThrownBy(() -> store.appendToStream("empty-new", ExpectedVersion.exactly(1), List.of()))
                .isInstanceOf(WrongExpectedVersionException.class).hasMessageContaining("actual version 0");

        // No stream is created by an empty append.
        assertThatThrownBy(() -> store.streamInfo("empty-new")).isInstanceOf(StreamNotFoundException.class);
        assertNothingWritten();
    }

    @Test
    void exactly_zero_on_an_existing_stream_is_a_wrong_expected_version_as_in_elixir() {
        for (List<EventData> batch : List.of(fine(), List.<EventData>of())) {
            Throwable refused = org.assertj.core.api.Assertions.catchThrowable(
                    () -> store.appendToStream("existing", ExpectedVersion.exactly(0), batch));
            assertThat(refused).as("append of %d events", batch.size())
                    .isInstanceOf(WrongExpectedVersionException.class).isNotInstanceOf(StreamExistsException.class)
                    .hasMessageContaining("existing").hasMessageContaining("actual version 2");
            assertThat(((WrongExpectedVersionException) refused).actualVersion()).isEqualTo(2);
        }
        UUID existing = store.readStreamForward("existing", 1, 1).get(0).eventId();
        assertThatThrownBy(() -> store.linkToStream("existing", ExpectedVersion.exactly(0), List.of(existing)))
                .isInstanceOf(WrongExpectedVersionException.class);
        assertThatThrownBy(() -> store.deleteStream("existing", ExpectedVersion.exactly(0), DeleteMode.SOFT))
                .isInstanceOf(WrongExpectedVersionException.class);
        // noStream() keeps its own exception
        assertThatThrownBy(() -> store.appendToStream("existing", ExpectedVersion.noStream(), fine()))
                .isInstanceOf(StreamExistsException.class);
        assertNothingWritten();
    }

    @Test
    void exactly_zero_creates_a_new_stream() {
        AppendResult created = store.appendToStream("new-zero", ExpectedVersion.exactly(0), fine());

        assertThat(created.streamVersion()).isEqualTo(1);
        assertThat(store.readStreamForward("new-zero", 1, 10)).hasSize(1);
        assertThatThrownBy(() -> store.appendToStream("new-zero", ExpectedVersion.exactly(0), fine()))
                .isInstanceOf(WrongExpectedVersionException.class).hasMessageContaining("actual version 1");
    }

    @Test
    void data_json_b_cannot_serialize_is_a_serialization_error_and_nothing_is_written() {
        List<EventData> batch = List.of(EventData.of(new Fine("ok")), EventData.of(new Unserializable()));

        assertThatThrownBy(() -> store.appendToStream("new-4", ExpectedVersion.any(), batch))
                .isInstanceOf(SerializationException.class).hasMessageContaining(Unserializable.class.getName());
        assertThatThrownBy(() -> store.appendToStream("existing", ExpectedVersion.exactly(2),
                List.of(EventData.of(new Fine("ok")).withMetadata(Map.of("bad", new Unserializable())))))
                .isInstanceOf(SerializationException.class);
        assertThatThrownBy(() -> store.recordSnapshot(SnapshotData.of("snap-bad", 1, new Unserializable())))
                .isInstanceOf(SerializationException.class);
        assertThatThrownBy(() -> store.appendToStream("new-4", ExpectedVersion.any(), List.of(EventData.of(new Cyclic()))))
                .isInstanceOf(SerializationException.class).hasMessageContaining(Cyclic.class.getName());

        assertThatThrownBy(() -> store.streamInfo("new-4")).isInstanceOf(StreamNotFoundException.class);
        assertThat(store.readSnapshot("snap-bad")).isEmpty();
        assertNothingWritten();
    }

    @Test
    void text_postgresql_cannot_store_in_jsonb_is_a_serialization_error_and_nothing_is_written() {
        assertThatThrownBy(() -> store.appendToStream("new-5", ExpectedVersion.any(),
                List.of(EventData.of(new Fine("nul \u0000 inside")))))
                .isInstanceOf(SerializationException.class).hasMessageContaining("new-5");
        assertThatThrownBy(() -> store.recordSnapshot(SnapshotData.of("snap-nul", 1, new Fine("\u0000"))))
                .isInstanceOf(SerializationException.class).hasMessageContaining("snap-nul");
        assertThatThrownBy(() -> store.streamInfo("new-5")).isInstanceOf(StreamNotFoundException.class);
        assertThat(store.readSnapshot("snap-nul")).isEmpty();
        assertNothingWritten();
    }

    @Test
    void a_serializer_that_writes_invalid_json_gets_a_serialization_error_and_nothing_is_written() {
        JsonbEventSerializer real = new JsonbEventSerializer();
        EventSerializer broken = new EventSerializer() {
            @Override
            public String typeName(Object data) {
                return real.typeName(data);
            }

            @Override
            public String typeNameOf(Class<?> type) {
                return real.typeNameOf(type);
            }

            @Override
            public EventSerializer register(Class<?> type) {
                real.register(type);
                return this;
            }

            @Override
            public <T> T bind(Object data, Class<T> type) {
                return real.bind(data, type);
            }

            @Override
            public String toJson(Object value) {
                return "{not json";
            }

            @Override
            public Object fromJson(String typeName, String json) {
                return real.fromJson(typeName, json);
            }

            @Override
            public Map<String, Object> metadataFromJson(String json) {
                return real.metadataFromJson(json);
            }
        };
        PostgresEventStore withBroken = PostgresEventStore.builder(stores.dataSource).schema(stores.schema)
                .serializer(broken).build();

        assertThatThrownBy(() -> withBroken.appendToStream("new-6", ExpectedVersion.any(), fine()))
                .isInstanceOf(SerializationException.class).hasMessageContaining("new-6");
        assertThatThrownBy(() -> withBroken.recordSnapshot(SnapshotData.of("snap-broken", 1, new Fine("x"))))
                .isInstanceOf(SerializationException.class);
        assertThatThrownBy(() -> store.streamInfo("new-6")).isInstanceOf(StreamNotFoundException.class);
        assertNothingWritten();
    }

    @Test
    void a_json_b_failure_of_an_applications_serializer_reaches_the_caller_as_a_serialization_exception() {
        JsonbEventSerializer real = new JsonbEventSerializer();
        // a serializer on JSON-B that lets its exceptions through, as an application's own may
        EventSerializer leaky = new EventSerializer() {
            @Override
            public String typeName(Object data) {
                return real.typeName(data);
            }

            @Override
            public String typeNameOf(Class<?> type) {
                return real.typeNameOf(type);
            }

            @Override
            public EventSerializer register(Class<?> type) {
                real.register(type);
                return this;
            }

            @Override
            public <T> T bind(Object data, Class<T> type) {
                return real.bind(data, type);
            }

            @Override
            public String toJson(Object value) {
                if (value instanceof Map) {
                    return real.toJson(value);
                }
                throw new jakarta.json.bind.JsonbException("no adapter for " + value.getClass().getName());
            }

            @Override
            public Object fromJson(String typeName, String json) {
                throw new jakarta.json.bind.JsonbException("cannot map '" + typeName + "'");
            }

            @Override
            public Map<String, Object> metadataFromJson(String json) {
                throw new jakarta.json.bind.JsonbException("cannot map metadata");
            }
        };
        PostgresEventStore withLeaky = PostgresEventStore.builder(stores.dataSource).schema(stores.schema)
                .serializer(leaky).build();

        assertThatThrownBy(() -> withLeaky.appendToStream("new-7", ExpectedVersion.any(), fine()))
                .isInstanceOf(SerializationException.class).hasMessageContaining(Fine.class.getName());
        assertThatThrownBy(() -> withLeaky.recordSnapshot(SnapshotData.of("snap-leaky", 1, new Fine("x"))))
                .isInstanceOf(SerializationException.class);
        assertThatThrownBy(() -> withLeaky.readStreamForward("existing", 1, 10))
                .isInstanceOf(SerializationException.class).hasMessageContaining("existing")
                .hasMessageContaining(Fine.class.getName());
        assertThatThrownBy(() -> withLeaky.streamAllForward(0, 10).toList())
                .isInstanceOf(SerializationException.class);
        store.recordSnapshot(SnapshotData.of("snap-readable", 1, new Fine("x")));
        assertThatThrownBy(() -> withLeaky.readSnapshot("snap-readable"))
                .isInstanceOf(SerializationException.class).hasMessageContaining("snap-readable");
        store.deleteSnapshot("snap-readable");
        assertThatThrownBy(() -> store.streamInfo("new-7")).isInstanceOf(StreamNotFoundException.class);
        assertNothingWritten();
    }

    @Test
    void a_schema_name_whose_notification_channel_would_pass_63_bytes_is_refused_when_configured() {
        String longest = "s".repeat(56); // "<56>.events" is 63 bytes
        assertThat(EventStoreSettings.defaults().withSchema(longest).schema().channel()).hasSize(63);

        String tooLong = "s".repeat(57);
        assertThatThrownBy(() -> PostgresEventStore.builder(stores.dataSource).schema(tooLong))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("'" + tooLong + "'")
                .hasMessageContaining("63").hasMessageContaining("eventstore.schema")
                .hasMessageContaining(tooLong + ".events");
    }

    @Test
    void negative_counts_and_starts_are_refused() {
        assertThatThrownBy(() -> store.readStreamForward("existing", 1, -1))
                .isInstanceOf(InvalidRequestException.class).hasMessageContaining("count").hasMessageContaining("-1");
        assertThatThrownBy(() -> store.readStreamForward("existing", -1, 10))
                .isInstanceOf(InvalidRequestException.class).hasMessageContaining("start");
        assertThatThrownBy(() -> store.readStreamBackward("existing", -2, 10))
                .isInstanceOf(InvalidRequestException.class).hasMessageContaining("start");
        assertThatThrownBy(() -> store.readStreamBackward("existing", -1, -5))
                .isInstanceOf(InvalidRequestException.class).hasMessageContaining("count");
        assertThatThrownBy(() -> store.readAllForward(-3, 10)).isInstanceOf(InvalidRequestException.class);
        assertThatThrownBy(() -> store.readAllBackward(-1, -1)).isInstanceOf(InvalidRequestException.class);
        assertThatThrownBy(() -> store.streamForward("existing", -1, 10)).isInstanceOf(InvalidRequestException.class);
        assertThatThrownBy(() -> store.streamAllForward(0, -1)).isInstanceOf(InvalidRequestException.class);
        assertThatThrownBy(() -> store.streamAllBackward(-2, 10)).isInstanceOf(InvalidRequestException.class);
        // Zero is allowed: an empty read.
        assertThat(store.readStreamForward("existing", 1, 0)).isEmpty();
        assertThat(store.readStreamForward("existing", 0, 10)).extracting(RecordedEvent::eventNumber)
                .containsExactly(1L, 2L);
    }

    @Test
    void other_null_arguments_are_refused_with_a_clear_exception() {
        assertThatThrownBy(() -> store.deleteStream("existing", ExpectedVersion.any(), null))
                .isInstanceOf(InvalidRequestException.class).hasMessageContaining("delete mode");
        assertThatThrownBy(() -> store.paginateStreams(null))
                .isInstanceOf(InvalidRequestException.class).hasMessageContaining("query");
        assertThatThrownBy(() -> store.recordSnapshot(null))
                .isInstanceOf(InvalidRequestException.class).hasMessageContaining("snapshot");
        assertThatThrownBy(() -> store.readSnapshot(" "))
                .isInstanceOf(InvalidRequestException.class).hasMessageContaining("source id");
        assertThatThrownBy(() -> store.deleteSnapshot(null))
                .isInstanceOf(InvalidRequestException.class).hasMessageContaining("source id");
        assertThat(store.streamInfo("existing").deleted()).isFalse();
        assertNothingWritten();
    }

    @Test
    void an_invalid_schema_name_is_a_configuration_error_naming_it() {
        for (String bad : List.of("bad-name; drop", "Upper", "1starts_with_digit", "", "x".repeat(64), "pg_reserved")) {
            assertThatThrownBy(() -> PostgresEventStore.builder(stores.dataSource).schema(bad))
                    .as("schema name '%s'", bad)
                    .isInstanceOf(ConfigurationException.class).hasMessageContaining("'" + bad + "'");
        }
        assertThatThrownBy(() -> EventStoreSettings.defaults().withSchema(null))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("schema");
        assertThatThrownBy(() -> PostgresEventStore.builder(null)).isInstanceOf(ConfigurationException.class);
    }

    @Test
    void odd_but_valid_stream_ids_round_trip() {
        for (String id : List.of("with,commas,1,2", "quote ' and \" and ;", "ünïcødé ✓", "$all2", " padded ")) {
            store.appendToStream(id, ExpectedVersion.noStream(), List.of(EventData.of(new Fine(id))));
            RecordedEvent read = store.readStreamForward(id, 1, 1).get(0);
            assertThat(read.streamId()).isEqualTo(id);
            assertThat(read.data(Fine.class).text()).isEqualTo(id);
            assertThat(store.streamInfo(id).streamId()).isEqualTo(id);
        }
    }
}
