package org.jeventstore.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.jeventstore.SubscriptionOptions;
import org.jeventstore.SubscriptionState;
import org.jeventstore.Subscription;
import org.jeventstore.config.EventStoreSettings;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.jeventstore.testkit.TestPool;
import org.jeventstore.testsupport.TestStores;

/** Long-lived connections come from a pool; closing the store must hand them back without LISTEN or locks. */
class SessionStateTest {

    @Test
    @Timeout(60)
    void closing_the_store_leaves_no_listen_and_no_advisory_lock_on_pooled_connections() throws Exception {
        try (TestStores stores = new TestStores();
             TestPool listenPool = new TestPool(stores.server.dataSource(), 2)) {
            ExecutorService executor = Executors.newCachedThreadPool();
            PostgresEventStore store = PostgresEventStore.builder(stores.dataSource)
                    .settings(EventStoreSettings.defaults().withSchema(stores.schema))
                    .notifications(listenPool, executor)
                    .build();
            Subscription sub = store.subscribeToAll("pooled", e -> { }, SubscriptionOptions.defaults());
            await().atMost(Duration.ofSeconds(10)).until(() -> sub.state() == SubscriptionState.SUBSCRIBED
                    && store.listener().connected());
            assertThat(count(stores, "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'"
                    + " AND mode = 'ExclusiveLock'")).as("the subscription's advisory lock while running").isEqualTo(1);
            assertThat(count(stores, "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'"
                    + " AND mode = 'ShareLock'")).as("the server's presence lock and the subscription's partition-count"
                    + " lock while running").isEqualTo(2);

            store.close();
            executor.shutdownNow();
            assertThat(executor.awaitTermination(10, TimeUnit.SECONDS)).isTrue();

            // the pool hands the same physical connections out again: they must carry no session state
            try (Connection a = listenPool.getConnection(); Connection b = listenPool.getConnection()) {
                for (Connection c : new Connection[] {a, b}) {
                    assertThat(single(c, "SELECT count(*) FROM pg_listening_channels()")).isZero();
                    assertThat(single(c, "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'"
                            + " AND pid = pg_backend_pid()")).isZero();
                    // the lock session's own silence limit is session state too
                    assertThat(text(c, "SELECT current_setting('idle_session_timeout')")).isEqualTo("0");
                }
            }
            assertThat(count(stores, "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'")).isZero();
            assertThat(listenPool.aborted()).as("connections destroyed instead of pooled after a clean stop").isZero();
        }
    }

    private static long count(TestStores stores, String sql) throws SQLException {
        try (Connection c = stores.server.connect()) {
            return single(c, sql);
        }
    }

    private static String text(Connection c, String sql) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }

    private static long single(Connection c, String sql) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
