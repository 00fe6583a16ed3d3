package org.jeventstore.cdi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import org.jeventstore.EventStore;
import org.jeventstore.EventsAppended;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.jeventstore.testsupport.TestExecutor;

@Timeout(60)
class EventsAppendedRelayTest {

    @RegisterExtension
    final TestExecutor executor = TestExecutor.fixed(4);
    /** What the observer was handed, in order. */
    private final List<EventsAppended> seen = new CopyOnWriteArrayList<>();
    private final CountDownLatch busy = new CountDownLatch(1);
    private final CountDownLatch release = new CountDownLatch(1);
    private final AtomicInteger running = new AtomicInteger();
    private final AtomicInteger mostAtOnce = new AtomicInteger();

    @AfterEach
    void stop() {
        release.countDown();
    }

    /** An observer stuck in its first call until {@link #release}; it records every call. */
    private final Function<EventsAppended, CompletionStage<?>> slowObserver = appended -> {
        mostAtOnce.accumulateAndGet(running.incrementAndGet(), Math::max);
        try {
            seen.add(appended);
            busy.countDown();
            if (!release.await(50, TimeUnit.SECONDS)) {
                throw new IllegalStateException("the test never released the observer");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while stuck", e);
        } finally {
            running.decrementAndGet();
        }
        return null;
    };

    @Test
    void a_flood_behind_a_slow_observer_keeps_one_notification_per_stream_and_every_streams_last_range_arrives()
            throws InterruptedException {
        EventsAppendedRelay relay = new EventsAppendedRelay("test relay", executor, slowObserver, 1_000);
        int streams = 50;
        int appendsPerStream = 2_000;
        relay.submit(new EventsAppended("s-0", 1, 1));
        assertThat(busy.await(10, TimeUnit.SECONDS)).isTrue(); // the observer is stuck in its first call

        // one event per append, streams taking turns, each append announced for its stream and for $all
        long position = 1;
        int largest = 0;
        for (int version = 1; version <= appendsPerStream; version++) {
            for (int s = 0; s < streams; s++) {
                if (s == 0 && version == 1) {
                    continue; // the one the observer is stuck on
                }
                position++;
                relay.submit(new EventsAppended("s-" + s, version, version));
                relay.submit(new EventsAppended(EventStore.ALL, position, position));
                largest = Math.max(largest, relay.size());
            }
        }
        // 100,000 notifications: at most one waits per stream ($all's among them)
        assertThat(largest).isEqualTo(streams + 1);
        assertThat(relay.size()).isEqualTo(streams + 1);

        release.countDown();
        long lastPosition = position;
        await().atMost(Duration.ofSeconds(30)).until(() -> seen.size() == 1 + streams + 1);
        assertThat(relay.size()).isZero();
        Map<String, List<EventsAppended>> byStream = byStream();
        for (int s = 0; s < streams; s++) {
            assertContiguous(byStream.get("s-" + s), 1, appendsPerStream);
        }
        assertContiguous(byStream.get(EventStore.ALL), 2, lastPosition);
        assertThat(mostAtOnce.get()).isEqualTo(1); // one at a time, however many drain tasks ran
    }

    @Test
    void past_its_stream_limit_the_relay_folds_further_streams_into_all_whose_range_still_holds_their_events()
            throws InterruptedException {
        EventsAppendedRelay relay = new EventsAppendedRelay("test relay", executor, slowObserver, 10);
        relay.submit(new EventsAppended("first", 1, 1));
        assertThat(busy.await(10, TimeUnit.SECONDS)).isTrue();

        int largest = 0;
        for (int s = 1; s <= 1_000; s++) {
            relay.submit(new EventsAppended("stream-" + s, 1, 1));
            relay.submit(new EventsAppended("stream-1", s + 1, s + 1)); // a stream that waits keeps widening
            largest = Math.max(largest, relay.size());
        }
        assertThat(largest).isEqualTo(10);
        for (int position = 1; position <= 1_000; position++) {
            relay.submit(new EventsAppended(EventStore.ALL, position, position)); // taken though the limit is reached
            largest = Math.max(largest, relay.size());
        }
        assertThat(largest).isEqualTo(11);

        release.countDown();
        await().atMost(Duration.ofSeconds(30)).until(() -> seen.size() == 1 + 10 + 1);
        assertThat(relay.size()).isZero();
        Map<String, List<EventsAppended>> byStream = byStream();
        assertContiguous(byStream.get(EventStore.ALL), 1, 1_000);
        assertContiguous(byStream.get("stream-1"), 1, 1_001);
        // the streams that came before the limit each arrive; the others are announced by $all's range alone
        assertThat(byStream.keySet()).containsExactlyInAnyOrder("first", EventStore.ALL, "stream-1", "stream-2",
                "stream-3", "stream-4", "stream-5", "stream-6", "stream-7", "stream-8", "stream-9", "stream-10");
    }

    @Test
    void a_failing_observer_does_not_stop_the_notifications_after_it() {
        List<EventsAppended> delivered = new CopyOnWriteArrayList<>();
        EventsAppendedRelay relay = new EventsAppendedRelay("test relay", executor, appended -> {
            delivered.add(appended);
            if (appended.streamId().equals("bad")) {
                throw new IllegalStateException("observer failure for the test");
            }
            if (appended.streamId().equals("bad-async")) {
                return CompletableFuture.failedFuture(new IllegalStateException("async failure for the test"));
            }
            return null;
        }, 10);

        relay.submit(new EventsAppended("bad", 1, 1));
        relay.submit(new EventsAppended("bad-async", 1, 1));
        relay.submit(new EventsAppended("good", 1, 1));

        await().atMost(Duration.ofSeconds(10)).until(() -> delivered.size() == 3);
        assertThat(delivered).extracting(EventsAppended::streamId).containsExactly("bad", "bad-async", "good");
    }

    @Test
    void slow_asynchronous_observers_hold_back_the_next_notification_without_holding_a_thread() {
        List<CompletableFuture<Void>> stages = new CopyOnWriteArrayList<>();
        ExecutorService single = Executors.newSingleThreadExecutor();
        try {
            EventsAppendedRelay relay = new EventsAppendedRelay("test relay", single, appended -> {
                seen.add(appended);
                CompletableFuture<Void> stage = new CompletableFuture<>();
                stages.add(stage);
                return stage; // as fireAsync's, completed when the asynchronous observers are done
            }, 100);

            relay.submit(new EventsAppended("s", 1, 1));
            await().atMost(Duration.ofSeconds(10)).until(() -> stages.size() == 1);
            for (int version = 2; version <= 10_000; version++) {
                relay.submit(new EventsAppended("s", version, version));
                relay.submit(new EventsAppended(EventStore.ALL, version, version));
            }
            assertThat(relay.size()).isEqualTo(2);
            // the relay's only thread is free while the first stage is pending: it runs other work at once
            CompletableFuture<String> other = CompletableFuture.supplyAsync(() -> "ran", single);
            assertThat(other).succeedsWithin(Duration.ofSeconds(10)).isEqualTo("ran");
            assertThat(seen).hasSize(1);

            stages.get(0).complete(null);
            await().atMost(Duration.ofSeconds(10)).until(() -> stages.size() == 2);
            assertThat(seen).hasSize(2); // the next one only, and it waits for its stage in turn
            stages.get(1).complete(null);
            await().atMost(Duration.ofSeconds(10)).until(() -> stages.size() == 3);
            stages.get(2).complete(null);

            assertThat(relay.size()).isZero();
            Map<String, List<EventsAppended>> byStream = byStream();
            assertContiguous(byStream.get("s"), 1, 10_000);
            assertContiguous(byStream.get(EventStore.ALL), 2, 10_000);
            assertThat(seen).hasSize(3);
        } finally {
            single.shutdownNow();
        }
    }

    private Map<String, List<EventsAppended>> byStream() {
        Map<String, List<EventsAppended>> byStream = new HashMap<>();
        for (EventsAppended e : seen) {
            byStream.computeIfAbsent(e.streamId(), k -> new ArrayList<>()).add(e);
        }
        return byStream;
    }

    /** The ranges, in the order seen, cover first..last exactly once each and in order. */
    private static void assertContiguous(List<EventsAppended> ranges, long first, long last) {
        assertThat(ranges).isNotEmpty();
        long next = first;
        for (EventsAppended range : ranges) {
            assertThat(range.fromVersion()).as("start of %s", range).isEqualTo(next);
            assertThat(range.toVersion()).as("end of %s", range).isGreaterThanOrEqualTo(range.fromVersion());
            next = range.toVersion() + 1;
        }
        assertThat(next - 1).as("last version of " + ranges.get(0).streamId()).isEqualTo(last);
    }
}
