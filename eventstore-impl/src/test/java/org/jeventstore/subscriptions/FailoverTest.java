package org.jeventstore.subscriptions;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.jeventstore.testsupport.Events.events;
import static org.jeventstore.testsupport.Events.numbers;
import static org.jeventstore.testsupport.Events.range;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.jeventstore.EventStore;
import org.jeventstore.EventsAppended;
import org.jeventstore.ExpectedVersion;
import org.jeventstore.RecordedEvent;
import org.jeventstore.Subscription;
import org.jeventstore.SubscriptionOptions;
import org.jeventstore.SubscriptionState;
import org.jeventstore.postgres.PostgresEventStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.Timeout;
import org.jeventstore.testsupport.Servers;

/** Several store instances with their own connections stand in for servers sharing one database. */
@Timeout(120)
class FailoverTest {

    @RegisterExtension
    final Servers servers = new Servers();



    /** What one server's instance of a subscription delivered. */
    record Delivery(String server, long eventNumber) {
    }

    @Test
    void only_one_server_delivers_and_closing_it_hands_over_with_nothing_acked_redelivered() {
        PostgresEventStore a = servers.start("a");
        PostgresEventStore b = servers.start("b");
        List<Delivery> seen = new CopyOnWriteArrayList<>();
        SubscriptionOptions options = SubscriptionOptions.defaults().retryInterval(Duration.ofMillis(200));
        Subscription onA = a.subscribeToAll("single", e -> seen.add(new Delivery("a", e.eventNumber())), options);
        await().atMost(Duration.ofSeconds(10)).until(() -> onA.state() == SubscriptionState.SUBSCRIBED);
        Subscription onB = b.subscribeToAll("single", e -> seen.add(new Delivery("b", e.eventNumber())), options);
        await().atMost(Duration.ofSeconds(10)).until(() -> onB.state() == SubscriptionState.STANDBY);

        b.appendToStream("x", ExpectedVersion.any(), events(20, "x")); // appended on the other server
        await().atMost(Duration.ofSeconds(30)).until(() -> seen.size() >= 20);
        assertThat(seen).allMatch(d -> d.server().equals("a"));

        long closedAt = System.nanoTime();
        onA.close(); // graceful: saves its checkpoint and frees the lock at once
        await().atMost(Duration.ofSeconds(10)).until(() -> onB.state() == SubscriptionState.SUBSCRIBED);
        long takeoverMs = (System.nanoTime() - closedAt) / 1_000_000;
        a.appendToStream("x", ExpectedVersion.any(), events(10, "y"));
        await().atMost(Duration.ofSeconds(30)).until(() -> seen.size() >= 30);

        assertThat(seen.subList(20, 30)).allMatch(d -> d.server().equals("b"));
        assertThat(seen.stream().map(Delivery::eventNumber)).containsExactlyElementsOf(range(1, 30));
        assertThat(takeoverMs).as("takeover after a graceful stop, ms").isLessThan(5_000);
    }

    @Test
    void when_the_holder_crashes_another_server_takes_over_from_the_checkpoint()
            throws Exception {
        PostgresEventStore a = servers.start("a");
        PostgresEventStore b = servers.start("b");
        List<Delivery> seen = new CopyOnWriteArrayList<>();
        // threshold 1: every ack is saved, so nothing acked can be delivered twice even after a crash
        SubscriptionOptions options = SubscriptionOptions.defaults().retryInterval(Duration.ofMillis(200))
                .checkpoint(1, Duration.ofMillis(50));
        Subscription onA = a.subscribeToAll("crash", e -> seen.add(new Delivery("a", e.eventNumber())), options);
        await().atMost(Duration.ofSeconds(10)).until(() -> onA.state() == SubscriptionState.SUBSCRIBED);
        Subscription onB = b.subscribeToAll("crash", e -> seen.add(new Delivery("b", e.eventNumber())), options);
        await().atMost(Duration.ofSeconds(10)).until(() -> onB.state() == SubscriptionState.STANDBY);
        a.appendToStream("c", ExpectedVersion.any(), events(10, "before"));
        await().atMost(Duration.ofSeconds(30)).until(() -> seen.size() >= 10);
        // acknowledged and saved (an ack the crash prevents from being saved is delivered again: at-least-once)
        await().atMost(Duration.ofSeconds(10)).until(() -> servers.checkpoint(EventStore.ALL, "crash") == 10);

        assertThat(servers.crash("a")).isPositive(); // server a is gone: its connections die, it cannot reconnect
        await().atMost(Duration.ofSeconds(10)).until(() -> onB.state() == SubscriptionState.SUBSCRIBED);
        b.appendToStream("c", ExpectedVersion.any(), events(10, "after"));
        await().atMost(Duration.ofSeconds(30)).until(() -> seen.size() >= 20);

        assertThat(seen.stream().map(Delivery::eventNumber)).containsExactlyElementsOf(range(1, 20));
        assertThat(seen.subList(10, 20)).allMatch(d -> d.server().equals("b"));
        assertThat(onA.state()).isIn(SubscriptionState.DISCONNECTED, SubscriptionState.STANDBY);
    }

    @Test
    void a_holder_whose_connections_are_cut_stops_delivering_and_only_one_server_delivers_afterwards()
            throws Exception {
        PostgresEventStore a = servers.start("a");
        PostgresEventStore b = servers.start("b");
        List<Delivery> seen = new CopyOnWriteArrayList<>();
        SubscriptionOptions options = SubscriptionOptions.defaults().retryInterval(Duration.ofMillis(100))
                .checkpoint(1, Duration.ofMillis(50));
        Subscription onA = a.subscribeToAll("cut", e -> seen.add(new Delivery("a", e.eventNumber())), options);
        await().atMost(Duration.ofSeconds(10)).until(() -> onA.state() == SubscriptionState.SUBSCRIBED);
        Subscription onB = b.subscribeToAll("cut", e -> seen.add(new Delivery("b", e.eventNumber())), options);
        await().atMost(Duration.ofSeconds(10)).until(() -> onB.state() == SubscriptionState.STANDBY);
        for (int i = 0; i < 20; i++) {
            b.appendToStream("cut", ExpectedVersion.any(), events(5, "x"));
            if (i == 5) {
                servers.terminate("a"); // a reconnects at once: a or b may win the lock, never both
            }
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> seen.stream().mapToLong(Delivery::eventNumber).max()
                .orElse(0) >= 100);
        await().atMost(Duration.ofSeconds(10)).until(() -> (onA.state() == SubscriptionState.SUBSCRIBED)
                != (onB.state() == SubscriptionState.SUBSCRIBED));
        // at-least-once and in order per server: any repeat is an event not yet saved when the lock moved
        List<Long> numbers = seen.stream().map(Delivery::eventNumber).toList();
        assertThat(new java.util.TreeSet<>(numbers)).containsExactlyElementsOf(range(1, 100));
        for (String server : List.of("a", "b")) {
            List<Long> mine = seen.stream().filter(d -> d.server().equals(server)).map(Delivery::eventNumber).toList();
            assertThat(mine).isSorted();
        }
    }

    @Test
    void subscriptions_spread_over_the_servers_when_another_server_comes_up() {
        PostgresEventStore a = servers.start("a");
        PostgresEventStore b = servers.start("b");
        a.appendToStream("bal", ExpectedVersion.any(), events(5, "before"));
        java.util.Map<String, List<Delivery>> seen = new java.util.concurrent.ConcurrentHashMap<>();
        SubscriptionOptions options = SubscriptionOptions.defaults().retryInterval(Duration.ofMillis(200));
        List<Subscription> onA = new java.util.ArrayList<>();
        List<Subscription> onB = new java.util.ArrayList<>();
        for (String name : List.of("bal-1", "bal-2")) {
            List<Delivery> log = seen.computeIfAbsent(name, k -> new CopyOnWriteArrayList<>());
            onA.add(a.subscribeToAll(name, e -> log.add(new Delivery("a", e.eventNumber())), options));
        }
        await().atMost(Duration.ofSeconds(10))
                .until(() -> onA.stream().allMatch(s -> s.state() == SubscriptionState.SUBSCRIBED));
        for (String name : List.of("bal-1", "bal-2")) {
            List<Delivery> log = seen.get(name);
            onB.add(b.subscribeToAll(name, e -> log.add(new Delivery("b", e.eventNumber())), options));
        }
        // a holds both, b none: a hands one over within its balance check (5 s) and b's retry
        await().atMost(Duration.ofSeconds(30)).until(() ->
                onA.stream().filter(s -> s.state() == SubscriptionState.SUBSCRIBED).count() == 1
                        && onB.stream().filter(s -> s.state() == SubscriptionState.SUBSCRIBED).count() == 1);
        b.appendToStream("bal", ExpectedVersion.any(), events(5, "after"));
        await().atMost(Duration.ofSeconds(30))
                .until(() -> seen.values().stream().allMatch(l -> l.size() >= 10));
        for (List<Delivery> log : seen.values()) {
            // a graceful hand-over saves the checkpoint first: nothing is delivered twice
            assertThat(log.stream().map(Delivery::eventNumber)).containsExactlyElementsOf(range(1, 10));
        }
        // and it stays balanced
        assertThat(onA.stream().filter(s -> s.state() == SubscriptionState.SUBSCRIBED).count()).isEqualTo(1);
    }

    @Test
    void after_every_backend_is_terminated_events_appended_meanwhile_arrive_without_another_append()
            throws Exception {
        PostgresEventStore a = servers.start("a");
        List<RecordedEvent> persistent = new CopyOnWriteArrayList<>();
        // a long safety poll: recovery must come from the reconnect, not from polling
        Subscription sub = a.subscribeToAll("outage", persistent::add,
                SubscriptionOptions.defaults().safetyPoll(Duration.ofMinutes(10)));
        await().atMost(Duration.ofSeconds(10)).until(() -> sub.state() == SubscriptionState.SUBSCRIBED);
        a.appendToStream("o", ExpectedVersion.any(), events(5, "before"));
        await().atMost(Duration.ofSeconds(30)).until(() -> persistent.size() >= 5);

        assertThat(servers.terminateAll()).isPositive();
        // appended by another "server" while a's listener and lock connections are down
        PostgresEventStore writer = servers.start("writer");
        writer.appendToStream("o", ExpectedVersion.any(), events(5, "during"));

        await().atMost(Duration.ofSeconds(30)).until(() -> persistent.size() >= 10);
        assertThat(numbers(persistent)).isEqualTo(range(1, 10));
        await().atMost(Duration.ofSeconds(15)).until(() -> a.listener().connected());
    }

    @Test
    void a_transient_subscription_gets_live_events_only_on_every_server() {
        PostgresEventStore a = servers.start("a");
        PostgresEventStore b = servers.start("b");
        a.appendToStream("t", ExpectedVersion.any(), events(3, "old"));
        List<RecordedEvent> onA = new CopyOnWriteArrayList<>();
        List<RecordedEvent> onB = new CopyOnWriteArrayList<>();
        a.subscribe("t", null, onA::add);
        b.subscribe(EventStore.ALL, e -> e.streamId().equals("t"), onB::add);
        await().atMost(Duration.ofSeconds(10)).until(() -> a.listener().connected() && b.listener().connected());
        b.appendToStream("t", ExpectedVersion.any(), events(2, "new"));
        a.appendToStream("u", ExpectedVersion.any(), events(2, "other stream"));
        await().atMost(Duration.ofSeconds(30)).until(() -> onA.size() >= 2 && onB.size() >= 2);
        assertThat(numbers(onA)).isEqualTo(range(4, 5));
        assertThat(onB).extracting(RecordedEvent::streamVersion).containsExactly(4L, 5L);
    }

    @Test
    void stores_in_two_schemas_do_not_hear_each_other() throws Exception {
        PostgresEventStore a = servers.start("a");
        try (Servers other = new Servers()) {
            PostgresEventStore b = other.start("b");
            List<EventsAppended> heardByA = new CopyOnWriteArrayList<>();
            List<EventsAppended> heardByB = new CopyOnWriteArrayList<>();
            a.listener().addConsumer(heardByA::add);
            b.listener().addConsumer(heardByB::add);
            await().atMost(Duration.ofSeconds(10)).until(() -> a.listener().connected() && b.listener().connected());
            b.appendToStream("only-b", ExpectedVersion.any(), events(1, "x"));
            a.appendToStream("only-a", ExpectedVersion.any(), events(1, "x"));
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> heardByA.contains(new EventsAppended("only-a", 1, 1))
                            && heardByB.contains(new EventsAppended("only-b", 1, 1)));
            assertThat(heardByA).noneMatch(e -> e.streamId().equals("only-b"));
            assertThat(heardByB).noneMatch(e -> e.streamId().equals("only-a"));
        }
    }
}
