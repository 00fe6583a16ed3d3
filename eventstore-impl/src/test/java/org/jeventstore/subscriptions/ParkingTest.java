package org.jeventstore.subscriptions;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;
import static org.jeventstore.testsupport.Events.events;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import org.jeventstore.EventStore;
import org.jeventstore.ExpectedVersion;
import org.jeventstore.RecordedEvent;
import org.jeventstore.Subscription;
import org.jeventstore.SubscriptionHandler;
import org.jeventstore.SubscriptionOptions;
import org.jeventstore.SubscriptionOptions.OnExhausted;
import org.jeventstore.SubscriptionState;
import org.jeventstore.operations.EventStoreOperations;
import org.jeventstore.operations.SubscriptionAdmin.ParkedEvent;
import org.jeventstore.postgres.PostgresEventStore;
import org.jeventstore.operations.SubscriptionAdmin;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.Timeout;
import org.jeventstore.testsupport.Servers;

/**
 * Poison events: maxAttempts with PARK or STOP, holding a key back behind a parked event, replay and skip, and
 * parking that survives crashes and failovers, on real servers sharing one database.
 */
@Timeout(120)
class ParkingTest {

    @RegisterExtension
    final Servers servers = new Servers();



    /** Fails on the events whose "stream:version" is in {@code poison}; records the others ("stream:version"). */
    static class Projection implements SubscriptionHandler {
        final String server;
        final Map<String, Boolean> poison = new ConcurrentHashMap<>();
        final List<String> handled = new CopyOnWriteArrayList<>();
        final Map<String, Integer> failures = new ConcurrentHashMap<>();

        Projection(String server, String... poison) {
            this.server = server;
            for (String p : poison) {
                this.poison.put(p, true);
            }
        }

        @Override
        public void handle(RecordedEvent e) {
            String id = e.streamId() + ":" + e.streamVersion();
            if (poison.containsKey(id)) {
                int n = failures.merge(id, 1, Integer::sum);
                throw new IllegalStateException("cannot project " + id + " (try " + n + " on " + server + ")");
            }
            handled.add(id);
        }

        List<String> of(String stream) {
            return handled.stream().filter(h -> h.startsWith(stream + ":")).collect(Collectors.toList());
        }
    }

    private static SubscriptionOptions options() {
        return SubscriptionOptions.defaults().retryInterval(Duration.ofMillis(200)).checkpoint(1, Duration.ofMillis(20))
                .maxRetryBackoff(Duration.ofMillis(200));
    }

    private static SubscriptionOptions byStream() {
        return options().concurrency(2, RecordedEvent::streamId);
    }

    private static List<ParkedEvent> parked(PostgresEventStore store, String name) {
        return store.admin().parkedEvents(EventStore.ALL, name, 0, 100);
    }

    private static EventStoreOperations.SubscriptionInfo info(PostgresEventStore store, String name) {
        return store.operations().subscriptions().stream().filter(s -> s.name().equals(name)).findFirst()
                .orElseThrow();
    }

    private static void append(PostgresEventStore store, String... streams) {
        for (String s : streams) {
            store.appendToStream(s, ExpectedVersion.any(), events(1, s));
        }
    }

    @Test
    void a_poison_event_is_parked_with_its_last_failure_after_max_attempts_and_later_events_are_delivered()
            throws Exception {
        PostgresEventStore a = servers.start("a");
        Projection p = new Projection("a", "s:2");
        a.subscribeToAll("p", p, options().maxAttempts(3, OnExhausted.PARK));
        a.appendToStream("s", ExpectedVersion.any(), events(5, "x"));

        await().atMost(Duration.ofSeconds(30)).until(() -> p.handled.size() >= 4);
        assertThat(p.handled).containsExactly("s:1", "s:3", "s:4", "s:5");
        assertThat(p.failures).containsEntry("s:2", 3);
        await().atMost(Duration.ofSeconds(10)).until(() -> servers.checkpoint(EventStore.ALL, "p") == 5);
        List<ParkedEvent> parked = parked(a, "p");
        assertThat(parked).hasSize(1);
        ParkedEvent e = parked.get(0);
        assertThat(e.eventNumber()).isEqualTo(2);
        assertThat(e.originalStream()).isEqualTo("s");
        assertThat(e.originalVersion()).isEqualTo(2);
        assertThat(e.eventType()).isEqualTo("test-event");
        assertThat(e.attempts()).isEqualTo(3);
        assertThat(e.errorType()).isEqualTo(IllegalStateException.class.getName());
        assertThat(e.errorMessage()).isEqualTo("cannot project s:2 (try 3 on a)");
        assertThat(e.status()).isEqualTo("parked");
        assertThat(e.parkedAt()).isNotNull();
        assertThat(info(a, "p").parked()).isEqualTo(1);
    }

    @Test
    void unlimited_attempts_stay_the_default_and_retry_a_failing_event_without_moving_past_it() {
        PostgresEventStore a = servers.start("a");
        Projection p = new Projection("a", "s:2");
        a.subscribeToAll("forever", p, options());
        a.appendToStream("s", ExpectedVersion.any(), events(3, "x"));
        await().atMost(Duration.ofSeconds(30)).until(() -> p.failures.getOrDefault("s:2", 0) >= 5);
        assertThat(p.handled).containsExactly("s:1");
        assertThat(parked(a, "forever")).isEmpty();
        assertThat(SubscriptionOptions.defaults().maxAttempts()).isZero();
        assertThatThrownBy(() -> SubscriptionOptions.defaults().maxAttempts(-1, OnExhausted.PARK))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxAttempts");
        assertThatThrownBy(() -> OnExhausted.parse("eventstore.subscription.x.on-exhausted", "later"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("eventstore.subscription.x.on-exhausted must be 'park' or 'stop', was 'later'");
    }

    @Test
    void stop_halts_the_subscription_holding_its_lock_with_the_checkpoint_before_the_event_until_it_is_restarted()
            throws Exception {
        PostgresEventStore a = servers.start("a");
        PostgresEventStore b = servers.start("b");
        Projection onA = new Projection("a", "s:2");
        SubscriptionOptions options = options().maxAttempts(2, OnExhausted.STOP);
        Subscription sa = a.subscribeToAll("stop", onA, options);
        await().atMost(Duration.ofSeconds(10)).until(() -> sa.state() == SubscriptionState.SUBSCRIBED);
        Projection onB = new Projection("b");
        Subscription sb = b.subscribeToAll("stop", onB, options);
        a.appendToStream("s", ExpectedVersion.any(), events(3, "x"));

        await().atMost(Duration.ofSeconds(30)).until(() -> sa.state() == SubscriptionState.HALTED);
        assertThat(onA.failures).containsEntry("s:2", 2);
        await().atMost(Duration.ofSeconds(10)).until(() -> servers.checkpoint(EventStore.ALL, "stop") == 1);
        assertThat(info(a, "stop").localState()).isEqualTo("halted");
        assertThat(info(a, "stop").holderPid()).isNotZero();
        // halted, it keeps its lock: the standby does not take over and nothing more is delivered anywhere
        await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(5)).until(() ->
                sb.state() == SubscriptionState.STANDBY && onA.handled.equals(List.of("s:1")) && onB.handled.isEmpty());
        assertThat(parked(a, "stop")).isEmpty();

        sa.close(); // restarted (here: elsewhere) it goes on from the event that stopped it
        await().atMost(Duration.ofSeconds(30)).until(() -> onB.handled.size() >= 2);
        assertThat(onB.handled).containsExactly("s:2", "s:3");
    }

    @Test
    void with_partition_by_a_parked_event_holds_back_its_key_while_other_keys_flow_and_a_replay_delivers_in_key_order()
            throws Exception {
        PostgresEventStore a = servers.start("a");
        Projection p = new Projection("a", "A:1");
        a.subscribeToAll("keys", p, byStream().maxAttempts(2, OnExhausted.PARK));
        append(a, "A", "B", "A", "B", "A", "C");

        await().atMost(Duration.ofSeconds(30)).until(() -> p.handled.size() >= 3);
        await().atMost(Duration.ofSeconds(10)).until(() -> servers.checkpoint(EventStore.ALL, "keys") == 6);
        assertThat(p.handled).containsExactlyInAnyOrder("B:1", "B:2", "C:1");
        List<ParkedEvent> parked = parked(a, "keys");
        assertThat(parked).extracting(ParkedEvent::eventNumber).containsExactly(1L, 3L, 5L);
        assertThat(parked).extracting(ParkedEvent::partitionKey).containsOnly("A");
        assertThat(parked).extracting(ParkedEvent::attempts).containsExactly(2, 0, 0);
        assertThat(parked).extracting(ParkedEvent::heldBehind).containsExactly(null, 1L, 1L);
        append(a, "A", "B"); // A waits behind its parked events, B flows
        await().atMost(Duration.ofSeconds(30)).until(() -> p.handled.contains("B:3"));
        await().atMost(Duration.ofSeconds(10)).until(() -> parked(a, "keys").size() == 4);
        assertThat(p.of("A")).isEmpty();

        p.poison.clear(); // the projection is fixed
        assertThat(a.admin().replayParked(EventStore.ALL, "keys")).isEqualTo(4);
        await().atMost(Duration.ofSeconds(30)).until(() -> p.of("A").size() >= 4);
        assertThat(p.of("A")).containsExactly("A:1", "A:2", "A:3", "A:4");
        await().atMost(Duration.ofSeconds(10)).until(() -> parked(a, "keys").isEmpty());
        // the key is free again
        await().atMost(Duration.ofSeconds(10)).until(() -> info(a, "keys").parked() == 0);
        append(a, "A");
        await().atMost(Duration.ofSeconds(30)).until(() -> p.of("A").size() >= 5);
        assertThat(p.of("A")).containsExactly("A:1", "A:2", "A:3", "A:4", "A:5");
    }

    @Test
    void a_replay_that_fails_again_parks_the_event_again_and_its_key_stays_held_while_other_keys_replay()
            throws Exception {
        PostgresEventStore a = servers.start("a");
        Projection p = new Projection("a", "A:1", "B:1");
        a.subscribeToAll("again", p, byStream().maxAttempts(2, OnExhausted.PARK));
        append(a, "A", "B", "A", "B");
        await().atMost(Duration.ofSeconds(30)).until(() -> parked(a, "again").size() == 4);

        p.poison.remove("B:1"); // only B is fixed
        assertThat(a.admin().replayParked(EventStore.ALL, "again")).isEqualTo(4);
        await().atMost(Duration.ofSeconds(30)).until(() -> p.of("B").size() >= 2);
        assertThat(p.of("B")).containsExactly("B:1", "B:2");
        await().atMost(Duration.ofSeconds(10)).until(() -> parked(a, "again").size() == 2);
        List<ParkedEvent> left = parked(a, "again");
        assertThat(left).extracting(ParkedEvent::eventNumber).containsExactly(1L, 3L);
        assertThat(left).extracting(ParkedEvent::status).containsOnly("parked");
        assertThat(left.get(0).attempts()).isEqualTo(2);
        assertThat(left.get(0).errorMessage()).isEqualTo("cannot project A:1 (try 4 on a)");
        assertThat(p.of("A")).isEmpty();
    }

    /**
     * Found by the fault campaign (seed 20261207001, -Dchaos.minutes=8): an operator asked for a replay again while
     * one ran, which marked the events that had already failed again in it for replay once more; the replay passed
     * over them (their keys had failed in it) without ever finishing, on the worker, holding the lock: the
     * subscription delivered nothing more, on any server.
     */
    @Test
    void a_replay_asked_for_again_while_one_runs_ends_and_the_second_request_is_a_new_pass() throws Exception {
        PostgresEventStore a = servers.start("a");
        AtomicBoolean askedAgain = new AtomicBoolean();
        Projection p = new Projection("a", "P1:1", "P2:1") {
            @Override
            public void handle(RecordedEvent e) {
                // P2's first call in the replay: P1 has failed again and is parked again by now
                if (e.streamId().equals("P2") && failures.getOrDefault("P2:1", 0) == 2
                        && askedAgain.compareAndSet(false, true)) {
                    assertThat(a.admin().replayParked(EventStore.ALL, "again2")).isEqualTo(1);
                }
                super.handle(e);
            }
        };
        a.subscribeToAll("again2", p, options().concurrency(1, RecordedEvent::streamId)
                .maxAttempts(2, OnExhausted.PARK));
        append(a, "P1", "P2");
        await().atMost(Duration.ofSeconds(30)).until(() -> parked(a, "again2").size() == 2);

        assertThat(a.admin().replayParked(EventStore.ALL, "again2")).isEqualTo(2);
        // the first pass ends, the second (P1 only, asked for during the first) runs, and live delivery goes on
        await().atMost(Duration.ofSeconds(30)).until(() -> p.failures.getOrDefault("P1:1", 0) == 6);
        append(a, "L");
        await().atMost(Duration.ofSeconds(30)).until(() -> p.of("L").size() == 1);
        assertThat(askedAgain).isTrue();
        assertThat(p.failures).containsEntry("P2:1", 4);
        await().atMost(Duration.ofSeconds(10)).until(() -> parked(a, "again2").stream()
                .allMatch(e -> e.status().equals("parked")));
        assertThat(parked(a, "again2")).hasSize(2);
    }

    @Test
    void live_events_are_delivered_between_the_steps_of_a_long_replay() throws Exception {
        PostgresEventStore a = servers.start("a");
        Map<String, Integer> lastPoisonTriesWhenLiveCame = new ConcurrentHashMap<>();
        Projection p = new Projection("a", "P1:1", "P2:1", "P3:1", "P4:1", "P5:1") {
            @Override
            public void handle(RecordedEvent e) {
                if (e.streamId().startsWith("P")) {
                    try {
                        Thread.sleep(300); // a slow failure: the replay of five such events takes seconds
                    } catch (InterruptedException x) {
                        Thread.currentThread().interrupt();
                    }
                }
                if (e.streamId().equals("L") && e.streamVersion() == 30) {
                    lastPoisonTriesWhenLiveCame.put("P5:1", failures.getOrDefault("P5:1", 0));
                }
                super.handle(e);
            }
        };
        a.subscribeToAll("steps", p, options().concurrency(1, RecordedEvent::streamId)
                .maxAttempts(2, OnExhausted.PARK));
        append(a, "P1", "P2", "P3", "P4", "P5");
        await().atMost(Duration.ofSeconds(30)).until(() -> parked(a, "steps").size() == 5);

        assertThat(a.admin().replayParked(EventStore.ALL, "steps")).isEqualTo(5);
        await().atMost(Duration.ofSeconds(10)).until(() -> p.failures.getOrDefault("P1:1", 0) == 3);
        a.appendToStream("L", ExpectedVersion.any(), events(30, "L"));
        await().atMost(Duration.ofSeconds(30)).until(() -> p.failures.getOrDefault("P5:1", 0) == 4);
        assertThat(p.of("L")).hasSize(30);
        // all 30 delivered, one save each (checkpointThreshold 1), while the replay still had its last event ahead
        assertThat(lastPoisonTriesWhenLiveCame).containsEntry("P5:1", 2);
    }

    @Test
    void a_replayed_call_that_hangs_is_abandoned_past_handler_timeout_and_parked_again_after_max_attempts()
            throws Exception {
        PostgresEventStore a = servers.start("a");
        AtomicBoolean hang = new AtomicBoolean();
        Map<String, Integer> hangs = new ConcurrentHashMap<>();
        Projection p = new Projection("a", "P1:1") {
            @Override
            public void handle(RecordedEvent e) {
                if (hang.get() && e.streamId().equals("P1")) {
                    hangs.merge("P1:1", 1, Integer::sum);
                    try {
                        Thread.sleep(60_000); // hangs until the handler deadline interrupts it
                    } catch (InterruptedException x) {
                        Thread.currentThread().interrupt();
                        throw new IllegalStateException("interrupted");
                    }
                }
                super.handle(e);
            }
        };
        a.subscribeToAll("hangs", p, options().concurrency(1, RecordedEvent::streamId)
                .maxAttempts(2, OnExhausted.PARK).handlerTimeout(Duration.ofSeconds(1)));
        append(a, "P1");
        await().atMost(Duration.ofSeconds(30)).until(() -> parked(a, "hangs").size() == 1);

        hang.set(true);
        assertThat(a.admin().replayParked(EventStore.ALL, "hangs")).isEqualTo(1);
        append(a, "L");
        await().atMost(Duration.ofSeconds(40)).until(() -> p.of("L").size() == 1);
        await().atMost(Duration.ofSeconds(10)).until(() -> parked(a, "hangs").stream()
                .allMatch(e -> e.status().equals("parked")));
        ParkedEvent again = parked(a, "hangs").get(0);
        assertThat(again.errorType()).isEqualTo(java.util.concurrent.TimeoutException.class.getName());
        assertThat(hangs).containsEntry("P1:1", 2);
    }

    @Test
    void a_skipped_event_keeps_its_reason_who_and_when_and_the_rest_of_its_key_is_replayed_without_it()
            throws Exception {
        PostgresEventStore a = servers.start("a");
        Projection p = new Projection("a", "A:1");
        a.subscribeToAll("skip", p, byStream().maxAttempts(2, OnExhausted.PARK));
        append(a, "A", "A");
        await().atMost(Duration.ofSeconds(30)).until(() -> parked(a, "skip").size() == 2);
        ParkedEvent poison = parked(a, "skip").get(0);
        SubscriptionAdmin ops = a.admin();

        assertThatThrownBy(() -> ops.skipParked(EventStore.ALL, "skip", poison.eventId(), " ", "alice"))
                .hasMessageContaining("reason");
        assertThat(ops.skipParked(EventStore.ALL, "nope", poison.eventId(), "bad data", "alice"))
                .isEqualTo(SubscriptionAdmin.SkipOutcome.NOT_FOUND);
        assertThat(ops.skipParked(EventStore.ALL, "skip", java.util.UUID.randomUUID(), "bad data", "alice"))
                .isEqualTo(SubscriptionAdmin.SkipOutcome.NOT_PARKED);
        assertThat(ops.skipParked(EventStore.ALL, "skip", poison.eventId(), "bad data from the 2019 import",
                "alice")).isEqualTo(SubscriptionAdmin.SkipOutcome.SKIPPED);
        assertThat(ops.replayParked(EventStore.ALL, "skip")).isEqualTo(1);
        await().atMost(Duration.ofSeconds(30)).until(() -> p.of("A").size() >= 1);
        assertThat(p.of("A")).containsExactly("A:2");
        await().atMost(Duration.ofSeconds(10)).until(() -> parked(a, "skip").size() == 1);
        ParkedEvent skipped = parked(a, "skip").get(0);
        assertThat(skipped.eventId()).isEqualTo(poison.eventId());
        assertThat(skipped.status()).isEqualTo("skipped");
        assertThat(skipped.skipReason()).isEqualTo("bad data from the 2019 import");
        assertThat(skipped.skippedBy()).isEqualTo("alice");
        assertThat(skipped.skippedAt()).isNotNull();
        assertThat(skipped.errorMessage()).isEqualTo("cannot project A:1 (try 2 on a)");
        assertThat(info(a, "skip").parked()).isZero();
        append(a, "A"); // the key is free again
        await().atMost(Duration.ofSeconds(30)).until(() -> p.of("A").size() >= 2);
        assertThat(p.of("A")).containsExactly("A:2", "A:3");
        assertThat(ops.skipParked(EventStore.ALL, "skip", poison.eventId(), "again", "bob"))
                .as("a skip is final").isEqualTo(SubscriptionAdmin.SkipOutcome.NOT_PARKED);
    }

    @Test
    void a_crash_after_parking_and_before_the_checkpoint_passed_loses_nothing_and_parks_nothing_twice()
            throws Exception {
        PostgresEventStore a = servers.start("a");
        PostgresEventStore b = servers.start("b");
        // nothing is saved by count (50 would be) or time (a minute) before the crash
        SubscriptionOptions options = options().checkpoint(100, Duration.ofMinutes(1))
                .maxAttempts(2, OnExhausted.PARK);
        Projection onA = new Projection("a", "s:2", "s:4");
        Subscription sa = a.subscribeToAll("crash", onA, options);
        await().atMost(Duration.ofSeconds(10)).until(() -> sa.state() == SubscriptionState.SUBSCRIBED);
        Projection onB = new Projection("b", "s:2"); // b still fails on 2, but handles 4
        // (b saves every acknowledgement: the end state is checked on the saved checkpoint)
        Subscription sb = b.subscribeToAll("crash", onB, options().maxAttempts(2, OnExhausted.PARK));
        await().atMost(Duration.ofSeconds(10)).until(() -> sb.state() == SubscriptionState.STANDBY);
        a.appendToStream("s", ExpectedVersion.any(), events(5, "x"));
        await().atMost(Duration.ofSeconds(30)).until(() -> onA.handled.size() >= 3);
        assertThat(parked(a, "crash")).extracting(ParkedEvent::eventNumber).containsExactly(2L, 4L);
        assertThat(servers.checkpoint(EventStore.ALL, "crash")).as("parked, acknowledged, not yet saved").isZero();

        servers.crash("a");
        await().atMost(Duration.ofSeconds(30)).until(() -> onB.handled.size() >= 4);
        assertThat(onB.handled).containsExactly("s:1", "s:3", "s:4", "s:5");
        assertThat(onB.failures).containsEntry("s:2", 2);
        await().atMost(Duration.ofSeconds(10)).until(() -> servers.checkpoint(EventStore.ALL, "crash") == 5);
        List<ParkedEvent> parked = parked(b, "crash");
        assertThat(parked).as("2 parked once, by b; 4 (handled by b) no longer parked")
                .extracting(ParkedEvent::eventNumber).containsExactly(2L);
        assertThat(parked.get(0).errorMessage()).isEqualTo("cannot project s:2 (try 2 on b)");
    }

    @Test
    void parked_events_and_the_keys_they_hold_survive_a_failover_and_the_new_holder_replays_them()
            throws Exception {
        PostgresEventStore a = servers.start("a");
        PostgresEventStore b = servers.start("b");
        SubscriptionOptions options = byStream().maxAttempts(2, OnExhausted.PARK);
        Projection onA = new Projection("a", "A:1");
        Subscription sa = a.subscribeToAll("failover", onA, options);
        await().atMost(Duration.ofSeconds(10)).until(() -> sa.state() == SubscriptionState.SUBSCRIBED);
        Projection onB = new Projection("b", "A:1");
        Subscription sb = b.subscribeToAll("failover", onB, options);
        await().atMost(Duration.ofSeconds(10)).until(() -> sb.state() == SubscriptionState.STANDBY);
        append(a, "A", "B", "A");
        await().atMost(Duration.ofSeconds(30)).until(() -> parked(a, "failover").size() == 2);
        await().atMost(Duration.ofSeconds(10)).until(() -> servers.checkpoint(EventStore.ALL, "failover") == 3);

        servers.crash("a");
        await().atMost(Duration.ofSeconds(30)).until(() -> sb.state() == SubscriptionState.SUBSCRIBED);
        append(b, "A", "B");
        await().atMost(Duration.ofSeconds(30)).until(() -> onB.handled.contains("B:2"));
        await().atMost(Duration.ofSeconds(10)).until(() -> parked(b, "failover").size() == 3);
        assertThat(onB.of("A")).as("b holds A back behind the event a parked").isEmpty();
        assertThat(parked(b, "failover")).extracting(ParkedEvent::heldBehind).containsExactly(null, 1L, 1L);

        onB.poison.clear();
        assertThat(b.admin().replayParked(EventStore.ALL, "failover")).isEqualTo(3);
        await().atMost(Duration.ofSeconds(30)).until(() -> onB.of("A").size() >= 3);
        assertThat(onB.of("A")).containsExactly("A:1", "A:2", "A:3");
        await().atMost(Duration.ofSeconds(10)).until(() -> parked(b, "failover").isEmpty());
    }
}
