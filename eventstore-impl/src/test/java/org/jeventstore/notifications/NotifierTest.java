package org.jeventstore.notifications;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * How the notifier groups and sends announcements, with a sender that records what it is given (the sending
 * statement itself runs against PostgreSQL in {@code AnnouncementsTest}).
 */
@Timeout(30)
class NotifierTest {

    private final ExecutorService executor = Executors.newCachedThreadPool();

    @AfterEach
    void stop() throws InterruptedException {
        executor.shutdownNow();
        assertThat(executor.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void what_is_queued_while_a_round_is_sent_goes_out_in_the_next_round_merged_per_stream_where_ranges_touch()
            throws InterruptedException {
        List<List<String>> rounds = new CopyOnWriteArrayList<>();
        CountDownLatch firstRoundSending = new CountDownLatch(1);
        CountDownLatch releaseFirstRound = new CountDownLatch(1);
        Notifier notifier = new Notifier(payloads -> {
            rounds.add(List.copyOf(payloads));
            if (rounds.size() == 1) {
                firstRoundSending.countDown();
                try {
                    releaseFirstRound.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted", e);
                }
            }
        }, "test");
        notifier.start(executor);
        await().atMost(Duration.ofSeconds(5)).until(notifier::running);
        notifier.announce(new Announcement("first", 9, 1, 1));
        assertThat(firstRoundSending.await(5, TimeUnit.SECONDS)).isTrue();
        int before = rounds.size();

        notifier.announce(List.of(new Announcement("s", 7, 3, 4), new Announcement("t", 8, 1, 1),
                Announcement.ofAll(5, 6)));
        notifier.announce(List.of(new Announcement("s", 7, 1, 2), new Announcement("s", 7, 6, 6),
                Announcement.ofAll(3, 4)));
        releaseFirstRound.countDown();

        await().atMost(Duration.ofSeconds(5)).until(() -> rounds.size() > before);
        assertThat(rounds.get(before)).containsExactly("s,7,1,4", "s,7,6,6", "t,8,1,1", "$all,0,3,6");
        notifier.close();
    }

    @Test
    void a_round_the_database_refuses_is_retried_then_dropped_and_the_next_round_goes_out() {
        AtomicInteger attempts = new AtomicInteger();
        List<List<String>> sent = new CopyOnWriteArrayList<>();
        Notifier notifier = new Notifier(payloads -> {
            if (payloads.contains("bad,1,1,1")) {
                attempts.incrementAndGet();
                throw new IllegalStateException("refused");
            }
            sent.add(List.copyOf(payloads));
        }, "test");

        notifier.announce(new Announcement("bad", 1, 1, 1)); // no loop: the announcing thread sends, and retries
        notifier.announce(new Announcement("good", 2, 1, 1));

        assertThat(attempts).hasValue(Notifier.ATTEMPTS);
        assertThat(sent).containsExactly(List.of("good,2,1,1"));
        notifier.close();
    }

    @Test
    void while_no_loop_runs_the_announcing_thread_sends_itself() {
        List<String> sent = new CopyOnWriteArrayList<>();
        Notifier notifier = new Notifier(sent::addAll, "test");
        notifier.start(task -> { }); // an executor that never runs the loop

        notifier.announce(new Announcement("s", 1, 1, 3));

        assertThat(sent).containsExactly("s,1,1,3");
        notifier.close(); // returns at once: there is no loop to wait for
    }

    @Test
    void a_stream_whose_name_does_not_fit_a_notification_is_left_out_and_the_rest_of_the_round_goes_out() {
        List<String> sent = new CopyOnWriteArrayList<>();
        Notifier notifier = new Notifier(sent::addAll, "test");

        notifier.announce(List.of(new Announcement("x".repeat(9_000), 3, 1, 1), Announcement.ofAll(7, 7)));

        assertThat(sent).containsExactly("$all,0,7,7");
        notifier.close();
    }

    @Test
    void an_announcement_is_a_nonempty_range_in_the_triggers_format() {
        assertThat(new Announcement("order,1", 12, 4, 6).payload()).isEqualTo("order,1,12,4,6");
        assertThat(Announcement.ofAll(100, 101).payload()).isEqualTo("$all,0,100,101");
        assertThat(Notification.parse(new Announcement("order,1", 12, 4, 6).payload()))
                .contains(new org.jeventstore.EventsAppended("order,1", 4, 6));
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> new Announcement("s", 1, 3, 2))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
