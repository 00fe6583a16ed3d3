package org.jeventstore.subscriptions;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.jeventstore.testsupport.Events.events;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.jeventstore.ExpectedVersion;
import org.jeventstore.Subscription;
import org.jeventstore.SubscriptionOptions;
import org.jeventstore.SubscriptionState;
import org.jeventstore.config.EventStoreSettings;
import org.jeventstore.postgres.PostgresEventStore;
import org.jeventstore.testkit.BlackHoleProxy;
import org.jeventstore.testkit.TestPool;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.postgresql.ds.PGSimpleDataSource;
import org.jeventstore.testsupport.Servers;

/**
 * A network partition as a server sees it: its listen and lock connections stay open but nothing comes back
 * (a TCP proxy that stops forwarding without closing). PostgreSQL, on the other side, keeps the sessions, and
 * with them the advisory locks, until something ends them.
 */
class HalfOpenConnectionTest {

    /** The network timeout server a uses on its long-lived connections. */
    static final Duration TIMEOUT = Duration.ofSeconds(2);
    /** The lease of a lock after its session's last answer: T + 0.8 s (README, "Running several servers"). */
    static final long LEASE_MS = TIMEOUT.toMillis() + 800;
    /**
     * README's bounds for this timeout T: PostgreSQL ends a silent lock session 2 x (T + 0.8 s) after its last
     * answer, a standby takes over within its retry interval (200 ms here) plus the one-second grace; the
     * listener notices within 10 s + T. Plus 3 s of slack for a busy machine.
     */
    static final Duration TAKEOVER_BOUND = Duration.ofMillis(2 * LEASE_MS + 200 + 1_000 + 3_000);
    static final Duration LISTENER_BOUND = Duration.ofMillis(10_000 + TIMEOUT.toMillis() + 3_000);
    /**
     * Stopping waits for each user of a silent connection at most about T: the standby worker's lock attempt,
     * the lock connection's release, the listener's UNLISTEN (after its 100 ms poll). Plus slack.
     */
    static final Duration CLOSE_BOUND = Duration.ofMillis(3 * TIMEOUT.toMillis() + 100 + 1_500);

    record Delivery(String server, long eventNumber) {
    }

    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void a_black_holed_server_gives_up_its_connections_in_time_and_a_standby_takes_its_subscription_over()
            throws Exception {
        try (Servers servers = new Servers();
             BlackHoleProxy proxy = new BlackHoleProxy(servers.db.host(), servers.db.port(), Duration.ofMinutes(2));
             TestPool listenPool = new TestPool(throughProxy(servers, proxy), 4)) {
            ExecutorService executor = Executors.newCachedThreadPool();
            PostgresEventStore a = null;
            try {
                a = PostgresEventStore.builder(direct(servers, "a"))
                        .settings(EventStoreSettings.defaults().withSchema(servers.schema))
                        .notifications(listenPool, executor)
                        .listenerPoll(Duration.ofMillis(100))
                        .networkTimeout(TIMEOUT)
                        .build();
                PostgresEventStore b = servers.start("b"); // straight to PostgreSQL
                List<Delivery> seen = new CopyOnWriteArrayList<>();
                SubscriptionOptions options = SubscriptionOptions.defaults().retryInterval(Duration.ofMillis(200))
                        .checkpoint(1, Duration.ofMillis(50));
                Subscription onA = a.subscribeToAll("partitioned",
                        e -> seen.add(new Delivery("a", e.eventNumber())), options);
                PostgresEventStore started = a;
                await().atMost(Duration.ofSeconds(15)).until(() -> onA.state() == SubscriptionState.SUBSCRIBED
                        && started.listener().connected());
                Subscription onB = b.subscribeToAll("partitioned",
                        e -> seen.add(new Delivery("b", e.eventNumber())), options);
                await().atMost(Duration.ofSeconds(10)).until(() -> onB.state() == SubscriptionState.STANDBY);
                b.appendToStream("p", ExpectedVersion.any(), events(5, "before"));
                await().atMost(Duration.ofSeconds(15)).until(() -> seen.size() >= 5);
                assertThat(seen).allMatch(d -> d.server().equals("a"));

                proxy.blackHole();
                long cut = System.nanoTime();

                await().atMost(TAKEOVER_BOUND).until(() -> onB.state() == SubscriptionState.SUBSCRIBED);
                long takeoverMs = millisSince(cut);
                assertThat(onA.state()).isNotIn(SubscriptionState.SUBSCRIBED, SubscriptionState.CATCHING_UP);
                assertThat(a.lockConnectionDownSince()).as("lock connection reported down (liveness)").isNotNull();
                b.appendToStream("p", ExpectedVersion.any(), events(5, "after"));
                await().atMost(Duration.ofSeconds(15)).until(() -> seen.size() >= 10);
                assertThat(seen.subList(5, seen.size())).allMatch(d -> d.server().equals("b"));

                await().atMost(LISTENER_BOUND.minusMillis(millisSince(cut)))
                        .until(() -> !started.listener().connected());
                assertThat(started.listener().disconnectedSince()).isNotNull();

                // the network comes back: new connections get through, the dead ones are reset
                proxy.heal();
                await().atMost(Duration.ofSeconds(15)).until(() -> started.listener().connected()
                        && started.lockConnectionDownSince() == null && onA.state() == SubscriptionState.STANDBY);

                // cut again, then stop the server in the middle of it: nothing may wait for the silent sockets
                proxy.blackHole();
                long closing = System.nanoTime();
                a.close();
                a = null;
                assertThat(millisSince(closing)).as("close() during a partition, ms")
                        .isLessThan(CLOSE_BOUND.toMillis());
                // the silent connections carried LISTEN and locks: destroyed, none given back to the pool
                assertThat(listenPool.idle()).as("connections back in the pool").isZero();
                assertThat(listenPool.aborted()).as("connections aborted").isGreaterThanOrEqualTo(2);
                assertThat(takeoverMs).as("takeover after the partition, ms").isLessThan(TAKEOVER_BOUND.toMillis());
            } finally {
                if (a != null) {
                    a.close();
                }
                executor.shutdownNow();
            }
        }
    }

    private static long millisSince(long nanos) {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - nanos);
    }

    private static PGSimpleDataSource direct(Servers servers, String name) {
        PGSimpleDataSource ds = (PGSimpleDataSource) servers.db.dataSource();
        ds.setApplicationName(servers.appName(name));
        return ds;
    }

    /** Server a's listen and lock DataSource, through the proxy, with the timeouts a real one would have. */
    private static PGSimpleDataSource throughProxy(Servers servers, BlackHoleProxy proxy) {
        PGSimpleDataSource ds = direct(servers, "a-listen");
        ds.setServerNames(new String[] {"127.0.0.1"});
        ds.setPortNumbers(new int[] {proxy.port()});
        ds.setConnectTimeout(2);
        ds.setLoginTimeout(2);
        ds.setSocketTimeout(2);
        return ds;
    }
}
