package org.jeventstore.subscriptions;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;
import static org.jeventstore.testsupport.Events.events;
import static org.jeventstore.testsupport.Events.range;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.jeventstore.EventStore;
import org.jeventstore.ExpectedVersion;
import org.jeventstore.GiveBackException;
import org.jeventstore.ManualSubscriptionHandler;
import org.jeventstore.RecordedEvent;
import org.jeventstore.StartFrom;
import org.jeventstore.Subscription;
import org.jeventstore.SubscriptionExistsException;
import org.jeventstore.SubscriptionHandler;
import org.jeventstore.SubscriptionOptions;
import org.jeventstore.TooManySubscribersException;
import org.jeventstore.postgres.PostgresEventStore;
import org.jeventstore.testsupport.Servers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Competing subscribers as an Elixir EventStore user expects them (issue 22), on one server and real PostgreSQL:
 * events go to whichever subscriber has room, a key stays with one subscriber while it has it in flight, a
 * subscriber that leaves hands its events to the others, the limit refuses one subscriber too many, acknowledgements
 * are cumulative, and the checkpoint settings mean what Elixir's mean. Each test failed before the subscribers were
 * pooled (events went to partition k mod subscribers).
 */
@Timeout(120)
class CompetingSubscribersTest {

    @RegisterExtension
    final Servers servers = new Servers();

    private static SubscriptionOptions limit(int n) {
        return SubscriptionOptions.defaults().startFrom(StartFrom.origin()).concurrency(n, null)
                .retryInterval(Duration.ofMillis(200)).checkpoint(1, Duration.ofMillis(100));
    }

    @Test
    void the_events_of_one_stream_without_a_key_go_to_every_subscriber_with_room() throws Exception {
        PostgresEventStore a = servers.start("a");
        a.appendToStream("one-stream", ExpectedVersion.any(), events(8, "x"));
        CountDownLatch threeAtOnce = new CountDownLatch(3);
        Map<String, Set<Long>> bySubscriber = new ConcurrentHashMap<>();
        List<Subscription> subscribers = new ArrayList<>();
        for (String name : List.of("s1", "s2", "s3")) {
            subscribers.add(a.subscribeToAll("spread", e -> {
                bySubscriber.computeIfAbsent(name, k -> ConcurrentHashMap.newKeySet()).add(e.eventNumber());
                threeAtOnce.countDown();
                threeAtOnce.await(10, TimeUnit.SECONDS); // held until three calls run at once
            }, limit(3)));
        }
        assertThat(subscribers.get(2).subscribed().toCompletableFuture().get(30, TimeUnit.SECONDS))
                .isSameAs(subscribers.get(2));
        assertThat(threeAtOnce.await(30, TimeUnit.SECONDS)).as("three subscribers busy at once").isTrue();
        await().atMost(Duration.ofSeconds(30)).until(() -> bySubscriber.values().stream()
                .mapToInt(Set::size).sum() == 8);
        assertThat(bySubscriber).containsOnlyKeys("s1", "s2", "s3");
        await().atMost(Duration.ofSeconds(20)).until(() -> servers.checkpoint(EventStore.ALL, "spread") == 8);
    }

    @Test
    void keys_of_one_partition_go_to_different_subscribers_and_each_key_stays_in_order() throws Exception {
        PostgresEventStore a = servers.start("a");
        // with partitionBy, two streams that share a partition of 3 each go to one subscriber at a time, side by side
        String first = "k-0";
        String second = java.util.stream.IntStream.range(1, 100).mapToObj(i -> "k-" + i)
                .filter(k -> PartitionName.placeOf(k, 3) == PartitionName.placeOf(first, 3)).findFirst().orElseThrow();
        CountDownLatch bothKeys = new CountDownLatch(2);
        Set<String> started = ConcurrentHashMap.newKeySet();
        Map<String, List<Long>> order = new ConcurrentHashMap<>();
        Map<String, String> firstBy = new ConcurrentHashMap<>();
        AtomicInteger overlapsWithinKey = new AtomicInteger();
        AtomicBoolean apart = new AtomicBoolean();
        Map<String, AtomicInteger> busy = new ConcurrentHashMap<>();
        // checkpointThreshold 5: events may wait for their key's subscriber while fewer than 2 x 5 - 1 acknowledged
        // or waiting events are unsaved (with threshold 1 none may wait: see Checkpoints.mayDeliver)
        SubscriptionOptions options = limit(3).concurrency(3, RecordedEvent::streamId)
                .checkpoint(5, Duration.ofMillis(100));
        // both streams are written before anyone subscribes, so one read brings all eight events: the second
        // key's first event comes after three of the first key that must wait for their busy subscriber, and must
        // not wait behind them (it did: head-of-line blocking, found by CI's run of this test)
        a.appendToStream(first, ExpectedVersion.any(), events(4, "x"));
        a.appendToStream(second, ExpectedVersion.any(), events(4, "x"));
        for (String name : List.of("s1", "s2", "s3")) {
            a.subscribeToAll("keys", e -> {
                if (busy.computeIfAbsent(e.streamId(), k -> new AtomicInteger()).incrementAndGet() > 1) {
                    overlapsWithinKey.incrementAndGet();
                }
                try {
                    if (started.add(e.streamId())) {
                        firstBy.put(e.streamId(), name);
                        bothKeys.countDown();
                        if (!bothKeys.await(10, TimeUnit.SECONDS)) { // the first of each key waits for the other
                            apart.set(true);
                        }
                    }
                    order.computeIfAbsent(e.streamId(), k -> new CopyOnWriteArrayList<>()).add(e.streamVersion());
                } finally {
                    busy.get(e.streamId()).decrementAndGet();
                }
            }, options);
        }
        assertThat(bothKeys.await(30, TimeUnit.SECONDS)).as("both keys in calls at once").isTrue();
        await().atMost(Duration.ofSeconds(30)).until(() -> order.values().stream().mapToInt(List::size).sum() == 8);
        assertThat(order.get(first)).isEqualTo(range(1, 4));
        assertThat(order.get(second)).isEqualTo(range(1, 4));
        assertThat(overlapsWithinKey.get()).as("a key in two calls at once").isZero();
        assertThat(apart.get()).as("a key's first event waited for the other key's busy subscriber").isFalse();
        assertThat(firstBy.get(first)).as("the keys' first events, at once, on two subscribers")
                .isNotEqualTo(firstBy.get(second));
    }

    @Test
    void a_subscriber_that_leaves_gives_its_events_in_flight_to_the_others() throws Exception {
        PostgresEventStore a = servers.start("a");
        // one key: every event goes to the subscriber that has the key in flight
        SubscriptionOptions options = limit(2).concurrency(2, e -> "the-key").bufferSize(2);
        List<Long> toFirst = new CopyOnWriteArrayList<>();
        ManualSubscriptionHandler neverAcks = SubscriptionHandler.manual((e, token, acks) -> toFirst.add(e.eventNumber()));
        Subscription first = a.subscribeToAll("leaver", neverAcks, options);
        a.appendToStream("s", ExpectedVersion.any(), events(5, "x"));
        await().atMost(Duration.ofSeconds(30)).until(() -> toFirst.size() == 2);
        List<Long> toSecond = new CopyOnWriteArrayList<>();
        a.subscribeToAll("leaver", e -> toSecond.add(e.eventNumber()), options);
        await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(5)).until(toSecond::isEmpty);
        assertThat(toFirst).containsExactly(1L, 2L);

        long closing = System.nanoTime();
        first.close(); // its two unacknowledged events go to the second subscriber at once, in order
        assertThat(TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - closing)).as("close() waits for no stage")
                .isLessThan(5);
        await().atMost(Duration.ofSeconds(30)).until(() -> toSecond.size() == 5);
        assertThat(toSecond).containsExactly(1L, 2L, 3L, 4L, 5L);
        await().atMost(Duration.ofSeconds(20)).until(() -> servers.checkpoint(EventStore.ALL, "leaver") == 5);
    }

    @Test
    void one_subscriber_beyond_the_limit_is_refused_and_so_is_another_limit() {
        PostgresEventStore a = servers.start("a");
        Subscription first = a.subscribeToAll("limited", e -> { }, limit(2));
        a.subscribeToAll("limited", e -> { }, limit(2));
        assertThatThrownBy(() -> a.subscribeToAll("limited", e -> { }, limit(2)))
                .isInstanceOf(TooManySubscribersException.class).hasMessageContaining("too many subscribers")
                .hasMessageContaining("2 subscribers");
        assertThatThrownBy(() -> a.subscribeToAll("limited", e -> { }, limit(3)))
                .isInstanceOf(SubscriptionExistsException.class).hasMessageContaining("concurrencyLimit 2");
        first.close();
        Subscription again = a.subscribeToAll("limited", e -> { }, limit(2)); // room again
        assertThat(again.state()).isNotEqualTo(org.jeventstore.SubscriptionState.STOPPED);
        a.subscribeToAll("alone", e -> { }, SubscriptionOptions.defaults());
        assertThatThrownBy(() -> a.subscribeToAll("alone", e -> { }, SubscriptionOptions.defaults()))
                .isInstanceOf(SubscriptionExistsException.class);
    }

    @Test
    void buffer_size_counts_the_events_in_flight_per_subscriber_whatever_partition_they_come_from() {
        PostgresEventStore a = servers.start("a");
        for (int s = 0; s < 8; s++) {
            a.appendToStream("stream-" + s, ExpectedVersion.any(), events(1, "x"));
        }
        List<CompletableFuture<Void>> stages = new CopyOnWriteArrayList<>();
        a.subscribeToAll("buffered", SubscriptionHandler.async((e, token) -> {
            CompletableFuture<Void> f = new CompletableFuture<>();
            stages.add(f);
            return f;
        }), limit(4).concurrency(4, RecordedEvent::streamId).bufferSize(2));
        // four partitions, one subscriber with a buffer of two: two in flight, not two per partition
        await().atMost(Duration.ofSeconds(30)).until(() -> stages.size() == 2);
        await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(5)).until(() -> stages.size() == 2);
        await().atMost(Duration.ofSeconds(30)).until(() -> {
            stages.forEach(f -> f.complete(null));
            return stages.size() == 8;
        });
        stages.forEach(f -> f.complete(null));
        await().atMost(Duration.ofSeconds(20)).until(() -> servers.checkpoint(EventStore.ALL, "buffered") == 8);
    }

    @Test
    void ack_acknowledges_an_event_and_every_earlier_one_and_listeners_hear_of_it() throws Exception {
        PostgresEventStore a = servers.start("a");
        List<RecordedEvent> received = new CopyOnWriteArrayList<>();
        ManualSubscriptionHandler handler = SubscriptionHandler.manual((e, token, acks) -> received.add(e));
        Subscription sub = a.subscribeToAll("manual", handler, SubscriptionOptions.defaults().bufferSize(3)
                .checkpoint(1, Duration.ZERO));
        List<Long> heard = new CopyOnWriteArrayList<>();
        sub.onCheckpoint(heard::add);
        assertThat(sub.subscribed().toCompletableFuture().get(30, TimeUnit.SECONDS)).isSameAs(sub);
        a.appendToStream("m", ExpectedVersion.any(), events(4, "x"));
        await().atMost(Duration.ofSeconds(30)).until(() -> received.size() == 3); // the buffer is full
        assertThat(handler.unacknowledged()).isEqualTo(3);

        assertThat(handler.ack(received.get(1))).as("events 1 and 2").isEqualTo(2);
        await().atMost(Duration.ofSeconds(20)).until(() -> servers.checkpoint(EventStore.ALL, "manual") == 2);
        await().atMost(Duration.ofSeconds(10)).until(() -> heard.contains(2L));
        assertThat(handler.ack(received.get(1))).as("acknowledged already").isZero();
        await().atMost(Duration.ofSeconds(30)).until(() -> received.size() == 4);
        assertThat(handler.ack(received.get(3))).as("events 3 and 4").isEqualTo(2);
        await().atMost(Duration.ofSeconds(20)).until(() -> servers.checkpoint(EventStore.ALL, "manual") == 4);
        await().atMost(Duration.ofSeconds(10)).until(() -> heard.contains(4L));
        assertThat(heard).isSorted();
    }

    @Test
    void checkpoint_threshold_saves_after_that_many_acknowledgements_counting_filtered_events() throws Exception {
        PostgresEventStore a = servers.start("a");
        List<RecordedEvent> received = new CopyOnWriteArrayList<>();
        ManualSubscriptionHandler handler = SubscriptionHandler.manual((e, token, acks) -> received.add(e));
        // threshold 3, no saves by time (checkpointAfter zero, as Elixir's checkpoint_after: 0)
        a.subscribeToAll("counted", handler, SubscriptionOptions.defaults().bufferSize(5)
                .checkpoint(3, Duration.ZERO));
        a.appendToStream("c", ExpectedVersion.any(), events(3, "x"));
        await().atMost(Duration.ofSeconds(30)).until(() -> received.size() == 3);
        handler.ack(received.get(0));
        handler.ack(received.get(1));
        await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(5))
                .until(() -> servers.checkpoint(EventStore.ALL, "counted") == 0);
        handler.ack(received.get(2));
        await().atMost(Duration.ofSeconds(20)).until(() -> servers.checkpoint(EventStore.ALL, "counted") == 3);

        // events the selector filters out count: threshold 2 over events 1-3 of which only 2 is delivered (one
        // acknowledgement, two filtered): saved (not counting them, nothing would be)
        List<RecordedEvent> evens = new CopyOnWriteArrayList<>();
        a.subscribeToAll("filtered", evens::add, SubscriptionOptions.defaults().checkpoint(2, Duration.ZERO)
                .selector(e -> e.eventNumber() % 2 == 0));
        await().atMost(Duration.ofSeconds(20)).until(() -> servers.checkpoint(EventStore.ALL, "filtered") == 3);
        assertThat(evens).extracting(RecordedEvent::eventNumber).containsExactly(2L);
        assertThatThrownBy(() -> SubscriptionOptions.defaults().checkpoint(1, Duration.ofMillis(-1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("checkpointAfter");
    }

    @Test
    void an_event_given_back_goes_to_another_subscriber_without_backoff_or_a_counted_attempt() {
        PostgresEventStore a = servers.start("a");
        SubscriptionOptions options = limit(2).maxAttempts(1, SubscriptionOptions.OnExhausted.PARK)
                .maxRetryBackoff(Duration.ofSeconds(30));
        AtomicInteger givenBack = new AtomicInteger();
        List<Long> handled = new CopyOnWriteArrayList<>();
        a.subscribeToAll("picky", e -> {
            givenBack.incrementAndGet();
            throw new GiveBackException("not here");
        }, options);
        a.subscribeToAll("picky", e -> handled.add(e.eventNumber()), options);
        a.appendToStream("p", ExpectedVersion.any(), events(6, "x"));
        await().atMost(Duration.ofSeconds(10)).until(() -> handled.size() == 6);
        assertThat(handled).containsExactlyInAnyOrderElementsOf(range(1, 6));
        assertThat(parked(a, "picky")).as("a give-back is no failed attempt").isZero();

        // the only subscriber gets what it gave back again, after retryInterval
        AtomicInteger calls = new AtomicInteger();
        List<Long> alone = new CopyOnWriteArrayList<>();
        a.subscribeToAll("alone", e -> {
            if (calls.incrementAndGet() == 1) {
                throw new GiveBackException("not yet");
            }
            alone.add(e.eventNumber());
        }, SubscriptionOptions.defaults().retryInterval(Duration.ofMillis(300))
                .maxAttempts(1, SubscriptionOptions.OnExhausted.PARK).selector(e -> e.eventNumber() == 1));
        await().atMost(Duration.ofSeconds(10)).until(() -> alone.contains(1L));
        assertThat(calls.get()).isEqualTo(2);
        assertThat(parked(a, "alone")).isZero();
    }

    private static long parked(PostgresEventStore store, String name) {
        return store.operations().subscriptions().stream().filter(s -> s.name().equals(name))
                .mapToLong(s -> s.parked()).sum();
    }
}
