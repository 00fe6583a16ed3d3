package org.jeventstore.subscriptions;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.LongStream;
import org.jeventstore.EventData;
import org.jeventstore.EventStore;
import org.jeventstore.ExpectedVersion;
import org.jeventstore.RecordedEvent;
import org.jeventstore.StartFrom;
import org.jeventstore.Subscription;
import org.jeventstore.SubscriptionExistsException;
import org.jeventstore.SubscriptionHandler;
import org.jeventstore.SubscriptionOptions;
import org.jeventstore.SubscriptionState;
import org.jeventstore.postgres.PostgresEventStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.Timeout;
import org.jeventstore.testsupport.Servers;
import static org.jeventstore.testsupport.Events.events;
import static org.jeventstore.testsupport.Events.numbers;
import static org.jeventstore.testsupport.Events.range;

@Timeout(120)
class PersistentSubscriptionTest {

    @RegisterExtension
    final Servers servers = new Servers();



    @Test
    void catches_up_from_origin_then_follows_live_appends_without_loss_or_duplicates() {
        PostgresEventStore store = servers.start("a", 50);
        for (int i = 0; i < 5; i++) {
            store.appendToStream("s-" + i, ExpectedVersion.any(), events(50, "before"));
        }
        List<RecordedEvent> seen = new CopyOnWriteArrayList<>();
        Subscription sub = store.subscribeToAll("catch-up", seen::add, SubscriptionOptions.defaults());
        await().atMost(Duration.ofSeconds(30)).until(() -> seen.size() >= 250);
        for (int i = 0; i < 10; i++) {
            store.appendToStream("live-" + i, ExpectedVersion.any(), events(10, "live"));
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> seen.size() >= 350);
        assertThat(numbers(seen)).isEqualTo(range(1, 350));
        await().atMost(Duration.ofSeconds(10)).until(() -> sub.state() == SubscriptionState.SUBSCRIBED);
        await().atMost(Duration.ofSeconds(10)).until(() -> sub.checkpoint() == 350);
    }

    @Test
    void a_stream_subscription_receives_only_that_stream_in_version_order() {
        PostgresEventStore store = servers.start("a");
        store.appendToStream("other", ExpectedVersion.any(), events(3, "x"));
        store.appendToStream("mine", ExpectedVersion.any(), events(3, "x"));
        List<RecordedEvent> seen = new CopyOnWriteArrayList<>();
        store.subscribeToStream("mine", "stream-sub", seen::add, SubscriptionOptions.defaults());
        store.appendToStream("other", ExpectedVersion.any(), events(3, "x"));
        store.appendToStream("mine", ExpectedVersion.any(), events(2, "x"));
        await().atMost(Duration.ofSeconds(30)).until(() -> seen.size() >= 5);
        assertThat(numbers(seen)).isEqualTo(range(1, 5));
        assertThat(seen).allMatch(e -> e.streamId().equals("mine"));
    }

    @Test
    void a_restarted_subscription_resumes_after_its_checkpoint() throws Exception {
        PostgresEventStore store = servers.start("a");
        store.appendToStream("r", ExpectedVersion.any(), events(10, "first"));
        List<RecordedEvent> first = new CopyOnWriteArrayList<>();
        Subscription sub = store.subscribeToAll("restart", first::add, SubscriptionOptions.defaults());
        await().atMost(Duration.ofSeconds(30)).until(() -> first.size() >= 10);
        sub.close();
        assertThat(servers.checkpoint(EventStore.ALL, "restart")).isEqualTo(10);

        store.appendToStream("r", ExpectedVersion.any(), events(5, "second"));
        List<RecordedEvent> second = new CopyOnWriteArrayList<>();
        store.subscribeToAll("restart", second::add, SubscriptionOptions.defaults().startFrom(StartFrom.origin()));
        await().atMost(Duration.ofSeconds(30)).until(() -> second.size() >= 5);
        assertThat(numbers(second)).isEqualTo(range(11, 15));
    }

    @Test
    void start_from_current_skips_what_is_stored_and_the_start_is_used_only_when_created() {
        PostgresEventStore store = servers.start("a");
        store.appendToStream("c", ExpectedVersion.any(), events(4, "old"));
        List<RecordedEvent> seen = new CopyOnWriteArrayList<>();
        store.subscribeToStream("c", "from-current", seen::add,
                SubscriptionOptions.defaults().startFrom(StartFrom.current()));
        store.appendToStream("c", ExpectedVersion.any(), events(2, "new"));
        await().atMost(Duration.ofSeconds(30)).until(() -> seen.size() >= 2);
        assertThat(numbers(seen)).isEqualTo(range(5, 6));
    }

    @Test
    void a_second_local_instance_of_the_same_subscription_is_refused() {
        PostgresEventStore store = servers.start("a");
        store.subscribeToAll("only-once", e -> { }, SubscriptionOptions.defaults());
        assertThatThrownBy(() -> store.subscribeToAll("only-once", e -> { }, SubscriptionOptions.defaults()))
                .isInstanceOf(SubscriptionExistsException.class).hasMessageContaining("only-once");
    }

    @Test
    void after_close_returns_the_same_name_can_be_subscribed_again_at_once() {
        PostgresEventStore store = servers.start("a");
        for (int round = 0; round < 200; round++) {
            Subscription sub = store.subscribeToAll("again", e -> { }, SubscriptionOptions.defaults());
            sub.close(); // must have released the name: the next round subscribes without waiting
            assertThat(sub.state()).isEqualTo(SubscriptionState.STOPPED);
        }
    }

    @Test
    void an_async_handler_keeps_buffer_size_events_in_flight_and_the_checkpoint_is_the_low_water_mark_of_completed()
            throws Exception {
        PostgresEventStore store = servers.start("a");
        store.appendToStream("async", ExpectedVersion.any(), events(6, "x"));
        Map<Long, java.util.concurrent.CompletableFuture<Void>> inFlight = new java.util.concurrent.ConcurrentHashMap<>();
        List<Long> calls = new CopyOnWriteArrayList<>();
        store.subscribeToAll("async", org.jeventstore.SubscriptionHandler.async((e, token) -> {
            calls.add(e.eventNumber());
            java.util.concurrent.CompletableFuture<Void> done = new java.util.concurrent.CompletableFuture<>();
            inFlight.put(e.eventNumber(), done);
            return done;
        }), SubscriptionOptions.defaults().bufferSize(3).checkpoint(100, Duration.ofMillis(50)));

        await().atMost(Duration.ofSeconds(30)).until(() -> calls.size() >= 3);
        assertThat(calls).as("three in flight at once, started in order").containsExactly(1L, 2L, 3L);
        inFlight.get(3L).complete(null);
        inFlight.get(2L).complete(null);
        await().atMost(Duration.ofSeconds(10)).until(() -> calls.size() >= 5); // their room went to 4 and 5
        assertThat(servers.checkpoint(EventStore.ALL, "async")).as("1 is not done: nothing may be saved").isZero();

        inFlight.get(1L).complete(null);
        await().atMost(Duration.ofSeconds(10)).until(() -> servers.checkpoint(EventStore.ALL, "async") == 3);
        await().atMost(Duration.ofSeconds(10)).until(() -> calls.contains(6L)); // 1's room went to 6
        inFlight.get(4L).completeExceptionally(new IllegalStateException("simulated failure of the remote write"));
        await().atMost(Duration.ofSeconds(10)).until(() -> calls.stream().filter(n -> n == 4L).count() == 2);
        inFlight.get(5L).complete(null);
        inFlight.get(6L).complete(null);
        await().atMost(Duration.ofSeconds(10)).until(() -> inFlight.get(5L).isDone() && inFlight.get(6L).isDone());
        assertThat(servers.checkpoint(EventStore.ALL, "async")).as("4 failed: nothing past it").isEqualTo(3);

        inFlight.get(4L).complete(null); // the retry's stage
        await().atMost(Duration.ofSeconds(10)).until(() -> servers.checkpoint(EventStore.ALL, "async") == 6);
        assertThat(calls).containsExactly(1L, 2L, 3L, 4L, 5L, 6L, 4L);
    }

    @Test
    void a_failing_handler_is_retried_and_the_subscription_never_moves_past_the_event() {
        PostgresEventStore store = servers.start("a");
        store.appendToStream("f", ExpectedVersion.any(), events(5, "x"));
        List<Long> attempts = new CopyOnWriteArrayList<>();
        AtomicInteger failures = new AtomicInteger();
        store.subscribeToAll("failing", e -> {
            attempts.add(e.eventNumber());
            if (e.eventNumber() == 3 && failures.getAndIncrement() < 2) {
                throw new IllegalStateException("simulated failure on event 3");
            }
        }, SubscriptionOptions.defaults().checkpoint(1, Duration.ofMillis(100)));
        await().atMost(Duration.ofSeconds(30)).until(() -> attempts.size() >= 7);
        assertThat(attempts).containsExactly(1L, 2L, 3L, 3L, 3L, 4L, 5L);
        await().atMost(Duration.ofSeconds(10)).until(() -> servers.checkpoint(EventStore.ALL, "failing") == 5);
    }

    @Test
    void filtered_events_count_as_acknowledged() {
        PostgresEventStore store = servers.start("a");
        store.appendToStream("keep", ExpectedVersion.any(), events(3, "x"));
        store.appendToStream("drop", ExpectedVersion.any(), events(3, "x"));
        List<RecordedEvent> seen = new CopyOnWriteArrayList<>();
        store.subscribeToAll("filtered", seen::add,
                SubscriptionOptions.defaults().selector(e -> e.streamId().equals("keep")));
        await().atMost(Duration.ofSeconds(30)).until(() -> servers.checkpoint(EventStore.ALL, "filtered") == 6);
        assertThat(numbers(seen)).isEqualTo(range(1, 3));
    }

    @Test
    void a_slow_subscriber_with_a_small_queue_still_gets_everything_in_order() {
        PostgresEventStore store = servers.start("a", 7);
        List<RecordedEvent> seen = new CopyOnWriteArrayList<>();
        store.subscribeToAll("slow", e -> {
            seen.add(e);
            if (e.eventNumber() % 50 == 0) {
                Thread.sleep(20); // the handler under test is slow; the test itself waits with Awaitility
            }
        }, SubscriptionOptions.defaults().maxQueueSize(5));
        for (int i = 0; i < 20; i++) {
            store.appendToStream("bp-" + i, ExpectedVersion.any(), events(10, "x"));
        }
        await().atMost(Duration.ofSeconds(60)).until(() -> seen.size() >= 200);
        assertThat(numbers(seen)).isEqualTo(range(1, 200));
    }

    @Test
    void partitioned_concurrency_keeps_each_key_in_order_on_one_subscriber_at_a_time() {
        PostgresEventStore store = servers.start("a");
        Map<String, List<Long>> perStream = new java.util.concurrent.ConcurrentHashMap<>();
        Map<String, AtomicInteger> busy = new java.util.concurrent.ConcurrentHashMap<>();
        AtomicInteger concurrent = new AtomicInteger();
        AtomicInteger maxConcurrent = new AtomicInteger();
        AtomicInteger overlapsWithinKey = new AtomicInteger();
        SubscriptionHandler handler = e -> {
            int now = concurrent.incrementAndGet();
            maxConcurrent.accumulateAndGet(now, Math::max);
            if (busy.computeIfAbsent(e.streamId(), k -> new AtomicInteger()).incrementAndGet() > 1) {
                overlapsWithinKey.incrementAndGet();
            }
            Thread.sleep(5); // give other subscribers a chance to overlap
            perStream.computeIfAbsent(e.streamId(), k -> new CopyOnWriteArrayList<>()).add(e.streamVersion());
            busy.get(e.streamId()).decrementAndGet();
            concurrent.decrementAndGet();
        };
        for (int i = 0; i < 3; i++) { // three competing subscribers
            store.subscribeToAll("partitioned", handler, SubscriptionOptions.defaults()
                    .concurrency(3, RecordedEvent::streamId).bufferSize(2));
        }
        for (int round = 0; round < 10; round++) {
            for (int s = 0; s < 3; s++) {
                store.appendToStream("p-" + s, ExpectedVersion.any(), events(3, "x"));
            }
        }
        await().atMost(Duration.ofSeconds(60))
                .until(() -> perStream.values().stream().mapToInt(List::size).sum() >= 90);
        for (int s = 0; s < 3; s++) {
            assertThat(perStream.get("p-" + s)).isEqualTo(range(1, 30));
        }
        assertThat(overlapsWithinKey.get()).isZero();
        assertThat(maxConcurrent.get()).isGreaterThan(1);
        await().atMost(Duration.ofSeconds(10)).until(() -> servers.checkpoint(EventStore.ALL, "partitioned") == 90);
    }

    @Test
    void deleting_a_subscription_removes_its_checkpoint_so_it_starts_afresh() throws Exception {
        PostgresEventStore store = servers.start("a");
        store.appendToStream("d", ExpectedVersion.any(), events(3, "x"));
        List<RecordedEvent> seen = new CopyOnWriteArrayList<>();
        store.subscribeToAll("deleted", seen::add, SubscriptionOptions.defaults());
        await().atMost(Duration.ofSeconds(30)).until(() -> seen.size() >= 3);
        store.deleteSubscription(EventStore.ALL, "deleted");
        assertThat(servers.checkpoint(EventStore.ALL, "deleted")).isEqualTo(-1);
        List<RecordedEvent> again = new ArrayList<>();
        store.subscribeToAll("deleted", e -> {
            synchronized (again) {
                again.add(e);
            }
        }, SubscriptionOptions.defaults());
        await().atMost(Duration.ofSeconds(30)).until(() -> {
            synchronized (again) {
                return again.size() >= 3;
            }
        });
    }
}
