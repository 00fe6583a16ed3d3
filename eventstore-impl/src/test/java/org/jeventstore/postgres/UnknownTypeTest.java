package org.jeventstore.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.jeventstore.EventData;
import org.jeventstore.ExpectedVersion;
import org.jeventstore.RecordedEvent;
import org.jeventstore.SnapshotData;
import org.junit.jupiter.api.Test;

/** Events written by another service (or by a class this server no longer has) are read as JSON values. */
class UnknownTypeTest extends StoreTest {

    /** A class whose constructor refuses what another writer stored under its name. */
    public record Strict(String name) {
        public Strict {
            if (name == null) {
                throw new IllegalArgumentException("name is required");
            }
        }
    }


    /** Appends one event as another writer would: plain SQL on the tables, under the same locks. */
    private static UUID writeRaw(String stream, String type, String dataJson, String metadataJson) throws Exception {
        UUID id = UUID.randomUUID();
        try (Connection c = stores.dataSource.getConnection()) {
            c.setAutoCommit(false);
            long streamId;
            long version;
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + stores.table("streams")
                    + " AS s (stream_uuid, stream_version) VALUES (?, 1) ON CONFLICT (stream_uuid) DO UPDATE"
                    + " SET stream_version = s.stream_version + 1 RETURNING stream_id, stream_version")) {
                ps.setString(1, stream);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    streamId = rs.getLong(1);
                    version = rs.getLong(2);
                }
            }
            long position;
            try (PreparedStatement ps = c.prepareStatement("UPDATE " + stores.table("streams")
                    + " SET stream_version = stream_version + 1 WHERE stream_id = 0 RETURNING stream_version");
                 ResultSet rs = ps.executeQuery()) {
                rs.next();
                position = rs.getLong(1);
            }
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + stores.table("events")
                    + " (event_id, event_type, data, metadata) VALUES (?, ?, ?::jsonb, ?::jsonb)")) {
                ps.setObject(1, id);
                ps.setString(2, type);
                ps.setString(3, dataJson);
                ps.setString(4, metadataJson);
                ps.executeUpdate();
            }
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + stores.table("stream_events")
                    + " (event_id, stream_id, stream_version, original_stream_id, original_stream_version)"
                    + " VALUES (?, ?, ?, ?, ?), (?, 0, ?, ?, ?)")) {
                ps.setObject(1, id);
                ps.setLong(2, streamId);
                ps.setLong(3, version);
                ps.setLong(4, streamId);
                ps.setLong(5, version);
                ps.setObject(6, id);
                ps.setLong(7, position);
                ps.setLong(8, streamId);
                ps.setLong(9, version);
                ps.executeUpdate();
            }
            c.commit();
        }
        return id;
    }

    @Test
    void an_event_written_by_an_elixir_service_reads_as_a_json_value() throws Exception {
        UUID id = writeRaw("elixir-account", "Elixir.Bank.Events.Deposited",
                "{\"amount\": 5, \"tags\": [\"a\", \"b\"], \"account\": {\"owner\": \"ada\", \"open\": true}}",
                "{\"user\": \"u1\"}");

        RecordedEvent event = store.readStreamForward("elixir-account", 1, 1).get(0);

        assertThat(event.eventId()).isEqualTo(id);
        assertThat(event.eventType()).isEqualTo("Elixir.Bank.Events.Deposited");
        @SuppressWarnings("unchecked")
        Map<String, Object> data = event.data(Map.class);
        assertThat(data).containsKeys("amount", "tags", "account");
        assertThat(new BigDecimal(data.get("amount").toString())).isEqualByComparingTo("5");
        assertThat(data.get("tags")).isEqualTo(List.of("a", "b"));
        assertThat(data.get("account")).isEqualTo(Map.of("owner", "ada", "open", true));
        assertThat(event.metadata()).containsEntry("user", "u1");
        assertThat(store.readAllBackward(-1, 1).get(0).eventId()).isEqualTo(id);
    }

    @Test
    void an_event_type_without_a_java_class_appended_here_reads_back_as_a_map() {
        store.appendToStream("typed-by-name", ExpectedVersion.any(),
                List.of(EventData.of("com.example.gone.OrderPlaced", Map.of("order", "o-1", "lines", 3))));

        RecordedEvent event = store.readStreamForward("typed-by-name", 1, 1).get(0);

        assertThat(event.eventType()).isEqualTo("com.example.gone.OrderPlaced");
        assertThat(event.data()).isInstanceOf(Map.class);
        assertThat(((Map<?, ?>) event.data()).get("order")).isEqualTo("o-1");
    }

    @Test
    void json_scalars_arrays_and_nulls_of_unknown_types_read_without_error() throws Exception {
        writeRaw("elixir-values", "Elixir.Counter.Ticked", "42", null);
        writeRaw("elixir-values", "Elixir.Text", "\"plain\"", "{}");
        writeRaw("elixir-values", "Elixir.List", "[1, 2, 3]", "null");
        writeRaw("elixir-values", "Elixir.Nothing", "null", "[\"not\", \"an object\"]");

        List<RecordedEvent> events = store.readStreamForward("elixir-values", 1, 10);

        assertThat(events).hasSize(4);
        assertThat(new BigDecimal(events.get(0).data().toString())).isEqualByComparingTo("42");
        assertThat(events.get(1).data()).isEqualTo("plain");
        assertThat(events.get(2).data()).isInstanceOf(List.class);
        assertThat(events.get(3).data()).isNull();
        assertThat(events.get(0).metadata()).isEmpty();
        assertThat(events.get(1).metadata()).isEmpty();
        assertThat(events.get(2).metadata()).isEmpty();
        assertThat(events.get(3).metadata()).containsOnlyKeys("value");
    }

    @Test
    void stored_json_that_no_longer_fits_its_java_class_reads_as_a_json_value() throws Exception {
        writeRaw("misfit", Strict.class.getName(), "{\"renamed\": \"x\"}", null);
        writeRaw("misfit", Integer.class.getName(), "{\"not\": \"a number\"}", null);
        writeRaw("misfit", Strict.class.getName(), "{\"name\": \"fits\"}", null);

        // a server that has the class registered (stored type names bind to no other class)
        PostgresEventStore knowing = PostgresEventStore.builder(stores.dataSource)
                .settings(org.jeventstore.config.EventStoreSettings.defaults().withSchema(stores.schema))
                .serializer(new org.jeventstore.serialization.JsonbEventSerializer().register(Strict.class))
                .build();
        List<RecordedEvent> events = knowing.readStreamForward("misfit", 1, 10);

        assertThat(events.get(0).data()).isEqualTo(Map.of("renamed", "x"));
        assertThat(events.get(1).data()).isEqualTo(Map.of("not", "a number"));
        assertThat(events.get(2).data()).isEqualTo(new Strict("fits"));
        // and one that does not have it registered reads even the fitting one as a JSON value
        assertThat(store.readStreamForward("misfit", 3, 1).get(0).data()).isEqualTo(Map.of("name", "fits"));
    }

    @Test
    void a_snapshot_of_an_unknown_type_reads_as_a_json_value() {
        store.recordSnapshot(new SnapshotData("agg-1", 7, "Elixir.Bank.Account", Map.of("balance", 10), Map.of(), null));

        SnapshotData snapshot = store.readSnapshot("agg-1").orElseThrow();

        assertThat(snapshot.sourceType()).isEqualTo("Elixir.Bank.Account");
        assertThat(snapshot.data()).isInstanceOf(Map.class);
        assertThat(new BigDecimal(((Map<?, ?>) snapshot.data()).get("balance").toString())).isEqualByComparingTo("10");
    }
}
