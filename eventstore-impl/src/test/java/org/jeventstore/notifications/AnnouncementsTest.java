package org.jeventstore.notifications;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.jeventstore.testsupport.Events.events;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.jeventstore.AppendResult;
import org.jeventstore.EventStore;
import org.jeventstore.EventsAppended;
import org.jeventstore.ExpectedVersion;
import org.jeventstore.RecordedEvent;
import org.jeventstore.Subscription;
import org.jeventstore.SubscriptionOptions;
import org.jeventstore.SubscriptionState;
import org.jeventstore.postgres.PostgresEventStore;
import org.jeventstore.storage.ElixirSchema;
import org.jeventstore.storage.SchemaManager;
import org.jeventstore.storage.TransactionContext;
import org.jeventstore.testsupport.AllRowLock;
import org.jeventstore.testsupport.Servers;
import org.jeventstore.testsupport.TestStores;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;

/**
 * Appends announce themselves after their commit, from the store's notifier, never in their own transaction
 * (issue 24, lever 9), in exactly the payloads the streams trigger sends and Elixir's listeners parse; Elixir's
 * own appends still notify through the trigger. Real PostgreSQL, real LISTEN/NOTIFY.
 */
@Timeout(60)
class AnnouncementsTest {

    static TestStores stores;

    @RegisterExtension
    final Servers servers = new Servers();

    ExecutorService executor;
    Connection listen;

    @BeforeAll
    static void open() {
        stores = new TestStores();
    }

    @AfterAll
    static void close() {
        stores.close();
    }

    @BeforeEach
    void listen() throws SQLException {
        executor = Executors.newCachedThreadPool();
        listen = stores.server.dataSource().getConnection();
        try (Statement st = listen.createStatement()) {
            st.execute("LISTEN \"" + stores.schema + ".events\"");
        }
    }

    @AfterEach
    void stop() throws Exception {
        listen.close();
        executor.shutdownNow();
        assertThat(executor.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
    }

    /** What the listening connection has received so far (waits up to 100 ms for some). */
    private List<String> received() throws SQLException {
        List<String> payloads = new ArrayList<>();
        PGNotification[] got = listen.unwrap(PGConnection.class).getNotifications(100);
        if (got != null) {
            for (PGNotification n : got) {
                payloads.add(n.getParameter());
            }
        }
        return payloads;
    }

    /** Nothing at all arrives on the channel for {@code quiet}. */
    private void assertNothingAnnouncedFor(Duration quiet) {
        List<String> seen = new ArrayList<>();
        await().during(quiet).atMost(quiet.multipliedBy(3)).until(() -> {
            seen.addAll(received());
            return seen.isEmpty();
        });
    }

    private long streamRowId(String stream) {
        return stores.longs("SELECT stream_id FROM " + stores.table("streams") + " WHERE stream_uuid = '" + stream
                + "'").get(0);
    }

    /** A container transaction stand-in: the test's connections autocommit; commit() runs what waits for it. */
    static final class ContainerTransaction implements TransactionContext {
        private final List<Runnable> afterCommit = new CopyOnWriteArrayList<>();
        private volatile boolean active = true;

        @Override
        public boolean active() {
            return active;
        }

        @Override
        public void afterCommit(Runnable action) {
            afterCommit.add(action);
        }

        void commit() {
            active = false;
            afterCommit.forEach(Runnable::run);
        }
    }

    @Test
    void an_append_notifies_nothing_in_its_transaction_and_is_announced_after_its_commit_as_the_trigger_would()
            throws Exception {
        ContainerTransaction container = new ContainerTransaction();
        try (PostgresEventStore store = PostgresEventStore.builder(stores.dataSource).schema(stores.schema)
                .transactionContext(container).linkInBackground(executor).build()) {
            AppendResult result = store.appendToStream("quiet", ExpectedVersion.noStream(), events(2, "q"));
            assertThat(result.firstPosition()).isPositive(); // it took its $all positions in its own statement
            // its statement has committed (autocommit), and nothing was announced with it
            assertNothingAnnouncedFor(Duration.ofMillis(500));

            container.commit();

            List<String> payloads = new ArrayList<>();
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                payloads.addAll(received());
                assertThat(payloads).containsExactlyInAnyOrder("quiet," + streamRowId("quiet") + ",1,2",
                        "$all,0," + result.firstPosition() + "," + result.lastPosition());
            });
        }
    }

    @Test
    void a_link_is_announced_after_its_commit_with_the_targets_new_range() throws Exception {
        ContainerTransaction container = new ContainerTransaction();
        try (PostgresEventStore store = PostgresEventStore.builder(stores.dataSource).schema(stores.schema)
                .transactionContext(container).linkInBackground(executor).build()) {
            store.appendToStream("source", ExpectedVersion.noStream(), events(3, "s"));
            List<UUID> ids = store.readStreamForward("source", 1, 3).stream().map(RecordedEvent::eventId).toList();
            container.commit();
            List<String> before = new ArrayList<>();
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                before.addAll(received());
                assertThat(before).anyMatch(p -> p.startsWith("source,"));
            });

            ContainerTransaction second = new ContainerTransaction();
            try (PostgresEventStore linking = PostgresEventStore.builder(stores.dataSource).schema(stores.schema)
                    .transactionContext(second).linkInBackground(executor).build()) {
                linking.linkToStream("target", ExpectedVersion.noStream(), ids);
                assertNothingAnnouncedFor(Duration.ofMillis(500));
                second.commit();
                List<String> payloads = new ArrayList<>();
                await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                    payloads.addAll(received());
                    assertThat(payloads).containsExactly("target," + streamRowId("target") + ",1,3");
                });
            }
        }
    }

    @Test
    void a_deferred_append_is_announced_by_the_pass_that_links_it_with_its_stream_and_all_ranges() throws Exception {
        try (PostgresEventStore store = PostgresEventStore.builder(stores.dataSource).schema(stores.schema)
                .linkInBackground(executor).build()) {
            AllRowLock lock = new AllRowLock(stores);
            Future<AppendResult> append;
            try {
                append = executor.submit(() -> store.appendToStream("deferred", ExpectedVersion.noStream(),
                        events(3, "d")));
                await().atMost(Duration.ofSeconds(10)).until(() -> stores.count("jes_unlinked") >= 1);
                // committed without $all positions and not announced: its stream is announced once linked
                assertNothingAnnouncedFor(Duration.ofMillis(300));
            } finally {
                lock.close();
            }
            AppendResult result = append.get(10, TimeUnit.SECONDS);
            List<String> payloads = new ArrayList<>();
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                payloads.addAll(received());
                assertThat(payloads).containsExactlyInAnyOrder("deferred," + streamRowId("deferred") + ",1,3",
                        "$all,0," + result.firstPosition() + "," + result.lastPosition());
            });
        }
    }

    @Test
    void an_elixir_writers_append_still_notifies_through_the_trigger() throws Exception {
        UUID id = UUID.randomUUID();
        long allBefore = stores.store.streamInfo(EventStore.ALL).version();

        ElixirSchema.append(stores, stores.schema, "from-elixir", id, "Elixir.Shop.Ordered", "'{\"a\": 1}'", "NULL");

        List<String> payloads = new ArrayList<>();
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            payloads.addAll(received());
            assertThat(payloads).containsExactlyInAnyOrder("from-elixir," + streamRowId("from-elixir") + ",1,1",
                    "$all,0," + (allBefore + 1) + "," + (allBefore + 1));
        });
    }

    @Test
    void a_listener_on_another_store_instance_hears_an_append_well_within_the_safety_poll() {
        PostgresEventStore a = servers.start("a");
        PostgresEventStore b = servers.start("b");
        List<EventsAppended> heard = new CopyOnWriteArrayList<>();
        b.listener().addConsumer(heard::add);
        List<RecordedEvent> delivered = new CopyOnWriteArrayList<>();
        // a safety poll of a minute: only the announcement can bring the event in time
        Subscription subscription = b.subscribeToStream("elsewhere", "announced", delivered::add,
                SubscriptionOptions.defaults().safetyPoll(Duration.ofMinutes(1)));
        await().atMost(Duration.ofSeconds(10)).until(() -> b.listener().connected());
        await().atMost(Duration.ofSeconds(10)).until(() -> subscription.state() == SubscriptionState.SUBSCRIBED);

        AppendResult result = a.appendToStream("elsewhere", ExpectedVersion.noStream(), events(2, "e"));

        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
            assertThat(heard).contains(new EventsAppended("elsewhere", 1, 2));
            assertThat(heard).anyMatch(e -> e.streamId().equals(EventStore.ALL)
                    && e.toVersion() >= result.lastPosition());
            assertThat(delivered).extracting(RecordedEvent::eventNumber).containsExactly(1L, 2L);
        });
    }

    @Test
    void a_schema_whose_trigger_predates_the_notifier_is_outdated_and_migrating_replaces_the_function() {
        String schema = TestStores.newSchemaName();
        try (PostgresEventStore store = PostgresEventStore.builder(stores.dataSource).schema(schema).build()) {
            String q = '"' + schema + '"';
            // what an earlier jeventstore created: 'on' silenced deferred appends' streams, nothing knew 'all'
            stores.execute("CREATE OR REPLACE FUNCTION " + q + ".notify_events() RETURNS trigger AS $$"
                    + " DECLARE first_version bigint; BEGIN"
                    + " IF NEW.stream_id <> 0 AND coalesce(current_setting('jeventstore.defer_notify', true), '')"
                    + " = 'on' THEN RETURN NULL; END IF;"
                    + " IF TG_OP = 'UPDATE' THEN first_version := OLD.stream_version + 1; ELSE first_version := 1;"
                    + " END IF; PERFORM pg_notify(TG_TABLE_SCHEMA || '.events', NEW.stream_uuid || ',' ||"
                    + " NEW.stream_id || ',' || first_version || ',' || NEW.stream_version); RETURN NULL; END;"
                    + " $$ LANGUAGE plpgsql");
            assertThat(store.schema().status()).isEqualTo(SchemaManager.Status.OUTDATED);

            store.schema().migrate();

            assertThat(store.schema().status()).isEqualTo(SchemaManager.Status.CURRENT);
            store.schema().drop();
        }
    }
}
