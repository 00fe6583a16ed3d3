package org.jeventstore.subscriptions;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.jeventstore.EventData;
import org.jeventstore.ExpectedVersion;
import org.jeventstore.Subscription;
import org.jeventstore.RecordedEvent;
import org.jeventstore.SubscriptionHandler;
import org.jeventstore.SubscriptionOptions;
import org.jeventstore.SubscriptionState;
import org.jeventstore.operations.EventStoreOperations;
import org.jeventstore.postgres.PostgresEventStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.Timeout;
import org.jeventstore.testsupport.Servers;

/**
 * A subscription's partition count ({@code concurrencyLimit}) is one for the whole cluster (issue 20, defect 2):
 * a server configured otherwise stands by instead of delivering every event of a key beside the others, and a
 * rolling change of the setting hands over once no server runs the old count.
 */
@Timeout(120)
class PartitionCountTest {

    @RegisterExtension
    final Servers servers = new Servers();
    /** Calls running now per stream, the most seen at once, and every delivery (server, version). */
    final Map<String, AtomicInteger> running = new ConcurrentHashMap<>();
    final AtomicInteger mostAtOnce = new AtomicInteger();
    final List<String> delivered = new CopyOnWriteArrayList<>();



    private SubscriptionHandler handler(String server) {
        return e -> {
            int now = running.computeIfAbsent(e.streamId(), k -> new AtomicInteger()).incrementAndGet();
            mostAtOnce.accumulateAndGet(now, Math::max);
            try {
                Thread.sleep(20); // long enough for two servers' calls of one key to meet, were both delivering
                delivered.add(server + ":" + e.streamVersion());
            } finally {
                running.get(e.streamId()).decrementAndGet();
            }
        };
    }

    private static SubscriptionOptions limit(int n) {
        return SubscriptionOptions.defaults().concurrency(n, RecordedEvent::streamId)
                .checkpoint(1, Duration.ofMillis(100)).retryInterval(Duration.ofMillis(200));
    }

    private static List<EventData> events(int n) {
        List<EventData> events = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            events.add(EventData.of("counted", Map.of("i", i)));
        }
        return events;
    }

    private List<Long> versions() {
        return delivered.stream().map(d -> Long.parseLong(d.substring(d.indexOf(':') + 1))).toList();
    }

    @Test
    void a_server_configured_with_another_count_stands_by_and_each_event_is_delivered_once() {
        PostgresEventStore a = servers.start("a");
        PostgresEventStore b = servers.start("b");
        Subscription onA = a.subscribeToStream("one-key", "mixed", handler("a"), limit(1));
        await().atMost(Duration.ofSeconds(10)).until(() -> onA.state() == SubscriptionState.SUBSCRIBED);
        Subscription onB = b.subscribeToStream("one-key", "mixed", handler("b"), limit(3));

        a.appendToStream("one-key", ExpectedVersion.any(), events(30));

        await().atMost(Duration.ofSeconds(30)).until(() -> versions().contains(30L));
        assertThat(versions()).containsExactlyElementsOf(
                java.util.stream.LongStream.rangeClosed(1, 30).boxed().toList());
        assertThat(mostAtOnce).hasValue(1);
        assertThat(delivered).allMatch(d -> d.startsWith("a:"));
        assertThat(onB.state()).isEqualTo(SubscriptionState.STANDBY);
        assertThat(b.operations().subscriptions()).filteredOn(s -> s.name().startsWith("mixed#"))
                .anySatisfy(s -> assertThat(s.localState()).contains("runs it with 1 partition")
                        .contains("configured with 3"));
    }

    @Test
    void parked_events_move_with_their_key_to_the_new_count_and_the_key_stays_held_behind_them() {
        PostgresEventStore a = servers.start("a");
        java.util.Set<String> poison = ConcurrentHashMap.newKeySet();
        poison.add("held:1");
        List<String> handled = new CopyOnWriteArrayList<>();
        SubscriptionHandler projection = e -> {
            if (poison.contains(e.streamId() + ":" + e.streamVersion())) {
                throw new IllegalStateException("poison");
            }
            handled.add(e.streamId() + ":" + e.streamVersion());
        };
        SubscriptionOptions two = limit(2).maxAttempts(1, SubscriptionOptions.OnExhausted.PARK);
        Subscription before = a.subscribeToAll("moved", projection, two);
        a.appendToStream("held", ExpectedVersion.any(), events(2)); // held:1 parked, held:2 parked behind it
        a.appendToStream("free", ExpectedVersion.any(), events(1));
        await().atMost(Duration.ofSeconds(30)).until(() -> handled.contains("free:1")
                && a.admin().parkedEvents(org.jeventstore.EventStore.ALL, "moved", 0, 10).size() == 2);
        before.close();

        a.subscribeToAll("moved", projection, two.concurrency(3, RecordedEvent::streamId)); // the only server: the count changes now
        a.appendToStream("held", ExpectedVersion.any(), events(1));
        a.appendToStream("free", ExpectedVersion.any(), events(1));
        await().atMost(Duration.ofSeconds(30)).until(() -> handled.contains("free:2"));
        // held:3 waits behind held:1 in the new count too
        await().atMost(Duration.ofSeconds(10)).until(() -> a.admin().parkedEvents(
                org.jeventstore.EventStore.ALL, "moved", 0, 10).size() == 3);
        assertThat(handled).noneMatch(h -> h.startsWith("held:"));

        poison.clear();
        a.admin().replayParked(org.jeventstore.EventStore.ALL, "moved");
        await().atMost(Duration.ofSeconds(30)).until(() -> handled.stream().filter(h -> h.startsWith("held:"))
                .count() == 3);
        assertThat(handled.stream().filter(h -> h.startsWith("held:")).toList())
                .containsExactly("held:1", "held:2", "held:3");
        // a replayed event's row goes once its call has returned: the last one may still be there a moment
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                assertThat(a.admin().parkedEvents(org.jeventstore.EventStore.ALL, "moved", 0, 10)).isEmpty());
    }

    @Test
    void a_rolling_change_of_the_count_hands_over_once_the_last_server_with_the_old_one_stops() {
        PostgresEventStore a = servers.start("a");
        PostgresEventStore b = servers.start("b");
        Subscription onA = a.subscribeToStream("rolled", "roll", handler("a"), limit(2));
        Subscription onB = b.subscribeToStream("rolled", "roll", handler("b"), limit(2));
        a.appendToStream("rolled", ExpectedVersion.any(), events(10));
        await().atMost(Duration.ofSeconds(30)).until(() -> versions().contains(10L));

        // b restarts first with the new setting: the cluster still runs 2 partitions (on a), so b stands by
        onB.close();
        Subscription onB2 = b.subscribeToStream("rolled", "roll", handler("b"), limit(3));
        a.appendToStream("rolled", ExpectedVersion.any(), events(10));
        await().atMost(Duration.ofSeconds(30)).until(() -> versions().contains(20L));
        assertThat(delivered.subList(10, delivered.size())).allMatch(d -> d.startsWith("a:"));
        assertThat(onB2.state()).isEqualTo(SubscriptionState.STANDBY);

        // a, the last server with the old setting, stops: b changes the count and goes on from there
        onA.close();
        a.appendToStream("rolled", ExpectedVersion.any(), events(10));
        await().atMost(Duration.ofSeconds(30)).until(() -> versions().contains(30L));
        assertThat(delivered.stream().filter(d -> d.startsWith("b:")).map(d -> d.substring(2))
                .map(Long::parseLong).toList()).contains(21L, 30L);
        assertThat(mostAtOnce).hasValue(1);
        // nothing is skipped: every version was delivered, in order per key, each time a count ran it
        assertThat(versions().stream().distinct().sorted().toList())
                .isEqualTo(java.util.stream.LongStream.rangeClosed(1, 30).boxed().toList());
        EventStoreOperations.SubscriptionInfo family = b.operations().subscriptions().stream()
                .filter(s -> s.name().equals("roll")).findFirst().orElseThrow();
        await().atMost(Duration.ofSeconds(10)).until(() -> b.operations().subscriptions().stream()
                .filter(s -> s.name().equals("roll")).findFirst().orElseThrow().checkpoint() == 30);
        assertThat(family.streamId()).isEqualTo("rolled");
    }
}
