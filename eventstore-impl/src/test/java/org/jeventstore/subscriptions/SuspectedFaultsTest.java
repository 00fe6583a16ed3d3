package org.jeventstore.subscriptions;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.jeventstore.EventData;
import org.jeventstore.EventStore;
import org.jeventstore.ExpectedVersion;
import org.jeventstore.InvalidRequestException;
import org.jeventstore.RecordedEvent;
import org.jeventstore.StartFrom;
import org.jeventstore.Subscription;
import org.jeventstore.SubscriptionHandler;
import org.jeventstore.SubscriptionOptions;
import org.jeventstore.SubscriptionState;
import org.jeventstore.config.EventStoreSettings;
import org.jeventstore.postgres.PostgresEventStore;
import org.jeventstore.storage.Sql;
import org.jeventstore.storage.TransactionContext;
import org.jeventstore.storage.Transactions;
import org.jeventstore.testkit.KillableDataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.Timeout;
import org.jeventstore.testsupport.Servers;

/**
 * The suspects issue 20 listed, each confirmed by a test that fails without its fix: a holding that fails on the
 * database released its lock with a stage still running; a replay ignored {@code serverConcurrency} and removed
 * parked rows without its epoch; a user's name could collide with a partition row.
 */
@Timeout(120)
class SuspectedFaultsTest {

    @RegisterExtension
    final Servers servers = new Servers();
    ExecutorService executor;

    @BeforeEach
    void open() {
        executor = Executors.newCachedThreadPool();
    }

    @AfterEach
    void close() throws InterruptedException {
        executor.shutdownNow();
    }

    private static List<EventData> events(int n) {
        return java.util.stream.IntStream.range(0, n).mapToObj(i -> EventData.of("suspect", Map.of("i", i))).toList();
    }

    @Test
    void a_holding_that_fails_on_the_database_lets_its_stage_finish_before_another_server_starts_its_key()
            throws Exception {
        servers.start("b0"); // creates the schema
        // server a: its pool can be cut off from the database while its lock session stays up
        KillableDataSource pool = new KillableDataSource(servers.db.dataSource());
        PostgresEventStore a = PostgresEventStore.builder(pool)
                .settings(EventStoreSettings.defaults().withSchema(servers.schema))
                .notifications(servers.db.dataSource(), executor).build();
        try {
            List<String> calls = new CopyOnWriteArrayList<>();
            AtomicInteger running = new AtomicInteger();
            AtomicInteger mostAtOnce = new AtomicInteger();
            CompletableFuture<Void> slowStage = new CompletableFuture<>();
            SubscriptionOptions options = SubscriptionOptions.defaults().startFrom(StartFrom.origin())
                    .retryInterval(Duration.ofMillis(200)).bufferSize(2).checkpoint(1, Duration.ofMillis(50));
            Subscription onA = a.subscribeToStream("failing", "drain", SubscriptionHandler.async((e, t) -> {
                mostAtOnce.accumulateAndGet(running.incrementAndGet(), Math::max);
                calls.add("a:" + e.eventNumber());
                return slowStage.whenComplete((v, f) -> running.decrementAndGet());
            }), options);
            await().atMost(Duration.ofSeconds(10)).until(() -> onA.state() == SubscriptionState.SUBSCRIBED);
            PostgresEventStore b = servers.start("b");
            b.subscribeToStream("failing", "drain", SubscriptionHandler.async((e, t) -> {
                mostAtOnce.accumulateAndGet(running.incrementAndGet(), Math::max);
                calls.add("b:" + e.eventNumber());
                running.decrementAndGet();
                return CompletableFuture.completedFuture(null);
            }), options);

            b.appendToStream("failing", ExpectedVersion.any(), events(1));
            await().atMost(Duration.ofSeconds(10)).until(() -> calls.contains("a:1"));
            pool.kill(); // a's next look at the database fails: its holding ends (FAILED) with the stage running

            // b may take over only once a's stage is done: let it finish a while after the failure
            CompletableFuture.delayedExecutor(2, TimeUnit.SECONDS).execute(() -> slowStage.complete(null));
            await().atMost(Duration.ofSeconds(30)).until(() -> calls.contains("b:1"));
            assertThat(mostAtOnce).as("calls for the key running at once").hasValue(1);
        } finally {
            a.close();
        }
    }

    @Test
    void a_replay_counts_against_server_concurrency_like_any_delivery() throws Exception {
        PostgresEventStore a = servers.start("a");
        AtomicBoolean failing = new AtomicBoolean(true);
        AtomicInteger running = new AtomicInteger();
        AtomicInteger mostAtOnce = new AtomicInteger();
        List<String> handled = new CopyOnWriteArrayList<>();
        SubscriptionOptions options = SubscriptionOptions.defaults().startFrom(StartFrom.origin())
                .concurrency(2, null).serverConcurrency(1).maxAttempts(1, SubscriptionOptions.OnExhausted.PARK)
                .retryInterval(Duration.ofMillis(200)).checkpoint(1, Duration.ofMillis(50));
        org.jeventstore.SubscriptionHandler gated = e -> {
            mostAtOnce.accumulateAndGet(running.incrementAndGet(), Math::max);
            try {
                Thread.sleep(15); // long enough for a replay and a live call to meet, were both let in
                if (failing.get() && e.streamId().startsWith("poison")) {
                    throw new IllegalStateException("poison");
                }
                handled.add(e.streamId() + ":" + e.streamVersion());
            } finally {
                running.decrementAndGet();
            }
        };
        a.subscribeToAll("gated", gated, options); // two subscribers: without the limit, two calls at once
        a.subscribeToAll("gated", gated, options);
        // poison in both partitions (the streams' CRC-32 spreads them), parked
        for (int i = 0; i < 8; i++) {
            a.appendToStream("poison-" + i, ExpectedVersion.any(), events(1));
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> a.operations().subscriptions().stream()
                .filter(s -> s.name().equals("gated")).mapToLong(s -> s.parked()).sum() == 8);
        failing.set(false);
        a.admin().replayParked(EventStore.ALL, "gated");
        for (int i = 0; i < 40; i++) {
            a.appendToStream("live-" + (i % 8), ExpectedVersion.any(), events(1));
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> handled.size() == 48);
        assertThat(mostAtOnce).as("handler calls at once with serverConcurrency 1").hasValue(1);
    }

    @Test
    void a_replayed_row_is_removed_only_by_the_holding_that_replayed_it() {
        PostgresEventStore store = servers.start("a");
        store.appendToStream("parked-once", ExpectedVersion.any(), events(1));
        RecordedEvent event = store.readStreamForward("parked-once", 1, 1).get(0);
        Sql sql = new Sql(store.settings().schema());
        Transactions tx = new Transactions(servers.db.dataSource(), TransactionContext.NONE);
        SubscriptionRows rows = new SubscriptionRows(sql, tx);
        ParkedEvents parked = new ParkedEvents(sql, tx);
        long id = rows.createOrGet("parked-once", "fenced-replay", StartFrom.origin());
        long first = rows.takeOver(id).orElseThrow().epoch();
        parked.park(id, first, event, null, 3, new IllegalStateException("poison"), null);
        rows.saveCheckpoint(id, first, 1); // parked and passed: the row is no longer in doubt
        store.admin().replayParked("parked-once", "fenced-replay");
        long second = rows.takeOver(id).orElseThrow().epoch(); // another server took over during the replay

        assertThat(parked.replayed(id, first, event.eventId())).as("removed by the fenced holding").isFalse();
        assertThat(store.admin().parkedEvents("parked-once", "fenced-replay", 0, 10)).hasSize(1);
        assertThat(parked.replayed(id, second, event.eventId())).isTrue();
        assertThat(store.admin().parkedEvents("parked-once", "fenced-replay", 0, 10)).isEmpty();
    }

    @Test
    void a_name_ending_like_a_partition_row_is_refused_so_deleting_its_family_cannot_delete_it() {
        PostgresEventStore store = servers.start("a");
        assertThatThrownBy(() -> store.subscribeToAll("orders#1/2", e -> { }, SubscriptionOptions.defaults()))
                .isInstanceOf(InvalidRequestException.class)
                .hasMessageContaining("'orders#1/2'").hasMessageContaining("reserve");
        // names with '#' that are not partition rows stay allowed
        Subscription ok = store.subscribeToAll("orders#v2", e -> { }, SubscriptionOptions.defaults());
        assertThat(ok.name()).isEqualTo("orders#v2");
        ok.close();
    }
}
