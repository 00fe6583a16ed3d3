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
import org.jeventstore.testsupport.ElixirSchema;
import org.jeventstore.testsupport.AllRowLock;
import org.jeventstore.testsupport.Servers;
import org.jeventstore.testsupport.TestExecutor;
import org.jeventstore.testsupport.TestStores;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;

/**
 * What listeners on the store's channel receive, in exactly the payloads Elixir EventStore's listeners parse
 * ({@code stream_uuid,stream_id,first,last}; {@code $all,0,first,last}): from an append that takes its {@code $all}
 * positions itself, from the linker pass that links a deferred one, from an Elixir writer's append; and that
 * another store instance hears an append well within its safety poll. Real PostgreSQL, real LISTEN/NOTIFY (issue
 * 24: checked before and after trying to move the NOTIFY out of the appending transactions, which was dropped).
 */
@Timeout(60)
class NotificationPayloadTest {

    @RegisterExtension
    static final TestStores stores = new TestStores();

    @RegisterExtension
    final Servers servers = new Servers();
    @RegisterExtension
    final TestExecutor executor = TestExecutor.cached();

    Connection listen;

    @BeforeEach
    void listen() throws SQLException {
        listen = stores.server.dataSource().getConnection();
        try (Statement st = listen.createStatement()) {
            st.execute("LISTEN \"" + stores.schema + ".events\"");
        }
    }

    @AfterEach
    void stop() throws Exception {
        listen.close();
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

    @Test
    void an_append_that_takes_its_all_positions_itself_notifies_its_stream_and_all_as_elixir_parses_them()
            throws Exception {
        try (PostgresEventStore store = PostgresEventStore.builder(stores.dataSource).schema(stores.schema)
                .linkInBackground(executor).build()) {
            AppendResult result = store.appendToStream("inline", ExpectedVersion.noStream(), events(2, "i"));
            assertThat(result.firstPosition()).isPositive();

            List<String> payloads = new ArrayList<>();
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                payloads.addAll(received());
                assertThat(payloads).containsExactlyInAnyOrder("inline," + streamRowId("inline") + ",1,2",
                        "$all,0," + result.firstPosition() + "," + result.lastPosition());
            });
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
    void an_elixir_writers_append_notifies_through_the_trigger() throws Exception {
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
}
