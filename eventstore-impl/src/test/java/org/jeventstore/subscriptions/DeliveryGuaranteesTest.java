package org.jeventstore.subscriptions;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.jeventstore.testsupport.Events.events;
import static org.jeventstore.testsupport.Events.range;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.jeventstore.EventStore;
import org.jeventstore.ExpectedVersion;
import org.jeventstore.FencingToken;
import org.jeventstore.RecordedEvent;
import org.jeventstore.Subscription;
import org.jeventstore.SubscriptionHandler;
import org.jeventstore.SubscriptionOptions;
import org.jeventstore.SubscriptionState;
import org.jeventstore.postgres.PostgresEventStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.jeventstore.testsupport.Servers;

/**
 * What the README promises a handler, tested against real servers: the redelivery bound, cluster-wide delete,
 * fencing of a holder that lost its lock session, draining before a graceful hand-over.
 */
@Timeout(120)
class DeliveryGuaranteesTest {

    @RegisterExtension
    final Servers servers = new Servers();
    /** Released at the end of every test, so no handler stays blocked. */
    final CountDownLatch release = new CountDownLatch(1);


    @AfterEach
    void close() throws InterruptedException {
        release.countDown();
    }

    record Delivery(String server, long eventNumber, long checkpointAtStart, long epoch) {
    }

    private static boolean holding(Subscription s) {
        return s.state() == SubscriptionState.CATCHING_UP || s.state() == SubscriptionState.SUBSCRIBED;
    }

    // item 2: the checkpoint threshold is a bound

    @ParameterizedTest
    @ValueSource(ints = {1, 4})
    void no_delivery_starts_while_threshold_acknowledged_events_are_unsaved(int threshold) {
        PostgresEventStore a = servers.start("a");
        a.appendToStream("bound", ExpectedVersion.any(), events(30, "x"));
        List<Delivery> seen = new CopyOnWriteArrayList<>();
        // a long time trigger: only the threshold may save here
        a.subscribeToAll("bound", e -> seen.add(new Delivery("a", e.eventNumber(),
                        servers.checkpoint(EventStore.ALL, "bound"), 0)),
                SubscriptionOptions.defaults().checkpoint(threshold, Duration.ofMinutes(1)));
        await().atMost(Duration.ofSeconds(30)).until(() -> seen.size() >= 30);
        for (Delivery d : seen) {
            // every event before it was acknowledged; at most 2 * threshold - 2 of them may be unsaved
            assertThat(d.checkpointAtStart()).as("saved checkpoint when event %d was delivered", d.eventNumber())
                    .isGreaterThanOrEqualTo(d.eventNumber() - 1 - (2L * threshold - 2));
        }
    }

    @Test
    void with_threshold_1_a_crash_during_a_handler_never_redelivers_an_acknowledged_event() throws Exception {
        PostgresEventStore a = servers.start("a");
        PostgresEventStore b = servers.start("b");
        List<Delivery> seen = new CopyOnWriteArrayList<>();
        CountDownLatch inSecond = new CountDownLatch(1);
        SubscriptionOptions options = SubscriptionOptions.defaults().retryInterval(Duration.ofMillis(100))
                .checkpoint(1, Duration.ofMinutes(1));
        Subscription onA = a.subscribeToAll("crash-bound", e -> {
            seen.add(new Delivery("a", e.eventNumber(), servers.checkpoint(EventStore.ALL, "crash-bound"), 0));
            if (e.eventNumber() == 2) {
                inSecond.countDown();
                release.await(); // a slow handler; the server crashes meanwhile
            }
        }, options);
        await().atMost(Duration.ofSeconds(10)).until(() -> onA.state() == SubscriptionState.SUBSCRIBED);
        Subscription onB = b.subscribeToAll("crash-bound",
                e -> seen.add(new Delivery("b", e.eventNumber(), -1, 0)), options);
        await().atMost(Duration.ofSeconds(10)).until(() -> onB.state() == SubscriptionState.STANDBY);

        b.appendToStream("cb", ExpectedVersion.any(), events(3, "x"));
        assertThat(inSecond.await(30, TimeUnit.SECONDS)).isTrue();
        assertThat(seen.get(1).checkpointAtStart()).as("event 1 saved before event 2 was delivered").isEqualTo(1);

        servers.crash("a");
        await().atMost(Duration.ofSeconds(30))
                .until(() -> seen.stream().filter(d -> d.server().equals("b")).count() >= 2);
        assertThat(seen.stream().filter(d -> d.server().equals("b")).map(Delivery::eventNumber))
                .as("the standby starts after the acknowledged event 1").containsExactly(2L, 3L);
    }

    // item 4: deleteSubscription is cluster-wide

    @Test
    void deleting_a_subscription_stops_it_on_every_server_and_a_recreated_one_runs_on_one_server_only() {
        PostgresEventStore a = servers.start("a");
        PostgresEventStore b = servers.start("b");
        SubscriptionOptions options = SubscriptionOptions.defaults().retryInterval(Duration.ofMillis(200));
        Map<String, List<Delivery>> old = new ConcurrentHashMap<>();
        // "held-by-b": b delivers, a stands by; "held-by-a": a delivers, b stands by
        Subscription heldByB = b.subscribeToAll("held-by-b", log(old, "held-by-b", "b"), options);
        await().atMost(Duration.ofSeconds(10)).until(() -> heldByB.state() == SubscriptionState.SUBSCRIBED);
        Subscription heldByA = a.subscribeToAll("held-by-a", log(old, "held-by-a", "a"), options);
        await().atMost(Duration.ofSeconds(10)).until(() -> heldByA.state() == SubscriptionState.SUBSCRIBED);
        Subscription standbyA = a.subscribeToAll("held-by-b", log(old, "held-by-b", "a"), options);
        Subscription standbyB = b.subscribeToAll("held-by-a", log(old, "held-by-a", "b"), options);
        await().atMost(Duration.ofSeconds(10)).until(() -> standbyA.state() == SubscriptionState.STANDBY
                && standbyB.state() == SubscriptionState.STANDBY);
        a.appendToStream("del", ExpectedVersion.any(), events(5, "before"));
        await().atMost(Duration.ofSeconds(30)).until(() -> old.values().stream().allMatch(l -> l.size() >= 5));

        long deletedAt = System.nanoTime();
        a.deleteSubscription(EventStore.ALL, "held-by-b");
        a.deleteSubscription(EventStore.ALL, "held-by-a");
        // within the retry interval (200 ms) plus a check's round trip; generous for a loaded machine
        await().atMost(Duration.ofSeconds(5)).until(() -> List.of(heldByB, heldByA, standbyA, standbyB).stream()
                .allMatch(s -> s.state() == SubscriptionState.STOPPED));
        assertThat((System.nanoTime() - deletedAt) / 1_000_000).as("ms until every server stopped it")
                .isLessThan(3_000);

        // re-created on both servers: one delivers, from the start
        Map<String, List<Delivery>> fresh = new ConcurrentHashMap<>();
        List<Subscription> again = List.of(
                a.subscribeToAll("held-by-b", log(fresh, "held-by-b", "a"), options),
                b.subscribeToAll("held-by-b", log(fresh, "held-by-b", "b"), options));
        a.appendToStream("del", ExpectedVersion.any(), events(5, "after"));
        await().atMost(Duration.ofSeconds(30)).until(() -> fresh.get("held-by-b").size() >= 10);
        await().atMost(Duration.ofSeconds(10)).until(() -> again.stream().filter(DeliveryGuaranteesTest::holding)
                .count() == 1);
        List<Delivery> log = fresh.get("held-by-b");
        assertThat(log.stream().map(Delivery::eventNumber)).containsExactlyElementsOf(range(1, 10));
        assertThat(log.stream().map(Delivery::server).distinct()).hasSize(1);
        // the deleted instances delivered nothing after the deletion
        assertThat(old.values()).allMatch(l -> l.stream().allMatch(d -> d.eventNumber() <= 5));
    }

    private static SubscriptionHandler log(Map<String, List<Delivery>> logs, String name, String server) {
        List<Delivery> log = logs.computeIfAbsent(name, k -> new CopyOnWriteArrayList<>());
        return e -> log.add(new Delivery(server, e.eventNumber(), -1, 0));
    }

    // item 5: fencing

    /**
     * A stand-in for the handler's own database, fenced as FencingToken recommends: a write carrying a lower
     * epoch than one already written is refused.
     */
    static final class FencedProjection {
        long highestEpoch;
        final Map<Long, String> rows = new ConcurrentHashMap<>();
        final List<String> refused = new CopyOnWriteArrayList<>();

        /** A handler's first step: from now on, writes of earlier holdings are refused. */
        synchronized boolean claim(FencingToken token) {
            if (token.epoch() < highestEpoch) {
                return false;
            }
            highestEpoch = token.epoch();
            return true;
        }

        synchronized void write(RecordedEvent e, FencingToken token, String server) {
            if (!claim(token)) {
                refused.add(server + ":" + e.eventNumber());
                return;
            }
            rows.put(e.eventNumber(), server);
        }
    }

    @Test
    void a_holder_whose_lock_session_dies_during_a_slow_handler_is_fenced_and_cannot_save_over_the_new_holder()
            throws Exception {
        PostgresEventStore a = servers.start("a");
        PostgresEventStore b = servers.start("b");
        List<Delivery> seen = new CopyOnWriteArrayList<>();
        FencedProjection projection = new FencedProjection();
        CountDownLatch aInSecond = new CountDownLatch(1);
        AtomicBoolean bFails = new AtomicBoolean(true);
        SubscriptionOptions options = SubscriptionOptions.defaults().retryInterval(Duration.ofMillis(100))
                .checkpoint(1, Duration.ofMillis(50)).maxRetryBackoff(Duration.ofMillis(200));
        Subscription onA = a.subscribeToAll("fenced", SubscriptionHandler.fenced((e, token) -> {
            seen.add(new Delivery("a", e.eventNumber(), -1, token.epoch()));
            if (e.eventNumber() == 2) {
                aInSecond.countDown();
                release.await(); // slow: its lock session dies meanwhile
            }
            projection.write(e, token, "a");
        }), options);
        await().atMost(Duration.ofSeconds(10)).until(() -> onA.state() == SubscriptionState.SUBSCRIBED);
        Subscription onB = b.subscribeToAll("fenced", SubscriptionHandler.fenced((e, token) -> {
            seen.add(new Delivery("b", e.eventNumber(), -1, token.epoch()));
            projection.claim(token);
            if (bFails.get()) {
                throw new IllegalStateException("the new holder cannot handle event " + e.eventNumber() + " yet");
            }
            projection.write(e, token, "b");
        }), options);
        await().atMost(Duration.ofSeconds(10)).until(() -> onB.state() == SubscriptionState.STANDBY);

        b.appendToStream("f", ExpectedVersion.any(), events(3, "x"));
        assertThat(aInSecond.await(30, TimeUnit.SECONDS)).isTrue();
        await().atMost(Duration.ofSeconds(10)).until(() -> servers.checkpoint(EventStore.ALL, "fenced") == 1);

        servers.terminate("a"); // a's lock session dies while its handler still runs
        await().atMost(Duration.ofSeconds(30)).until(() -> seen.stream().anyMatch(d -> d.server().equals("b")));
        long epochA = seen.get(1).epoch();
        Delivery firstOfB = seen.stream().filter(d -> d.server().equals("b")).findFirst().orElseThrow();
        assertThat(firstOfB.eventNumber()).isEqualTo(2);
        assertThat(firstOfB.epoch()).as("the new holder's epoch").isGreaterThan(epochA);

        release.countDown(); // a's handler returns normally: it acknowledges event 2 after b took over
        await().atMost(Duration.ofSeconds(10)).until(() -> !holding(onA));
        // a's save of 2 was refused: b has not handled 2 yet, and a checkpoint of 2 would skip it for good
        assertThat(servers.checkpoint(EventStore.ALL, "fenced")).isEqualTo(1);
        assertThat(projection.refused).containsExactly("a:2"); // the handler fenced its own write by the token

        bFails.set(false);
        await().atMost(Duration.ofSeconds(30)).until(() -> servers.checkpoint(EventStore.ALL, "fenced") == 3);
        assertThat(projection.rows).containsEntry(1L, "a").containsEntry(2L, "b").containsEntry(3L, "b");
        assertThat(seen.stream().filter(d -> d.server().equals("a")).map(Delivery::eventNumber))
                .as("a delivered nothing after its lock was gone").containsExactly(1L, 2L);
        assertThat(holding(onB)).isTrue();
    }

    @Test
    void closing_a_holder_lets_its_in_flight_events_finish_so_the_next_holder_gets_none_of_them_again()
            throws Exception {
        PostgresEventStore a = servers.start("a");
        PostgresEventStore b = servers.start("b");
        List<Delivery> seen = new CopyOnWriteArrayList<>();
        Set<Long> finishedOnA = ConcurrentHashMap.newKeySet();
        AtomicInteger runningOnA = new AtomicInteger();
        SubscriptionOptions options = SubscriptionOptions.defaults().retryInterval(Duration.ofMillis(100))
                .concurrency(3, RecordedEvent::streamId);
        org.jeventstore.SubscriptionHandler slow = e -> {
            seen.add(new Delivery("a", e.eventNumber(), -1, 0));
            runningOnA.incrementAndGet();
            release.await();
            finishedOnA.add(e.eventNumber());
        };
        // three competing subscribers on a
        List<Subscription> onA = List.of(a.subscribeToAll("drained", slow, options),
                a.subscribeToAll("drained", slow, options), a.subscribeToAll("drained", slow, options));
        await().atMost(Duration.ofSeconds(10)).until(() -> onA.get(0).state() == SubscriptionState.SUBSCRIBED);
        Subscription onB = b.subscribeToAll("drained", e -> seen.add(new Delivery("b", e.eventNumber(), -1, 0)),
                options);
        await().atMost(Duration.ofSeconds(10)).until(() -> onB.state() == SubscriptionState.STANDBY);
        // three streams in three different partitions (a partitioned subscription keeps each stream in order, so
        // only different streams are in flight at once): events 1-2, 3-4 and 5-6
        List<String> streams = new java.util.ArrayList<>();
        Set<Integer> taken = new java.util.HashSet<>();
        for (int i = 0; streams.size() < 3; i++) {
            if (taken.add(PartitionName.placeOf("d-" + i, 3))) {
                streams.add("d-" + i);
            }
        }
        for (String stream : streams) {
            a.appendToStream(stream, ExpectedVersion.any(), events(2, "x"));
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> runningOnA.get() == 3);

        Thread closer = new Thread(() -> onA.forEach(Subscription::close), "closer");
        closer.start();
        await().atMost(Duration.ofSeconds(10)).until(() -> closer.getState() == Thread.State.TIMED_WAITING
                || closer.getState() == Thread.State.TERMINATED);
        release.countDown(); // the three in-flight handlers finish while the holder is closing
        closer.join(TimeUnit.SECONDS.toMillis(40));
        assertThat(closer.isAlive()).isFalse();

        await().atMost(Duration.ofSeconds(10)).until(() -> onB.state() == SubscriptionState.SUBSCRIBED);
        await().atMost(Duration.ofSeconds(20)).until(() -> seen.stream().map(Delivery::eventNumber).distinct().count() == 6);
        List<Long> all = seen.stream().map(Delivery::eventNumber).sorted().toList();
        assertThat(all).as("every event delivered once, across both servers").containsExactlyElementsOf(range(1, 6));
        assertThat(finishedOnA).containsAll(List.of(1L, 3L, 5L));
    }
}
