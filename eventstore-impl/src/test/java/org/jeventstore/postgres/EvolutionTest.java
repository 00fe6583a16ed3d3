package org.jeventstore.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import jakarta.json.Json;
import jakarta.json.JsonObject;
import java.math.BigDecimal;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.jeventstore.ConfigurationException;
import org.jeventstore.EventData;
import org.jeventstore.EventType;
import org.jeventstore.EventUpcaster;
import org.jeventstore.ExpectedVersion;
import org.jeventstore.InvalidRequestException;
import org.jeventstore.JsonEvent;
import org.jeventstore.MultiEventUpcaster;
import org.jeventstore.RecordedEvent;
import org.jeventstore.UpcastException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.jeventstore.testsupport.ElixirSchema;
import org.jeventstore.testsupport.FreshSchemas;
import org.jeventstore.testsupport.TestStores;

/**
 * Events written years ago (by an Elixir service under its module name, by an earlier revision of a class, under
 * a name the class no longer has) read as today's class: aliases, the stored revision, and upcasters chained in
 * revision order, run when the data is first asked for (issue 25). And the upcasters that change what a read
 * returns: one event into several, or none.
 */
@Timeout(60)
class EvolutionTest {

    /** Today's class: its fourth shape, under its third name. */
    @EventType(value = "evo-order-placed", aliases = {"OrderCreated", "Elixir.Shop.Events.OrderCreated"},
            revision = 4)
    public record OrderPlaced(String orderId, long totalCents, String currency, String channel) {
    }

    public record StreetChanged(String customer, String street) {
    }

    public record CityChanged(String customer, String city) {
    }

    static final String TYPE = "evo-order-placed";

    /** 1 to 2: Elixir's snake_case key. */
    public static final class RenameOrderId implements EventUpcaster {
        final AtomicInteger calls = new AtomicInteger();

        @Override
        public JsonEvent upcast(JsonEvent event) {
            calls.incrementAndGet();
            JsonObject v1 = event.object();
            return event.next(Json.createObjectBuilder(v1).remove("order_id").add("orderId", v1.get("order_id"))
                    .build());
        }
    }

    /** 2 to 3: a decimal string in euros becomes cents and a currency. */
    public static final class TotalInCents implements EventUpcaster {
        final AtomicInteger calls = new AtomicInteger();

        @Override
        public JsonEvent upcast(JsonEvent event) {
            calls.incrementAndGet();
            JsonObject v2 = event.object();
            long cents = new BigDecimal(v2.getString("total")).movePointRight(2).longValueExact();
            return event.next(Json.createObjectBuilder(v2).remove("total").add("totalCents", cents)
                    .add("currency", "EUR").build());
        }
    }

    /** 3 to 4: orders came only from the web shop before there was a channel. */
    public static final class DefaultChannel implements EventUpcaster {
        final AtomicInteger calls = new AtomicInteger();

        @Override
        public JsonEvent upcast(JsonEvent event) {
            calls.incrementAndGet();
            return event.next(Json.createObjectBuilder(event.object()).add("channel", "web").build());
        }
    }

    @RegisterExtension
    static final TestStores stores = new TestStores();
    @RegisterExtension
    final FreshSchemas schemas = new FreshSchemas(stores);
    final RenameOrderId first = new RenameOrderId();
    final TotalInCents second = new TotalInCents();
    final DefaultChannel third = new DefaultChannel();

    /** A schema as Elixir's init makes it, for {@code columnType} columns. */
    private String elixirSchema(String columnType) {
        String schema = schemas.newName();
        ElixirSchema.create(stores, schema, columnType);
        return schema;
    }

    private PostgresEventStore store(String schema, Consumer<PostgresEventStore.Builder> configure) {
        PostgresEventStore.Builder b = PostgresEventStore.builder(stores.dataSource).schema(schema);
        configure.accept(b);
        return schemas.closeAfter(b.build());
    }

    /** Today's store: the class registered, the three upcasters of its chain. */
    private PostgresEventStore today(String schema) {
        return store(schema, b -> b.eventTypes(OrderPlaced.class).upcaster(TYPE, 1, first).upcaster(TYPE, 2, second)
                .upcaster(TYPE, 3, third));
    }

    /** An event as an Elixir writer of {@code columnType} columns stores it. */
    private static void elixirAppend(String schema, String columnType, String stream, UUID id, String type,
                                     String data, String metadata) {
        String d = columnType.equals("bytea") ? "convert_to('" + data + "', 'UTF8')" : "'" + data + "'::jsonb";
        String m = metadata == null ? (columnType.equals("bytea") ? "'\\x6e756c6c'::bytea" : "NULL")
                : columnType.equals("bytea") ? "convert_to('" + metadata + "', 'UTF8')" : "'" + metadata + "'::jsonb";
        ElixirSchema.append(stores, schema, stream, id, type, d, m);
    }

    @Test
    void events_elixir_and_earlier_revisions_wrote_read_as_todays_class_in_streams_all_and_lazy_reads() {
        for (String columnType : List.of("jsonb", "bytea")) {
            String schema = elixirSchema(columnType);
            UUID elixir = UUID.randomUUID();
            UUID second = UUID.randomUUID();
            // revision 1, as the Elixir service wrote it (nil metadata), under its module name
            elixirAppend(schema, columnType, "order-1", elixir, "Elixir.Shop.Events.OrderCreated",
                    "{\"order_id\": \"o-1\", \"total\": \"12.50\"}", null);
            // revision 2, under the name the Java class had before @EventType, with metadata of its own
            elixirAppend(schema, columnType, "order-1", second, "OrderCreated",
                    "{\"orderId\": \"o-2\", \"total\": \"3.05\"}", "{\"user\": \"ada\", \"jes_revision\": 2}");
            PostgresEventStore store = today(schema);
            store.appendToStream("order-1", ExpectedVersion.exactly(2),
                    List.of(EventData.of(new OrderPlaced("o-3", 99, "CHF", "phone"))));

            List<RecordedEvent> read = store.readStreamForward("order-1", 1, 10);
            List<RecordedEvent> all = store.readAllForward(1, 10);
            List<RecordedEvent> lazy;
            try (var s = store.streamForward("order-1", 1, 2)) {
                lazy = s.toList();
            }
            for (List<RecordedEvent> events : List.of(read, all, lazy)) {
                assertThat(events).extracting(RecordedEvent::data).as(columnType).containsExactly(
                        new OrderPlaced("o-1", 1250, "EUR", "web"), new OrderPlaced("o-2", 305, "EUR", "web"),
                        new OrderPlaced("o-3", 99, "CHF", "phone"));
                assertThat(events).extracting(RecordedEvent::eventType).containsOnly(TYPE);
                assertThat(events).extracting(RecordedEvent::storedType)
                        .containsExactly("Elixir.Shop.Events.OrderCreated", "OrderCreated", TYPE);
                assertThat(events).extracting(RecordedEvent::storedRevision).containsExactly(1, 2, 4);
                assertThat(events).extracting(RecordedEvent::revision).containsOnly(4);
                assertThat(events).extracting(RecordedEvent::evolved).containsExactly(true, true, false);
                // the revision key is the store's: metadata is the event's own
                assertThat(events).extracting(RecordedEvent::metadata)
                        .containsExactly(Map.of(), Map.of("user", "ada"), Map.of());
            }
            // appends write today's name and revision, where Elixir readers see one more metadata key
            assertThat(stores.longs("SELECT count(*) FROM \"" + schema + "\".events WHERE event_type = '" + TYPE
                    + "' AND " + (columnType.equals("bytea") ? "convert_from(metadata, 'UTF8')::jsonb" : "metadata")
                    + " ->> 'jes_revision' = '4'")).containsExactly(1L);
        }
    }

    @Test
    void upcasters_run_when_the_data_or_metadata_is_first_asked_for_and_only_once() {
        String schema = elixirSchema("jsonb");
        elixirAppend(schema, "jsonb", "order-1", UUID.randomUUID(), "OrderCreated",
                "{\"order_id\": \"o-1\", \"total\": \"1.00\"}", "{\"user\": \"ada\"}");
        PostgresEventStore store = today(schema);

        RecordedEvent event = store.readStreamForward("order-1", 1, 1).get(0);
        // what a reader that filters by type or number sees, without any upcaster having run
        assertThat(event.eventType()).isEqualTo(TYPE);
        assertThat(event.revision()).isEqualTo(4);
        assertThat(List.of(first.calls.get(), second.calls.get(), third.calls.get())).containsOnly(0);

        assertThat(event.metadata()).isEqualTo(Map.of("user", "ada"));
        assertThat(event.data()).isEqualTo(new OrderPlaced("o-1", 100, "EUR", "web"));
        assertThat(event.data(OrderPlaced.class).totalCents()).isEqualTo(100);

        assertThat(List.of(first.calls.get(), second.calls.get(), third.calls.get())).containsOnly(1);
    }

    @Test
    void an_upcaster_that_fails_fails_the_data_naming_the_event_its_type_and_revision_and_the_upcaster() {
        String schema = elixirSchema("jsonb");
        UUID id = UUID.randomUUID();
        elixirAppend(schema, "jsonb", "order-1", id, "OrderCreated", "{\"order_id\": \"o-1\", \"total\": \"a lot\"}",
                null);
        PostgresEventStore store = today(schema);

        RecordedEvent event = store.readStreamForward("order-1", 1, 1).get(0); // the read itself succeeds
        assertThatThrownBy(event::data).isInstanceOfSatisfying(UpcastException.class, e -> {
            assertThat(e.eventId()).isEqualTo(id);
            assertThat(e.eventType()).isEqualTo(TYPE);
            assertThat(e.revision()).isEqualTo(2);
            assertThat(e.upcaster()).isEqualTo(TotalInCents.class.getName());
            assertThat(e.getCause()).isInstanceOf(NumberFormatException.class);
        }).hasMessageContaining(id.toString()).hasMessageContaining("stream 'order-1'")
                .hasMessageContaining("stored as type 'OrderCreated' revision 1")
                .hasMessageContaining("upcaster " + TotalInCents.class.getName() + " of type '" + TYPE
                        + "' revision 2");
    }

    @Test
    void a_revision_no_chain_brings_to_the_classs_fails_at_data_instead_of_binding_another_shape() {
        String schema = elixirSchema("jsonb");
        elixirAppend(schema, "jsonb", "order-1", UUID.randomUUID(), "OrderCreated",
                "{\"order_id\": \"o-1\", \"total\": \"1.00\"}", null);
        elixirAppend(schema, "jsonb", "order-1", UUID.randomUUID(), TYPE,
                "{\"orderId\": \"o-2\", \"totalCents\": 5, \"currency\": \"EUR\", \"channel\": \"app\", \"tax\": 1}",
                "{\"jes_revision\": 5}");
        elixirAppend(schema, "jsonb", "order-1", UUID.randomUUID(), TYPE, "{\"orderId\": \"o-3\"}",
                "{\"jes_revision\": \"four\"}");
        // revision 2 to 3 is missing
        PostgresEventStore store = store(schema, b -> b.eventTypes(OrderPlaced.class).upcaster(TYPE, 1, first)
                .upcaster(TYPE, 3, third));

        List<RecordedEvent> events = store.readStreamForward("order-1", 1, 10);
        assertThat(events).extracting(RecordedEvent::revision).containsExactly(2, 5, 0);
        assertThatThrownBy(() -> events.get(0).data()).isInstanceOf(UpcastException.class)
                .hasMessageContaining("read as type '" + TYPE + "' revision 2, but " + OrderPlaced.class.getName()
                        + " reads revision 4, and no upcaster is registered for ('" + TYPE + "', 2)");
        assertThatThrownBy(() -> events.get(1).data()).isInstanceOf(UpcastException.class)
                .hasMessageContaining("revision 5").hasMessageContaining("newer version");
        assertThatThrownBy(() -> events.get(2).data()).hasMessageContaining("jes_revision is not a whole number")
                .hasMessageContaining("\"four\"");
        assertThatThrownBy(() -> events.get(2).metadata()).hasMessageContaining("jes_revision");
    }

    @Test
    void upcasters_that_split_or_drop_events_change_what_reads_return_keeping_the_stored_numbers() {
        String schema = elixirSchema("jsonb");
        PostgresEventStore writer = store(schema, b -> { });
        writer.appendToStream("customer-1", ExpectedVersion.noStream(), List.of(
                EventData.of("evo-session-pinged", Map.of("at", 1)),
                EventData.of("evo-address-changed", Map.of("customer", "c-1", "street", "Main St 1", "city", "Bern")),
                EventData.of("evo-session-pinged", Map.of("at", 2)),
                EventData.of("evo-note", Map.of("text", "hi"))));
        UUID addressId = writer.readStreamForward("customer-1", 2, 1).get(0).eventId();
        MultiEventUpcaster split = e -> List.of(
                e.as("evo-street-changed", 1, Json.createObjectBuilder().add("customer", e.object().get("customer"))
                        .add("street", e.object().get("street")).build()),
                e.as("evo-city-changed", 1, Json.createObjectBuilder().add("customer", e.object().get("customer"))
                        .add("city", e.object().get("city")).build()));
        MultiEventUpcaster retired = e -> List.of();
        PostgresEventStore store = store(schema, b -> b.upcaster("evo-address-changed", 1, split)
                .upcaster("evo-session-pinged", 1, retired));

        List<RecordedEvent> read = store.readStreamForward("customer-1", 1, 10);
        assertThat(read).extracting(RecordedEvent::eventType)
                .containsExactly("evo-street-changed", "evo-city-changed", "evo-note");
        assertThat(read).extracting(RecordedEvent::eventNumber).containsExactly(2L, 2L, 4L);
        assertThat(read).extracting(RecordedEvent::storedType)
                .containsExactly("evo-address-changed", "evo-address-changed", "evo-note");
        assertThat(read.get(0).data()).isEqualTo(Map.of("customer", "c-1", "street", "Main St 1"));
        assertThat(read.get(1).data()).isEqualTo(Map.of("customer", "c-1", "city", "Bern"));
        // the first keeps the stored id; the second's is derived from it, the same at every read
        assertThat(read.get(0).eventId()).isEqualTo(addressId);
        assertThat(read.get(1).eventId()).isNotEqualTo(addressId)
                .isEqualTo(store.readStreamForward("customer-1", 1, 10).get(1).eventId());

        // a page of 1 from the start: the dropped event does not end it, the split one fills it past 1
        assertThat(store.readStreamForward("customer-1", 1, 1)).extracting(RecordedEvent::eventType)
                .containsExactly("evo-street-changed", "evo-city-changed");
        // the page after it starts after the last number and skips the dropped one too
        assertThat(store.readStreamForward("customer-1", 3, 1)).extracting(RecordedEvent::eventType)
                .containsExactly("evo-note");
        assertThat(store.readStreamBackward("customer-1", -1, 10)).extracting(RecordedEvent::eventType)
                .containsExactly("evo-note", "evo-city-changed", "evo-street-changed");
        assertThat(store.readAllForward(1, 10)).extracting(RecordedEvent::eventType)
                .containsExactly("evo-street-changed", "evo-city-changed", "evo-note");
        try (var s = store.streamAllForward(1, 1)) {
            assertThat(s.map(RecordedEvent::eventType))
                    .containsExactly("evo-street-changed", "evo-city-changed", "evo-note");
        }
        try (var s = store.streamBackward("customer-1", -1, 3)) {
            assertThat(s.map(RecordedEvent::eventNumber)).containsExactly(4L, 2L, 2L);
        }
    }

    @Test
    void an_upcaster_may_not_return_another_type_or_revision_nor_loop() {
        String schema = elixirSchema("jsonb");
        PostgresEventStore writer = store(schema, b -> { });
        writer.appendToStream("s-1", ExpectedVersion.noStream(), List.of(
                EventData.of("evo-wrong", Map.of("a", 1)), EventData.of("evo-ping", Map.of("a", 1)),
                EventData.of("evo-self", Map.of("a", 1))));
        EventUpcaster skips = e -> new JsonEvent(e.type(), e.revision() + 2, e.data(), e.metadata());
        MultiEventUpcaster ping = e -> List.of(e.as("evo-pong", 1, e.data()));
        MultiEventUpcaster pong = e -> List.of(e.as("evo-ping", 1, e.data()));
        MultiEventUpcaster self = e -> List.of(e);
        PostgresEventStore store = store(schema, b -> b.upcaster("evo-wrong", 1, skips).upcaster("evo-ping", 1, ping)
                .upcaster("evo-pong", 1, pong).upcaster("evo-self", 1, self));

        assertThatThrownBy(() -> store.readStreamForward("s-1", 1, 1).get(0).data())
                .isInstanceOf(UpcastException.class).hasMessageContaining("returned type 'evo-wrong' revision 3");
        assertThatThrownBy(() -> store.readStreamForward("s-1", 2, 1)).isInstanceOf(UpcastException.class)
                .hasMessageContaining("cycle");
        assertThatThrownBy(() -> store.readStreamForward("s-1", 3, 1)).isInstanceOf(UpcastException.class)
                .hasMessageContaining("its own type and revision");
    }

    @Test
    void two_upcasters_of_one_type_and_revision_or_one_registered_under_an_alias_are_refused_at_build() {
        String schema = elixirSchema("jsonb");
        assertThatThrownBy(() -> store(schema, b -> b.upcaster(TYPE, 1, first).upcaster(TYPE, 1, second)))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("two upcasters for type '" + TYPE
                        + "' revision 1").hasMessageContaining(RenameOrderId.class.getName())
                .hasMessageContaining(TotalInCents.class.getName());
        assertThatThrownBy(() -> store(schema, b -> b.eventTypes(OrderPlaced.class).upcaster("OrderCreated", 1,
                first))).isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("an alias of '" + TYPE + "'");
        assertThatThrownBy(() -> store(schema, b -> b.upcaster(TYPE, 0, first)))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("revision must be >= 1");
    }

    @Test
    void an_append_writes_the_classs_revision_and_refuses_a_revision_that_contradicts_it() {
        String schema = elixirSchema("jsonb");
        PostgresEventStore store = today(schema);
        OrderPlaced order = new OrderPlaced("o-1", 5, "EUR", "web");

        assertThatThrownBy(() -> store.appendToStream("order-1", ExpectedVersion.any(),
                List.of(EventData.of(order).withMetadata(Map.of("jes_revision", 3)))))
                .isInstanceOf(InvalidRequestException.class).hasMessageContaining("jes_revision")
                .hasMessageContaining("revision 4 of " + OrderPlaced.class.getName()).hasMessageContaining("was 3");
        assertThatThrownBy(() -> store.appendToStream("order-1", ExpectedVersion.any(),
                List.of(EventData.of("evo-json", Map.of()).withMetadata(Map.of("jes_revision", "2")))))
                .isInstanceOf(InvalidRequestException.class).hasMessageContaining("whole number");
        // a JSON type whose writer knows its revision (an HTTP client, say) keeps it
        store.appendToStream("order-1", ExpectedVersion.any(), List.of(EventData.of(order),
                EventData.of("evo-json", Map.of("a", 1)).withMetadata(Map.of("jes_revision", 7, "by", "http"))));

        assertThat(store.readStreamForward("order-1", 1, 10)).extracting(RecordedEvent::storedRevision,
                RecordedEvent::metadata).containsExactly(org.assertj.core.groups.Tuple.tuple(4, Map.of()),
                org.assertj.core.groups.Tuple.tuple(7, Map.of("by", "http")));
        assertThat(store.readAllForward(1, 10)).hasSize(2).allMatch(e -> !e.evolved());
    }
}
