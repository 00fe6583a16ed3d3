package org.jeventstore.postgres;

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
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(60)
class SchemaTest {

    public record Marker(int n) {
    }

    /** Only for its pooled DataSource and plain SQL helpers; each test uses schemas of its own. */
    static TestStores stores;
    final List<PostgresEventStore> made = new ArrayList<>();

    @BeforeAll
    static void open() {
        stores = new TestStores();
    }

    @AfterAll
    static void close() {
        stores.close();
    }

    @AfterEach
    void dropSchemas() {
        for (PostgresEventStore s : made) {
            s.schema().drop();
        }
    }

    private PostgresEventStore unmigrated(String schema) {
        PostgresEventStore s = PostgresEventStore.builder(stores.dataSource)
                .settings(EventStoreSettings.defaults().withSchema(schema).withAutoMigrate(false))
                .build();
        made.add(s);
        return s;
    }

    private static long count(String schema, String table) {
        return stores.longs("SELECT count(*) FROM \"" + schema + "\"." + table).get(0);
    }

    @Test
    void a_missing_schema_is_reported_missing_and_migrate_creates_it() {
        String schema = TestStores.newSchemaName();
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
        String schema = TestStores.newSchemaName();
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
                String schema = TestStores.newSchemaName();
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
                made.add(PostgresEventStore.builder(stores.dataSource)
                        .settings(EventStoreSettings.defaults().withSchema(schema).withAutoMigrate(false)).build());

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
        String schema = TestStores.newSchemaName();
        stores.execute("CREATE SCHEMA \"" + schema + "\"");
        PostgresEventStore s = unmigrated(schema);

        assertThat(s.schema().status()).isEqualTo(Status.MISSING);
        s.schema().migrate();

        assertThat(s.schema().status()).isEqualTo(Status.CURRENT);
    }

    @Test
    void a_schema_of_another_version_is_reported_and_not_migrated_over() {
        String schema = TestStores.newSchemaName();
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
    void a_schema_made_by_elixir_eventstore_gets_our_additions_and_keeps_its_events() {
        String schema = TestStores.newSchemaName();
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
    void reset_empties_the_store_and_restarts_positions() {
        String schema = TestStores.newSchemaName();
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
        String schema = TestStores.newSchemaName();
        PostgresEventStore s = unmigrated(schema);
        s.schema().migrate();

        s.schema().drop();

        assertThat(s.schema().status()).isEqualTo(Status.MISSING);
        assertThat(stores.longs("SELECT count(*) FROM pg_namespace WHERE nspname = '" + schema + "'"))
                .containsExactly(0L);
    }
}
