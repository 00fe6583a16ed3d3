package org.jeventstore.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.jeventstore.EventData;
import org.jeventstore.ExpectedVersion;
import org.jeventstore.StartFrom;
import org.jeventstore.SubscriptionOptions;
import org.jeventstore.operations.EventStoreOperations;
import org.jeventstore.operations.EventStoreOperations.ServerInfo;
import org.jeventstore.operations.EventStoreOperations.SubscriptionInfo;
import org.jeventstore.postgres.PostgresEventStore;
import org.jeventstore.operations.SubscriptionAdmin;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.jeventstore.testsupport.Servers;

/** The operations view of two servers on one store: who is up, who holds what, where each subscription stands. */
class OperationsTest {

    @Test
    @Timeout(60)
    void servers_show_the_subscriptions_they_hold_and_subscriptions_their_holder_checkpoint_and_lag() throws Exception {
        try (Servers servers = new Servers()) {
            PostgresEventStore a = servers.start("a");
            a.appendToStream("ops-1", ExpectedVersion.any(), List.of(EventData.of("t", Map.of("n", 1)),
                    EventData.of("t", Map.of("n", 2)), EventData.of("t", Map.of("n", 3))));
            SubscriptionOptions options = SubscriptionOptions.defaults().startFrom(StartFrom.origin())
                    .checkpoint(1, Duration.ofMillis(10));
            // never acknowledges 3: the subscription stays behind
            a.subscribeToStream("ops-1", "ops-sub", e -> {
                if (e.eventNumber() == 3) {
                    throw new IllegalStateException("not now");
                }
            }, options);
            SubscriptionInfo held = await("a checkpoint saved").atMost(Duration.ofSeconds(30)).until(
                    () -> one(a.operations()), s -> s != null && s.checkpoint() >= 1 && s.holderPid() != 0);
            assertThat(held.head()).isEqualTo(3);
            assertThat(held.checkpoint()).isLessThanOrEqualTo(2);
            assertThat(held.lagEvents()).isEqualTo(3 - held.checkpoint());
            assertThat(held.lagMillis()).isPositive();
            assertThat(held.localState()).isEqualTo("active");

            PostgresEventStore b = servers.start("b");
            b.subscribeToStream("ops-1", "ops-sub", e -> { }, options);
            await("b stands by").atMost(Duration.ofSeconds(30))
                    .until(() -> "standby".equals(one(b.operations()).localState()));
            List<ServerInfo> up = await("both servers up").atMost(Duration.ofSeconds(30))
                    .until(() -> b.operations().servers(), l -> l.size() == 2);
            ServerInfo holder = up.stream().filter(s -> s.sessionPid() == held.holderPid()).findFirst().orElseThrow();
            ServerInfo other = up.stream().filter(s -> s != holder).findFirst().orElseThrow();
            assertThat(holder.holds()).containsExactly("ops-1/ops-sub");
            assertThat(holder.thisServer()).isFalse();
            assertThat(other.holds()).isEmpty();
            assertThat(other.thisServer()).isTrue();
            assertThat(one(b.operations()).holderPid()).isEqualTo(held.holderPid());
            assertThat(a.operations().linkBacklog().appends()).isZero();
            assertThat(a.operations().readiness().ready()).isTrue();
        }
    }

    @Test
    @Timeout(60)
    void a_subscription_is_reset_only_while_no_server_runs_it_and_then_resumes_from_there() throws Exception {
        try (Servers servers = new Servers()) {
            PostgresEventStore a = servers.start("a");
            for (int i = 1; i <= 5; i++) {
                a.appendToStream("reset-1", ExpectedVersion.any(), List.of(EventData.of("t", Map.of("n", i))));
            }
            SubscriptionOptions options = SubscriptionOptions.defaults().startFrom(StartFrom.origin())
                    .checkpoint(1, Duration.ofMillis(10));
            List<Long> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
            org.jeventstore.Subscription running = a.subscribeToStream("reset-1", "r", e -> seen.add(e.eventNumber()),
                    options);
            await("all five handled").atMost(Duration.ofSeconds(30))
                    .until(() -> one(a.operations(), "r"), s -> s != null && s.checkpoint() == 5);

            assertThat(a.admin().resetSubscription("reset-1", "r", 2))
                    .isEqualTo(SubscriptionAdmin.ResetOutcome.RUNNING);
            assertThat(one(a.operations(), "r").checkpoint()).isEqualTo(5);
            assertThat(a.admin().resetSubscription("reset-1", "none", 2))
                    .isEqualTo(SubscriptionAdmin.ResetOutcome.NOT_FOUND);

            running.close();
            assertThat(a.admin().resetSubscription("reset-1", "r", 6))
                    .as("past the stream's end (5): appends up to 6 would be skipped")
                    .isEqualTo(SubscriptionAdmin.ResetOutcome.BEYOND_HEAD);
            assertThat(one(a.operations(), "r").checkpoint()).isEqualTo(5);
            assertThat(a.admin().resetSubscription("reset-1", "r", 2))
                    .isEqualTo(SubscriptionAdmin.ResetOutcome.RESET);
            assertThat(one(a.operations(), "r").checkpoint()).isEqualTo(2);
            seen.clear();
            a.subscribeToStream("reset-1", "r", e -> seen.add(e.eventNumber()), options);
            await("events after the reset position delivered again").atMost(Duration.ofSeconds(30))
                    .until(() -> List.copyOf(seen), l -> l.equals(List.of(3L, 4L, 5L)));
        }
    }

    @Test
    @Timeout(60)
    void a_reset_is_honoured_when_the_holders_lock_session_died_while_its_handler_ran() throws Exception {
        try (Servers servers = new Servers()) {
            PostgresEventStore a = servers.start("a");
            for (int i = 1; i <= 3; i++) {
                a.appendToStream("reset-2", ExpectedVersion.any(), List.of(EventData.of("t", Map.of("n", i))));
            }
            java.util.concurrent.CountDownLatch stuck = new java.util.concurrent.CountDownLatch(1);
            List<Long> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
            a.subscribeToStream("reset-2", "r2", e -> {
                seen.add(e.eventNumber());
                if (e.eventNumber() == 3 && seen.size() == 3) {
                    stuck.await(); // the first delivery of event 3 runs long
                }
            }, SubscriptionOptions.defaults().startFrom(StartFrom.origin()));
            await("event 3 in its handler").atMost(Duration.ofSeconds(30)).until(() -> seen.size() == 3);

            // the holder's lock session dies (a DBA, a network cut) while its handler runs: the lock is free
            try (java.sql.Connection c = servers.db.connect(); java.sql.Statement st = c.createStatement()) {
                st.executeQuery("SELECT pg_terminate_backend(" + a.operations().servers().stream()
                        .filter(EventStoreOperations.ServerInfo::thisServer).findFirst().orElseThrow().sessionPid()
                        + ")").close();
            }
            await("the reset finds the lock free").atMost(Duration.ofSeconds(10))
                    .until(() -> a.admin().resetSubscription("reset-2", "r2", 0),
                            r -> r == SubscriptionAdmin.ResetOutcome.RESET);
            stuck.countDown(); // the old holding acknowledges 1-3 and tries to save them on its way out

            await("the rebuild the operator asked for: everything delivered again").atMost(Duration.ofSeconds(30))
                    .until(() -> List.copyOf(seen), l -> l.equals(List.of(1L, 2L, 3L, 1L, 2L, 3L)));
            await("and saved by the new holding").atMost(Duration.ofSeconds(10))
                    .until(() -> one(a.operations(), "r2").checkpoint() == 3);
        }
    }

    private static SubscriptionInfo one(EventStoreOperations operations) {
        return one(operations, "ops-sub");
    }

    private static SubscriptionInfo one(EventStoreOperations operations, String name) {
        return operations.subscriptions().stream().filter(s -> s.name().equals(name)).findFirst().orElse(null);
    }
}
