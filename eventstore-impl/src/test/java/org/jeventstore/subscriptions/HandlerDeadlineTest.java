package org.jeventstore.subscriptions;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.jeventstore.EventData;
import org.jeventstore.ExpectedVersion;
import org.jeventstore.RecordedEvent;
import org.jeventstore.StartFrom;
import org.jeventstore.Subscription;
import org.jeventstore.SubscriptionHandler;
import org.jeventstore.SubscriptionOptions;
import org.jeventstore.SubscriptionState;
import org.jeventstore.postgres.PostgresEventStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.Timeout;
import org.jeventstore.testsupport.Servers;

/**
 * A handler that never returns (issue 20, defect 4): past {@code handlerTimeout} its call is abandoned, its holding
 * ends and its lock is released, so the subscription moves on elsewhere; close() is bounded and frees the name.
 */
@Timeout(120)
class HandlerDeadlineTest {

    @RegisterExtension
    final Servers servers = new Servers();
    /** Lets the stuck handlers of a test go at its end, so that their threads finish. */
    final CountDownLatch release = new CountDownLatch(1);


    @AfterEach
    void close() throws InterruptedException {
        release.countDown();
    }

    /** What one server's instance of a subscription delivered. */
    record Delivery(String server, long eventNumber) {
    }

    private static List<EventData> events(int n) {
        List<EventData> events = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            events.add(EventData.of("deadline-test", Map.of("i", i)));
        }
        return events;
    }

    /** Records every call; the first call for event 2 on server "a" hangs, ignoring interrupts if told so. */
    private SubscriptionHandler handler(String server, List<Delivery> seen, boolean ignoresInterrupts) {
        return event -> {
            seen.add(new Delivery(server, event.eventNumber()));
            if (event.eventNumber() == 2 && server.equals("a")
                    && seen.stream().filter(d -> d.equals(new Delivery("a", 2))).count() == 1) {
                hang(ignoresInterrupts);
            }
        };
    }

    private void hang(boolean ignoresInterrupts) throws InterruptedException {
        while (true) {
            try {
                release.await();
                return;
            } catch (InterruptedException e) {
                if (!ignoresInterrupts) {
                    throw e;
                }
                // a handler that swallows interrupts: only its own release ends it
            }
        }
    }

    private static SubscriptionOptions options() {
        return SubscriptionOptions.defaults().startFrom(StartFrom.origin()).retryInterval(Duration.ofMillis(200))
                .handlerTimeout(Duration.ofSeconds(1))
                .checkpoint(1, Duration.ofMillis(100)); // each ack saved before the next delivery
    }

    @Test
    void past_its_deadline_a_hung_call_ends_its_holding_and_another_server_delivers_the_event_and_what_follows()
            throws Exception {
        PostgresEventStore a = servers.start("a");
        PostgresEventStore b = servers.start("b");
        List<Delivery> seen = new CopyOnWriteArrayList<>();
        Subscription onA = a.subscribeToStream("deadline-1", "d1", handler("a", seen, true), options());
        await().atMost(Duration.ofSeconds(10)).until(() -> onA.state() == SubscriptionState.SUBSCRIBED);
        Subscription onB = b.subscribeToStream("deadline-1", "d1", handler("b", seen, true), options());
        await().atMost(Duration.ofSeconds(10)).until(() -> onB.state() == SubscriptionState.STANDBY);

        a.appendToStream("deadline-1", ExpectedVersion.any(), events(3));

        // a hangs in event 2 and ignores the interrupt: b takes over from the checkpoint and goes on
        await().atMost(Duration.ofSeconds(30)).until(() -> seen.contains(new Delivery("b", 3)));
        assertThat(seen).startsWith(new Delivery("a", 1), new Delivery("a", 2));
        assertThat(seen).contains(new Delivery("b", 2));
        await().atMost(Duration.ofSeconds(10)).until(() -> servers.checkpoint("deadline-1", "d1") == 3);
        assertThat(a.operations().subscriptions()).filteredOn(s -> s.name().equals("d1")).singleElement()
                .satisfies(s -> assertThat(s.localState()).contains("1 call(s) abandoned past handlerTimeout"));
    }

    @Test
    void a_hung_call_that_honours_the_interrupt_frees_its_worker_and_the_event_is_delivered_again_on_one_server() {
        PostgresEventStore a = servers.start("a");
        List<Delivery> seen = new CopyOnWriteArrayList<>();
        a.subscribeToStream("deadline-2", "d2", handler("a", seen, false), options());
        a.appendToStream("deadline-2", ExpectedVersion.any(), events(3));

        // the only server: once the call is interrupted, its worker takes the subscription again and redelivers 2
        await().atMost(Duration.ofSeconds(30)).until(() -> seen.contains(new Delivery("a", 3)));
        assertThat(seen).containsSubsequence(new Delivery("a", 2), new Delivery("a", 2), new Delivery("a", 3));
        await().atMost(Duration.ofSeconds(10)).until(() -> servers.checkpoint("deadline-2", "d2") == 3);
    }

    @Test
    void with_max_attempts_an_event_whose_calls_hang_every_time_is_parked_and_the_subscription_moves_on() {
        PostgresEventStore a = servers.start("a");
        List<Long> seen = new CopyOnWriteArrayList<>();
        a.subscribeToStream("deadline-4", "d4", event -> {
            seen.add(event.eventNumber());
            if (event.eventNumber() == 2) {
                hang(false); // every time
            }
        }, options().maxAttempts(2, SubscriptionOptions.OnExhausted.PARK));
        a.appendToStream("deadline-4", ExpectedVersion.any(), events(3));

        await().atMost(Duration.ofSeconds(30)).until(() -> seen.contains(3L));
        assertThat(seen).containsExactly(1L, 2L, 2L, 3L); // two hung attempts, then parked without a third call
        assertThat(a.admin().parkedEvents("deadline-4", "d4", 0, 10)).singleElement()
                .satisfies(p -> {
                    assertThat(p.eventNumber()).isEqualTo(2);
                    assertThat(p.errorMessage()).contains("handlerTimeout");
                });
        await().atMost(Duration.ofSeconds(10)).until(() -> servers.checkpoint("deadline-4", "d4") == 3);
    }

    @Test
    void close_is_bounded_while_a_call_ignores_the_interrupt_and_the_name_can_be_subscribed_again() throws Exception {
        PostgresEventStore a = servers.start("a");
        List<Delivery> seen = new CopyOnWriteArrayList<>();
        Subscription stuck = a.subscribeToStream("deadline-3", "d3", handler("a", seen, true), options());
        a.appendToStream("deadline-3", ExpectedVersion.any(), events(3));
        await().atMost(Duration.ofSeconds(10)).until(() -> seen.contains(new Delivery("a", 2)));

        long start = System.nanoTime();
        stuck.close();
        assertThat(TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start)).as("seconds close() took")
                .isLessThan(20);
        assertThat(stuck.state()).isEqualTo(SubscriptionState.STOPPED);

        List<Long> again = new CopyOnWriteArrayList<>();
        assertThatCode(() -> a.subscribeToStream("deadline-3", "d3",
                (RecordedEvent e) -> again.add(e.eventNumber()), options())).doesNotThrowAnyException();
        await().atMost(Duration.ofSeconds(30)).until(() -> again.equals(List.of(2L, 3L)));
    }
}
