package org.jeventstore.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.jeventstore.EventData;
import org.jeventstore.ExpectedVersion;
import org.jeventstore.StorageException;
import org.jeventstore.config.EventStoreSettings;
import org.jeventstore.storage.SchemaManager.Status;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.jeventstore.testsupport.ElixirSchema;
import org.jeventstore.testsupport.FreshSchemas;
import org.jeventstore.testsupport.TestStores;
import org.jeventstore.postgres.PostgresEventStore;

@Timeout(60)
class SchemaTest {

    public record Marker(int n) {
    }

    /** Only for its pooled DataSource and plain SQL helpers; each test uses schemas of its own. */
    @RegisterExtension
    static final TestStores stores = new TestStores();
    @RegisterExtension
    final FreshSchemas schemas = new FreshSchemas(stores);

    private PostgresEventStore unmigrated(String schema) {
        return PostgresEventStore.builder(stores.dataSource)
                .settings(EventStoreSettings.defaults().withSchema(schema).withAutoMigrate(false))
                .build();
    }

    private static long count(String schema, String table) {
        return stores.longs("SELECT count(*) FROM \"" + schema + "\"." + table).get(0);
    }

    @Test
    void a_missing_schema_is_reported_missing_and_migrate_creates_it() {
        String schema = schemas.newName();
        PostgresEventStore s = unmigrated(schema);

        assertThat(s.schema().status()).isEqualTo(Status.MISSING);
        s.schema().migrate();

        assertThat(s.schema().status()).isEqualTo(Status.CURRENT);
        assertThat(stores.longs("SELECT major_version * 10000 + minor_version * 100 + patch_version FROM \""
                + schema + "\".schema_migrations")).containsExactly(10302L);
        assertThat(s.appendToStream("first", ExpectedVersion.noStream(), List.of(EventData.of(new Marker(1))))
                .firstPosition()).isEqualTo(1);
    }

    @Test
    void migrate_is_idempotent_and_keeps_the_data() {
        String schema = schemas.newName();
        PostgresEventStore s = unmigrated(schema);
        s.schema().migrate();
        s.appendToStream("kept", ExpectedVersion.noStream(), List.of(EventData.of(new Marker(1))));

        s.schema().migrate();
        s.schema().migrate();
        PostgresEventStore again = PostgresEventStore.builder(stores.dataSource).schema(schema).build();

        assertThat(again.schema().status()).isEqualTo(Status.CURRENT);
        assertThat(again.readStreamForward("kept", 1, 10)).hasSize(1);
        assertThat(count(schema, "schema_migrations")).isEqualTo(1);
        assertThat(stores.longs("SELECT count(*) FROM \"" + schema + "\".streams WHERE stream_id = 0"))
                .containsExactly(1L);
    }

    @Test
    void four_concurrent_builds_on_a_fresh_schema_all_succeed() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            warmUp(4);
            // A few rounds, each on a fresh schema, to give a missing lock every chance to show.
            for (int round = 0; round < 3; round++) {
                String schema = schemas.newName();
                CountDownLatch ready = new CountDownLatch(4);
                CountDownLatch go = new CountDownLatch(1);
                List<Future<PostgresEventStore>> builds = new ArrayList<>();
                for (int i = 0; i < 4; i++) {
                    builds.add(pool.submit(() -> {
                        ready.countDown();
                        go.await();
                        return PostgresEventStore.builder(stores.dataSource).schema(schema).build();
                    }));
                }
                assertThat(ready.await(10, TimeUnit.SECONDS)).isTrue();
                go.countDown();
                List<PostgresEventStore> built = new ArrayList<>();
                List<Throwable> failures = new ArrayList<>();
                for (Future<PostgresEventStore> f : builds) {
                    try {
                        built.add(f.get());
                    } catch (ExecutionException e) {
                        failures.add(e.getCause());
                    }
                }
                assertThat(failures).as("round %d", round).isEmpty();
                for (int i = 0; i < built.size(); i++) {
                    built.get(i).appendToStream("shared", ExpectedVersion.any(), List.of(EventData.of(new Marker(i))));
                }
                assertThat(built.get(3).readStreamForward("shared", 1, 10)).hasSize(4);
                assertThat(built.get(0).schema().status()).isEqualTo(Status.CURRENT);
                assertThat(count(schema, "schema_migrations")).isEqualTo(1);
            }
        } finally {
            pool.shutdownNow();
            assertThat(pool.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
        }
    }

    /** Opens {@code n} pooled connections at once, so that racing builds do not wait for connections. */
    private static void warmUp(int n) throws Exception {
        List<java.sql.Connection> connections = new ArrayList<>();
        try {
            for (int i = 0; i < n; i++) {
                connections.add(stores.dataSource.getConnection());
            }
        } finally {
            for (java.sql.Connection c : connections) {
                c.close();
            }
        }
    }

    @Test
    void an_existing_empty_schema_is_missing_and_migrate_fills_it() {
        String schema = schemas.newName();
        stores.execute("CREATE SCHEMA \"" + schema + "\"");
        PostgresEventStore s = unmigrated(schema);

        assertThat(s.schema().status()).isEqualTo(Status.MISSING);
        s.schema().migrate();

        assertThat(s.schema().status()).isEqualTo(Status.CURRENT);
    }

    @Test
    void a_schema_of_another_version_is_reported_and_not_migrated_over() {
        String schema = schemas.newName();
        PostgresEventStore s = unmigrated(schema);
        s.schema().migrate();
        stores.execute("INSERT INTO \"" + schema + "\".schema_migrations VALUES (1, 4, 0)");

        assertThat(s.schema().status()).isEqualTo(Status.NEWER);
        assertThatThrownBy(() -> s.schema().migrate())
                .isInstanceOf(StorageException.class).hasMessageContaining("1.4.0").hasMessageContaining("1.3.2");

        stores.execute("DELETE FROM \"" + schema + "\".schema_migrations");
        stores.execute("INSERT INTO \"" + schema + "\".schema_migrations VALUES (1, 2, 0)");
        assertThat(s.schema().status()).isEqualTo(Status.OUTDATED);
        assertThatThrownBy(() -> PostgresEventStore.builder(stores.dataSource).schema(schema).build())
                .isInstanceOf(StorageException.class).hasMessageContaining("1.2.0");
    }

    @Test
    void a_new_schema_has_no_stream_keys_on_stream_events_and_an_elixir_schema_keeps_all_its_keys() {
        String ours = schemas.newName();
        PostgresEventStore s = unmigrated(ours);
        s.schema().migrate();
        s.appendToStream("k", ExpectedVersion.noStream(), List.of(EventData.of(new Marker(1))));
        assertThat(foreignKeys(ours)).containsExactly("stream_events_event_id_fkey");

        String elixirs = schemas.newName();
        unmigrated(elixirs);
        ElixirSchema.create(stores, elixirs, "jsonb");
        PostgresEventStore e = PostgresEventStore.builder(stores.dataSource).schema(elixirs).build();
        e.schema().migrate();
        e.appendToStream("k", ExpectedVersion.noStream(), List.of(EventData.of(new Marker(1))));
        assertThat(e.readStreamForward("k", 1, 10)).hasSize(1);
        assertThat(foreignKeys(elixirs)).containsExactly("stream_events_event_id_fkey",
                "stream_events_original_stream_id_fkey", "stream_events_stream_id_fkey");
    }

    private static List<String> foreignKeys(String schema) {
        List<String> names = new java.util.ArrayList<>();
        try (java.sql.Connection c = stores.dataSource.getConnection();
             java.sql.PreparedStatement ps = c.prepareStatement("SELECT conname FROM pg_constraint WHERE contype = 'f'"
                     + " AND conrelid = to_regclass(quote_ident(?) || '.stream_events') ORDER BY conname")) {
            ps.setString(1, schema);
            try (java.sql.ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    names.add(rs.getString(1));
                }
            }
        } catch (java.sql.SQLException ex) {
            throw new IllegalStateException(ex);
        }
        return names;
    }

    @Test
    void a_schema_made_by_elixir_eventstore_gets_our_additions_and_keeps_its_events() {
        String schema = schemas.newName();
        PostgresEventStore s = unmigrated(schema);
        s.schema().migrate();
        s.appendToStream("from-elixir", ExpectedVersion.noStream(), List.of(EventData.of(new Marker(1))));
        // Elixir's layout at the same version: no jes_unlinked, and its own notify function
        stores.execute("DROP TABLE \"" + schema + "\".jes_unlinked, \"" + schema + "\".jes_set_aside");

        assertThat(s.schema().status()).isEqualTo(Status.OUTDATED);
        s.schema().migrate();

        assertThat(s.schema().status()).isEqualTo(Status.CURRENT);
        assertThat(count(schema, "jes_unlinked")).isZero();
        assertThat(s.appendToStream("from-java", ExpectedVersion.noStream(), List.of(EventData.of(new Marker(2))))
                .firstPosition()).isEqualTo(2);
        assertThat(s.readAllForward(1, 10)).extracting(e -> e.streamId()).containsExactly("from-elixir", "from-java");
    }

    @Test
    void a_schema_of_an_earlier_jeventstore_gets_the_parked_events_table_and_elixir_can_still_truncate() {
        String schema = schemas.newName();
        PostgresEventStore s = unmigrated(schema);
        s.schema().migrate();
        stores.execute("DROP TABLE \"" + schema + "\".jes_parked"); // made before parking existed

        assertThat(s.schema().status()).isEqualTo(Status.OUTDATED);
        s.schema().migrate();

        assertThat(s.schema().status()).isEqualTo(Status.CURRENT);
        assertThat(count(schema, "jes_parked")).isZero();
        // no foreign key: Elixir's TRUNCATE of its subscriptions table (without CASCADE) still works
        String q = "\"" + schema + "\".";
        stores.execute("INSERT INTO " + q + "subscriptions (stream_uuid, subscription_name) VALUES ('$all', 'x')");
        stores.execute("INSERT INTO " + q + "jes_parked (subscription_id, event_id, event_number, attempts)"
                + " SELECT subscription_id, '7f0c6a4e-3c1b-4f59-9b51-0d1e2f3a4b5c', 1, 3 FROM " + q + "subscriptions");
        stores.execute("TRUNCATE \"" + schema + "\".subscriptions");
        assertThat(count(schema, "subscriptions")).isZero();
    }

    @Test
    void reset_empties_the_store_and_restarts_positions() {
        String schema = schemas.newName();
        PostgresEventStore s = unmigrated(schema);
        s.schema().migrate();
        s.appendToStream("before-reset", ExpectedVersion.any(), List.of(EventData.of(new Marker(1)),
                EventData.of(new Marker(2))));

        s.schema().reset();

        assertThat(s.streamInfo("$all").version()).isZero();
        assertThat(count(schema, "events")).isZero();
        assertThat(s.appendToStream("before-reset", ExpectedVersion.noStream(), List.of(EventData.of(new Marker(3))))
                .firstPosition()).isEqualTo(1);
    }

    @Test
    void drop_removes_the_schema() {
        String schema = schemas.newName();
        PostgresEventStore s = unmigrated(schema);
        s.schema().migrate();

        s.schema().drop();

        assertThat(s.schema().status()).isEqualTo(Status.MISSING);
        assertThat(stores.longs("SELECT count(*) FROM pg_namespace WHERE nspname = '" + schema + "'"))
                .containsExactly(0L);
    }

    // --- Elixir EventStore's table protection, migration lock and column types ---

    /** The protection triggers of a schema: "name table tgtype argument", sorted. */
    private static List<String> protectionTriggers(String schema) {
        List<String> rows = new ArrayList<>();
        try (java.sql.Connection c = stores.dataSource.getConnection();
             java.sql.PreparedStatement ps = c.prepareStatement("SELECT t.tgname || ' ' || c.relname || ' '"
                     + " || t.tgtype || ' ' || p.proname || '(' || encode(t.tgargs, 'escape') || ')'"
                     + " FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_proc p ON p.oid = t.tgfoid"
                     + " WHERE c.relnamespace = ?::regnamespace AND t.tgname LIKE 'no\\_%' ORDER BY 1")) {
            ps.setString(1, '"' + schema + '"');
            try (java.sql.ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    rows.add(rs.getString(1));
                }
            }
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException(e);
        }
        return rows;
    }

    /** Elixir's: statement-level BEFORE triggers (tgtype 10 = DELETE, 18 = UPDATE), message as the argument. */
    static final List<String> ELIXIR_TRIGGERS = List.of(
            "no_delete_events events 10 event_store_delete(Cannot delete events\\000)",
            "no_delete_stream_events stream_events 10 event_store_delete(Cannot delete stream events\\000)",
            "no_delete_streams streams 10 event_store_delete(Cannot delete streams\\000)",
            "no_update_events events 18 event_store_exception(Cannot update events\\000)",
            "no_update_stream_events stream_events 18 event_store_exception(Cannot update stream events\\000)");

    @Test
    void a_new_schema_has_elixirs_statement_level_protection_triggers() {
        String schema = schemas.newName();
        unmigrated(schema).schema().migrate();

        assertThat(protectionTriggers(schema)).containsExactlyElementsOf(ELIXIR_TRIGGERS);
    }

    @Test
    void an_earlier_jeventstores_row_level_triggers_are_replaced_by_elixirs_on_migrate() {
        String schema = schemas.newName();
        PostgresEventStore s = unmigrated(schema);
        s.schema().migrate();
        s.appendToStream("kept", ExpectedVersion.noStream(), List.of(EventData.of(new Marker(1))));
        // what jeventstore created before: row-level triggers, messages made from TG_OP and TG_TABLE_NAME
        String q = '"' + schema + '"';
        stores.execute("CREATE OR REPLACE FUNCTION " + q + ".event_store_delete() RETURNS trigger AS $$ BEGIN"
                + " IF coalesce(current_setting('eventstore.enable_hard_deletes', true), 'off') = 'on' THEN RETURN OLD;"
                + " END IF; RAISE EXCEPTION USING MESSAGE = 'EventStore: Cannot delete ' || TG_TABLE_NAME,"
                + " ERRCODE = 'feature_not_supported'; END; $$ LANGUAGE plpgsql");
        for (String[] t : new String[][] {{"no_delete_streams", "streams"}, {"no_delete_events", "events"},
                {"no_delete_stream_events", "stream_events"}}) {
            stores.execute("DROP TRIGGER " + t[0] + " ON " + q + "." + t[1]);
            stores.execute("CREATE TRIGGER " + t[0] + " BEFORE DELETE ON " + q + "." + t[1]
                    + " FOR EACH ROW EXECUTE PROCEDURE " + q + ".event_store_delete()");
        }
        assertThat(s.schema().status()).isEqualTo(Status.OUTDATED);

        s.schema().migrate();
        s.schema().migrate();

        assertThat(s.schema().status()).isEqualTo(Status.CURRENT);
        assertThat(protectionTriggers(schema)).containsExactlyElementsOf(ELIXIR_TRIGGERS);
        assertThat(s.readStreamForward("kept", 1, 10)).hasSize(1);
        PostgresEventStore hard = PostgresEventStore.builder(stores.dataSource)
                .settings(EventStoreSettings.defaults().withSchema(schema).withHardDeletes(true)).build();
        hard.deleteStream("kept", ExpectedVersion.any(), org.jeventstore.DeleteMode.HARD);
        assertThat(count(schema, "events")).isZero();
    }

    @Test
    void migrate_waits_while_elixirs_migration_lock_is_held() throws Exception {
        String schema = schemas.newName();
        PostgresEventStore s = unmigrated(schema);
        s.schema().migrate();
        stores.execute("DROP TABLE \"" + schema + "\".jes_unlinked"); // something for migrate to do
        long oid = stores.longs("SELECT to_regclass('\"" + schema + "\".subscriptions')::oid::bigint").get(0);
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try (java.sql.Connection elixir = stores.server.connect()) {
            // what `mix event_store.migrate` holds while it migrates
            try (java.sql.PreparedStatement ps = elixir.prepareStatement("SELECT pg_advisory_lock(?, -1)")) {
                ps.setInt(1, (int) oid);
                ps.executeQuery().close();
            }
            Future<?> migrating = pool.submit(() -> s.schema().migrate());

            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(20)).until(() -> stores.longs(
                    "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted AND objsubid = 2"
                    + " AND classid::bigint = " + ((int) oid & 0xffffffffL) + " AND objid::bigint = 4294967295")
                    .get(0) == 1);
            assertThat(migrating).isNotDone();
            assertThat(s.schema().status()).isEqualTo(Status.OUTDATED);

            try (java.sql.PreparedStatement ps = elixir.prepareStatement("SELECT pg_advisory_unlock(?, -1)")) {
                ps.setInt(1, (int) oid);
                ps.executeQuery().close();
            }
            migrating.get(20, TimeUnit.SECONDS);
        } finally {
            pool.shutdownNow();
        }
        assertThat(s.schema().status()).isEqualTo(Status.CURRENT);
    }

    public record Deposited(String account, int amount) {
    }

    /** JSON text as an SQL expression of a bytea column holding it, as Elixir's JsonSerializer stores it. */
    private static String utf8(String json) {
        return "convert_to('" + json.replace("'", "''") + "', 'UTF8')";
    }

    @Test
    void a_bytea_schema_of_elixirs_json_serializer_is_shared_for_appends_reads_snapshots_and_metadata() {
        String schema = schemas.newName();
        unmigrated(schema);
        ElixirSchema.create(stores, schema, "bytea");
        java.util.UUID fromElixir = java.util.UUID.randomUUID();
        ElixirSchema.append(stores, schema, "account-1", fromElixir, "Elixir.Bank.Opened",
                utf8("{\"owner\":\"José\",\"limit\":100}"), utf8("{\"user\":\"ü1\"}"));

        PostgresEventStore s = PostgresEventStore.builder(stores.dataSource).schema(schema).build();

        assertThat(s.schema().status()).isEqualTo(Status.CURRENT);
        var elixirs = s.readStreamForward("account-1", 1, 10);
        assertThat(elixirs).hasSize(1);
        java.util.Map<?, ?> opened = elixirs.get(0).data(java.util.Map.class);
        assertThat(opened.get("owner")).isEqualTo("José");
        assertThat(new java.math.BigDecimal(opened.get("limit").toString())).isEqualByComparingTo("100");
        assertThat(elixirs.get(0).metadata()).containsEntry("user", "ü1");

        var appended = s.appendToStream("account-1", ExpectedVersion.exactly(1), List.of(
                EventData.of(new Deposited("account-1", 5)).withMetadata(java.util.Map.of("by", "java ✓"))));
        assertThat(appended.streamVersion()).isEqualTo(2);
        s.linkNow();
        var read = s.readStreamForward("account-1", 2, 1).get(0);
        assertThat(read.data()).isEqualTo(new Deposited("account-1", 5));
        assertThat(read.metadata()).containsEntry("by", "java ✓");
        assertThat(s.readAllForward(1, 10)).extracting(e -> e.eventId())
                .containsExactly(fromElixir, read.eventId());
        // stored as Elixir's JsonSerializer would read it: UTF-8 JSON bytes
        assertThat(stores.longs("SELECT (convert_from(data, 'UTF8')::jsonb ->> 'amount')::bigint FROM \"" + schema
                + "\".events WHERE event_id = '" + read.eventId() + "'")).containsExactly(5L);
        assertThat(stores.longs("SELECT count(*) FROM \"" + schema + "\".events WHERE event_id = '"
                + read.eventId() + "' AND convert_from(metadata, 'UTF8')::jsonb ->> 'by' = 'java ✓'"))
                .containsExactly(1L);

        s.recordSnapshot(new org.jeventstore.SnapshotData("account-1", 2, null, new Deposited("account-1", 105),
                java.util.Map.of("at", "v2"), null));
        var snapshot = s.readSnapshot("account-1").orElseThrow();
        assertThat(snapshot.data()).isEqualTo(new Deposited("account-1", 105));
        assertThat(snapshot.metadata().get("at")).isEqualTo("v2");
        assertThat(stores.longs("SELECT (convert_from(data, 'UTF8')::jsonb ->> 'amount')::bigint FROM \"" + schema
                + "\".snapshots")).containsExactly(105L);
    }

    @Test
    void a_store_set_to_bytea_creates_elixirs_default_column_type_and_an_existing_schema_keeps_its_own() {
        String schema = schemas.newName();
        PostgresEventStore s = PostgresEventStore.builder(stores.dataSource).schema(schema)
                .columnType(org.jeventstore.DataFormat.BYTEA).build();
        assertThat(columnTypes(schema)).containsExactly("bytea", "bytea", "bytea", "bytea");

        s.appendToStream("account-2", ExpectedVersion.noStream(), List.of(
                EventData.of(new Deposited("account-2", 7)).withMetadata(java.util.Map.of("by", "jüri \uFFFD"))));
        var read = s.readStreamForward("account-2", 1, 1).get(0);
        assertThat(read.data()).isEqualTo(new Deposited("account-2", 7));
        // a stored U+FFFD is text, not a sign of broken bytes (those fail the read: the test below)
        assertThat(read.metadata()).containsEntry("by", "jüri \uFFFD");
        s.linkNow();
        assertThat(s.readAllForward(1, 10)).extracting(e -> e.eventId()).containsExactly(read.eventId());
        // as Elixir's JsonSerializer reads it: UTF-8 JSON bytes
        assertThat(stores.longs("SELECT (convert_from(data, 'UTF8')::jsonb ->> 'amount')::bigint FROM \"" + schema
                + "\".events")).containsExactly(7L);
        s.recordSnapshot(new org.jeventstore.SnapshotData("account-2", 1, null, new Deposited("account-2", 7),
                java.util.Map.of(), null));
        assertThat(s.readSnapshot("account-2").orElseThrow().data()).isEqualTo(new Deposited("account-2", 7));

        // the setting only shapes a schema it creates: a jsonb schema stays jsonb and is served as such
        String other = schemas.newName();
        PostgresEventStore jsonb = PostgresEventStore.builder(stores.dataSource).schema(other).build();
        jsonb.appendToStream("s", ExpectedVersion.any(), List.of(EventData.of(new Deposited("s", 1))));
        PostgresEventStore asBytea = PostgresEventStore.builder(stores.dataSource).schema(other)
                .columnType(org.jeventstore.DataFormat.BYTEA).build();
        assertThat(columnTypes(other)).containsExactly("jsonb", "jsonb", "jsonb", "jsonb");
        asBytea.appendToStream("s", ExpectedVersion.exactly(1), List.of(EventData.of(new Deposited("s", 2))));
        assertThat(asBytea.readStreamForward("s", 1, 10)).extracting(e -> e.data())
                .containsExactly(new Deposited("s", 1), new Deposited("s", 2));
    }

    /** The types of events.data, events.metadata, snapshots.data and snapshots.metadata, in that order. */
    private static List<String> columnTypes(String schema) {
        List<String> types = new ArrayList<>();
        try (var c = stores.dataSource.getConnection();
             var ps = c.prepareStatement("SELECT data_type FROM information_schema.columns WHERE table_schema = ?"
                     + " AND table_name IN ('events', 'snapshots') AND column_name IN ('data', 'metadata')"
                     + " ORDER BY table_name, column_name DESC")) {
            ps.setString(1, schema);
            try (var rs = ps.executeQuery()) {
                while (rs.next()) {
                    types.add(rs.getString(1));
                }
            }
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException(e);
        }
        return types;
    }

    @Test
    void a_bytea_row_that_is_not_utf8_json_reads_as_a_clear_serialization_exception() {
        String schema = schemas.newName();
        unmigrated(schema);
        ElixirSchema.create(stores, schema, "bytea");
        PostgresEventStore s = PostgresEventStore.builder(stores.dataSource).schema(schema).build();
        // written later by an Elixir service on the TermSerializer: the map %{"a" => 1} as an Erlang term
        ElixirSchema.append(stores, schema, "terms", java.util.UUID.randomUUID(), "Elixir.T",
                "'\\x83740000000168016d000000016161'::bytea", "NULL");
        ElixirSchema.append(stores, schema, "latin1", java.util.UUID.randomUUID(), "Elixir.L",
                "'\\x7b2261223a22e9227d'::bytea", "NULL");
        ElixirSchema.append(stores, schema, "bad-metadata", java.util.UUID.randomUUID(), "Elixir.M",
                utf8("{}"), utf8("{not json"));

        assertThatThrownBy(() -> s.readStreamForward("terms", 1, 10))
                .isInstanceOf(org.jeventstore.SerializationException.class)
                .hasMessageContaining("terms").hasMessageContaining(schema).hasMessageContaining("data")
                .hasMessageContaining("TermSerializer").hasMessageContaining("column_data_type");
        assertThatThrownBy(() -> s.readStreamForward("latin1", 1, 10))
                .isInstanceOf(org.jeventstore.SerializationException.class)
                .hasMessageContaining("latin1").hasMessageContaining("not UTF-8 JSON");
        // bytes that are UTF-8 but not JSON fail where the JSON is parsed: at the first ask, naming the event
        var badMetadata = s.readStreamForward("bad-metadata", 1, 10).get(0);
        assertThat(badMetadata.data()).isEqualTo(java.util.Map.of());
        assertThatThrownBy(badMetadata::metadata)
                .isInstanceOf(org.jeventstore.SerializationException.class)
                .hasMessageContaining("bad-metadata").hasMessageContaining(badMetadata.eventId().toString());
        assertThatThrownBy(() -> s.readAllForward(1, 10)).isInstanceOf(org.jeventstore.SerializationException.class);
        assertThatThrownBy(() -> s.streamAllForward(1, 10).toList())
                .isInstanceOf(org.jeventstore.SerializationException.class);
    }

    @Test
    void a_bytea_schema_holding_erlang_terms_is_refused_when_the_store_opens_and_left_untouched() {
        String schema = schemas.newName();
        unmigrated(schema);
        ElixirSchema.create(stores, schema, "bytea");
        ElixirSchema.append(stores, schema, "terms", java.util.UUID.randomUUID(), "Elixir.T",
                "'\\x83740000000168016d000000016161'::bytea", "NULL");

        assertThatThrownBy(() -> PostgresEventStore.builder(stores.dataSource).schema(schema).build())
                .isInstanceOf(org.jeventstore.ConfigurationException.class).hasMessageContaining(schema)
                .hasMessageContaining("events.data").hasMessageContaining("TermSerializer")
                .hasMessageContaining("column_data_type").hasMessageContaining("eventstore.schema");

        assertUntouchedElixirSchema(schema);
        assertThat(unmigrated(schema).schema().status()).isEqualTo(Status.UNSUPPORTED);
    }

    @Test
    void a_schema_with_text_data_columns_is_refused_with_a_clear_message_and_left_untouched() {
        String schema = schemas.newName();
        PostgresEventStore s = unmigrated(schema);
        ElixirSchema.create(stores, schema, "text");

        assertThat(s.schema().status()).isEqualTo(Status.UNSUPPORTED);
        assertThatThrownBy(() -> PostgresEventStore.builder(stores.dataSource).schema(schema).build())
                .isInstanceOf(org.jeventstore.ConfigurationException.class).hasMessageContaining(schema)
                .hasMessageContaining("events.data").hasMessageContaining("text")
                .hasMessageContaining("column_data_type").hasMessageContaining("eventstore.schema");
        assertThatThrownBy(() -> s.schema().migrate()).isInstanceOf(org.jeventstore.ConfigurationException.class);
        // a store that does not migrate refuses at first use, before writing anything
        assertThatThrownBy(() -> s.appendToStream("x", ExpectedVersion.any(), List.of(EventData.of(new Marker(1)))))
                .isInstanceOf(org.jeventstore.ConfigurationException.class).hasMessageContaining("events.data");
        assertThatThrownBy(() -> s.readAllForward(1, 10))
                .isInstanceOf(org.jeventstore.ConfigurationException.class);

        assertUntouchedElixirSchema(schema);
        assertThat(count(schema, "events")).isZero();
    }

    /** Nothing of jeventstore's was added, and Elixir's own objects are as Elixir made them. */
    private static void assertUntouchedElixirSchema(String schema) {
        assertThat(stores.longs("SELECT count(*) FROM pg_class WHERE relname = 'jes_unlinked'"
                + " AND relnamespace = '\"" + schema + "\"'::regnamespace")).containsExactly(0L);
        assertThat(stores.longs("SELECT count(*) FROM pg_proc WHERE proname = 'notify_events'"
                + " AND pronamespace = '\"" + schema + "\"'::regnamespace AND prosrc LIKE '%defer_notify%'"))
                .containsExactly(0L);
        assertThat(protectionTriggers(schema)).containsExactlyElementsOf(ELIXIR_TRIGGERS);
    }
}
