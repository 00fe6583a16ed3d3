package org.jeventstore.storage;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.jeventstore.EventData;
import org.jeventstore.ExpectedVersion;
import org.jeventstore.RecordedEvent;
import org.jeventstore.SnapshotData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.jeventstore.testsupport.ElixirSchema;
import org.jeventstore.testsupport.FreshSchemas;
import org.jeventstore.testsupport.TestStores;
import org.jeventstore.postgres.PostgresEventStore;

/**
 * Events and snapshots without metadata, in the shape Elixir EventStore 1.4 gives them, so that an Elixir service
 * reading the same store never meets a value its serializer cannot decode (issue 20).
 *
 * <p>What Elixir writes for metadata it was not given (nil): its stream and snapshot code always runs the
 * configured serializer over metadata, nil included. {@code EventStore.JsonSerializer} encodes nil as the JSON
 * text {@code null}, so a bytea column holds the four bytes {@code null}; its reader decodes the bytea of every
 * row's metadata with Jason, which refuses an SQL NULL (nil is no iodata). {@code EventStore.JsonbSerializer}
 * hands nil to Postgrex, which sends it as SQL NULL, and gives a read NULL back as nil.
 */
@Timeout(60)
class ElixirEmptyMetadataTest {

    /** What Elixir's JsonSerializer (Jason) writes for nil: the JSON literal null, as UTF-8. */
    private static final byte[] JSON_NULL = "null".getBytes(StandardCharsets.UTF_8);

    public record Deposited(String account, int amount) {
    }

    /** Only for its pooled DataSource and plain SQL helpers; each test makes a schema of its own. */
    @RegisterExtension
    static final TestStores stores = new TestStores();
    @RegisterExtension
    final FreshSchemas schemas = new FreshSchemas(stores);

    /** A schema as Elixir's init makes it with {@code column_data_type} {@code columnType}, and a store on it. */
    private PostgresEventStore elixirStore(String columnType) {
        String schema = schemas.newName();
        ElixirSchema.create(stores, schema, columnType);
        return PostgresEventStore.builder(stores.dataSource).schema(schema).build();
    }

    @Test
    void in_bytea_an_event_and_a_snapshot_without_metadata_hold_the_bytes_elixirs_json_serializer_writes() {
        PostgresEventStore s = elixirStore("bytea");
        String schema = s.settings().schema().name();
        s.appendToStream("account-1", ExpectedVersion.noStream(), List.of(
                EventData.of(new Deposited("account-1", 5)),
                EventData.of(new Deposited("account-1", 6)).withMetadata(Map.of("by", "java"))));
        s.recordSnapshot(SnapshotData.of("account-1", 2, new Deposited("account-1", 11)));

        List<byte[]> events = bytes("SELECT e.metadata FROM \"" + schema + "\".events e JOIN \"" + schema
                + "\".stream_events se ON se.event_id = e.event_id AND se.stream_id <> 0 ORDER BY se.stream_version");
        assertThat(events.get(0)).isEqualTo(JSON_NULL);
        assertThat(new String(events.get(1), StandardCharsets.UTF_8)).isEqualTo("{\"by\":\"java\"}");
        assertThat(bytes("SELECT metadata FROM \"" + schema + "\".snapshots")).singleElement()
                .isEqualTo(JSON_NULL);

        // and Java reads its own rows back as before: no metadata is empty metadata
        s.linkNow();
        assertThat(s.readStreamForward("account-1", 1, 10)).extracting(RecordedEvent::metadata)
                .containsExactly(Map.of(), Map.of("by", "java"));
        assertThat(s.readAllForward(1, 10)).extracting(RecordedEvent::metadata)
                .containsExactly(Map.of(), Map.of("by", "java"));
        SnapshotData snapshot = s.readSnapshot("account-1").orElseThrow();
        assertThat(snapshot.metadata()).isEmpty();
        assertThat(snapshot.data()).isEqualTo(new Deposited("account-1", 11));
    }

    @Test
    void in_bytea_rows_elixir_wrote_without_metadata_and_sql_null_rows_of_earlier_versions_read_as_empty_metadata() {
        PostgresEventStore s = elixirStore("bytea");
        String schema = s.settings().schema().name();
        UUID nilMetadata = UUID.randomUUID();
        UUID emptyMap = UUID.randomUUID();
        UUID sqlNull = UUID.randomUUID();
        // JsonSerializer's bytes for nil metadata and for %{}; and SQL NULL, which jeventstore wrote until now
        ElixirSchema.append(stores, schema, "elixir-1", nilMetadata, "Elixir.Bank.Opened",
                "convert_to('{\"owner\":\"ada\"}', 'UTF8')", "'\\x6e756c6c'::bytea");
        ElixirSchema.append(stores, schema, "elixir-1", emptyMap, "Elixir.Bank.Opened",
                "convert_to('{\"owner\":\"bob\"}', 'UTF8')", "convert_to('{}', 'UTF8')");
        ElixirSchema.append(stores, schema, "elixir-1", sqlNull, "Elixir.Bank.Opened",
                "convert_to('{\"owner\":\"cy\"}', 'UTF8')", "NULL");
        stores.execute("INSERT INTO \"" + schema + "\".snapshots (source_uuid, source_version, source_type, data,"
                + " metadata) VALUES ('elixir-1', 3, 'Elixir.Bank.State', convert_to('{\"n\":3}', 'UTF8'),"
                + " '\\x6e756c6c'::bytea)");
        stores.execute("INSERT INTO \"" + schema + "\".snapshots (source_uuid, source_version, source_type, data,"
                + " metadata) VALUES ('elixir-2', 1, 'Elixir.Bank.State', convert_to('{\"n\":1}', 'UTF8'), NULL)");

        assertThat(s.readStreamForward("elixir-1", 1, 10)).extracting(RecordedEvent::eventId, RecordedEvent::metadata)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(nilMetadata, Map.of()),
                        org.assertj.core.groups.Tuple.tuple(emptyMap, Map.of()),
                        org.assertj.core.groups.Tuple.tuple(sqlNull, Map.of()));
        assertThat(s.readStreamForward("elixir-1", 1, 10)).extracting(e -> e.data(Map.class).get("owner"))
                .containsExactly("ada", "bob", "cy");
        assertThat(s.streamAllForward(1, 10).map(RecordedEvent::metadata).toList())
                .containsExactly(Map.of(), Map.of(), Map.of());
        assertThat(s.readSnapshot("elixir-1").orElseThrow().metadata()).isEmpty();
        assertThat(s.readSnapshot("elixir-2").orElseThrow().metadata()).isEmpty();
    }

    @Test
    void in_jsonb_missing_metadata_stays_sql_null_as_elixirs_jsonb_serializer_stores_it_and_json_null_reads_empty() {
        PostgresEventStore s = elixirStore("jsonb");
        String schema = s.settings().schema().name();
        s.appendToStream("account-2", ExpectedVersion.noStream(), List.of(EventData.of(new Deposited("account-2", 5))));
        s.recordSnapshot(SnapshotData.of("account-2", 1, new Deposited("account-2", 5)));

        assertThat(stores.longs("SELECT count(*) FROM \"" + schema + "\".events WHERE metadata IS NULL"))
                .containsExactly(1L);
        assertThat(stores.longs("SELECT count(*) FROM \"" + schema + "\".snapshots WHERE metadata IS NULL"))
                .containsExactly(1L);

        // another writer may store the JSON null itself: no metadata either
        UUID jsonNull = UUID.randomUUID();
        ElixirSchema.append(stores, schema, "account-2", jsonNull, "Elixir.Bank.Opened", "'{\"owner\":\"ada\"}'",
                "'null'::jsonb");
        stores.execute("INSERT INTO \"" + schema + "\".snapshots (source_uuid, source_version, source_type, data,"
                + " metadata) VALUES ('elixir-3', 3, 'Elixir.Bank.State', '{\"n\":3}', 'null'::jsonb)");
        assertThat(s.readStreamForward("account-2", 1, 10)).extracting(RecordedEvent::metadata)
                .containsExactly(Map.of(), Map.of());
        assertThat(s.readSnapshot("account-2").orElseThrow().metadata()).isEmpty();
        assertThat(s.readSnapshot("elixir-3").orElseThrow().metadata()).isEmpty();
    }

    @Test
    void an_applications_serializer_is_handed_no_metadata_as_null_never_as_the_json_null_text() {
        String schema = schemas.newName();
        ElixirSchema.create(stores, schema, "bytea");
        PostgresEventStore s = PostgresEventStore.builder(stores.dataSource).schema(schema)
                .serializer(new MapMetadataSerializer()).build();
        // one event as Java now writes it, one as Elixir's JsonSerializer writes nil metadata: both the JSON null
        s.appendToStream("account-3", ExpectedVersion.noStream(), List.of(EventData.of(new Deposited("account-3", 1))));
        ElixirSchema.append(stores, schema, "account-3", UUID.randomUUID(), "Elixir.Bank.Opened",
                "convert_to('{}', 'UTF8')", "convert_to('null', 'UTF8')");

        assertThat(s.readStreamForward("account-3", 1, 10)).extracting(RecordedEvent::metadata)
                .containsExactly(Map.of(), Map.of());
    }

    /**
     * An application's serializer written to the {@code EventSerializer} contract ("empty for null") that reads
     * any other text as a JSON object: given the text {@code null} it would hand out a null map.
     */
    static final class MapMetadataSerializer implements org.jeventstore.serialization.EventSerializer {
        private final org.jeventstore.serialization.JsonbEventSerializer json =
                new org.jeventstore.serialization.JsonbEventSerializer();
        private final jakarta.json.bind.Jsonb jsonb = jakarta.json.bind.JsonbBuilder.create();

        @Override
        public String typeName(Object data) {
            return json.typeName(data);
        }

        @Override
        public String typeNameOf(Class<?> type) {
            return json.typeNameOf(type);
        }

        @Override
        public org.jeventstore.serialization.EventSerializer register(Class<?> type) {
            json.register(type);
            return this;
        }

        @Override
        public <T> T bind(Object data, Class<T> type) {
            return json.bind(data, type);
        }

        @Override
        public String toJson(Object value) {
            return json.toJson(value);
        }

        @Override
        public Object fromJson(String typeName, String text) {
            return json.fromJson(typeName, text);
        }

        @Override
        @SuppressWarnings("unchecked")
        public Map<String, Object> metadataFromJson(String text) {
            return text == null ? Map.of() : jsonb.fromJson(text, Map.class);
        }
    }

    /** The first column of every row, as the bytes stored (bytea), in the query's order. */
    private static List<byte[]> bytes(String sql) {
        try (Connection c = stores.dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql);
             ResultSet rs = ps.executeQuery()) {
            List<byte[]> values = new ArrayList<>();
            while (rs.next()) {
                values.add(rs.getBytes(1));
            }
            return values;
        } catch (SQLException e) {
            throw new IllegalStateException(sql + ": " + e.getMessage(), e);
        }
    }
}
