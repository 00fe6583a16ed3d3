package org.jeventstore.subscriptions;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.jeventstore.config.SchemaName;
import org.jeventstore.testkit.BlackHoleProxy;
import org.jeventstore.testkit.TestPool;
import org.jeventstore.storage.Sql;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.postgresql.ds.PGSimpleDataSource;
import org.jeventstore.testsupport.Servers;

/** The lock connection when it goes silent (a black-holed TCP proxy in front of PostgreSQL). */
class AdvisoryLocksTest {

    static final Duration TIMEOUT = Duration.ofSeconds(2);

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void holds_answers_from_memory_while_another_thread_waits_on_the_silent_connection_and_close_aborts_it()
            throws Exception {
        ExecutorService executor = Executors.newCachedThreadPool();
        try (Servers servers = new Servers();
             BlackHoleProxy proxy = new BlackHoleProxy(servers.db.host(), servers.db.port(), Duration.ofMinutes(1))) {
            servers.start("schema"); // creates the schema and its subscriptions table
            PGSimpleDataSource viaProxy = (PGSimpleDataSource) servers.db.dataSource();
            viaProxy.setServerNames(new String[] {"127.0.0.1"});
            viaProxy.setPortNumbers(new int[] {proxy.port()});
            viaProxy.setSocketTimeout(30); // longer than the test's bounds: only the lock code's own timeouts count
            viaProxy.setLoginTimeout(2); // a new connection's handshake, which the DataSource bounds
            try (TestPool pool = new TestPool(viaProxy, 2)) {
                AdvisoryLocks locks = new AdvisoryLocks(pool, new Sql(new SchemaName(servers.schema)), executor,
                        TIMEOUT);
                long gen = locks.tryLock(1);
                assertThat(gen).isNotNegative();
                assertThat(locks.holds(1, gen)).isTrue();

                proxy.blackHole();
                Future<Long> stuck = executor.submit(() -> locks.tryLock(2)); // waits on the silent socket
                // meanwhile every holds() answers at once (it never waits behind network I/O), until the lease of
                // T + 0.8 s since the last answer has run out
                long[] slowest = {0};
                await().atMost(Duration.ofMillis(TIMEOUT.toMillis() + 800 + 1_500)).pollInterval(Duration.ofMillis(5))
                        .until(() -> {
                            long start = System.nanoTime();
                            boolean held = locks.holds(1, gen);
                            slowest[0] = Math.max(slowest[0], System.nanoTime() - start);
                            return !held;
                        });
                assertThat(TimeUnit.NANOSECONDS.toMillis(slowest[0])).as("slowest holds(), ms").isLessThan(200);
                // the other thread gave up too: waiting for the connection and its round trip are bounded by T
                assertThat(stuck.get(3 * TIMEOUT.toMillis() + 1_000, TimeUnit.MILLISECONDS)).isEqualTo(-1L);
                assertThat(locks.downSince()).isNotNull();

                long closing = System.nanoTime();
                locks.close();
                assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - closing)).as("close(), ms")
                        .isLessThan(TIMEOUT.toMillis() + 1_000);
                // the silent connection held locks: destroyed, never handed to the pool's next user
                await().atMost(Duration.ofSeconds(5)).until(() -> pool.aborted() >= 1);
                assertThat(pool.idle()).isZero();
            }
        } finally {
            executor.shutdownNow();
        }
    }
}
