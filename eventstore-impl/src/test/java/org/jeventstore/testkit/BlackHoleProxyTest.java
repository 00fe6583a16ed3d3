package org.jeventstore.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The campaign's partition proxy resets its black-holed connections when the network is healed, freeing their
 * places, whether one of their ends gave up or not: a long campaign black-holes thousands of connections, and with their places kept the
 * proxied server could no longer connect after the last heal (the 20-minute run of seed 20261207001).
 */
class BlackHoleProxyTest {

    @Test
    @Timeout(60)
    void a_dead_connection_whose_client_gave_up_frees_its_place_at_the_heal() throws Exception {
        PostgresServer db = Postgres.shared();
        try (BlackHoleProxy proxy = new BlackHoleProxy(db.host(), db.port(), Duration.ofMinutes(1), 2)) {
            PostgresServer viaProxy = new PostgresServer("127.0.0.1", proxy.port(), db.database(), db.user(),
                    db.password(), "proxy");
            Connection first = viaProxy.connect();
            Connection second = viaProxy.connect();
            assertThat(proxy.open()).isEqualTo(2);
            proxy.blackHole();
            first.abort(Runnable::run); // the clients give up on their silent connections
            second.abort(Runnable::run);
            assertThat(proxy.open()).as("silent until the network heals").isEqualTo(2);

            proxy.heal();
            await().atMost(Duration.ofSeconds(10)).until(() -> proxy.open() == 0);
            try (Connection again = viaProxy.connect(); Statement st = again.createStatement();
                 ResultSet rs = st.executeQuery("SELECT 42")) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getInt(1)).isEqualTo(42);
            }
        }
    }

    @Test
    @Timeout(60)
    void a_dead_connection_whose_ends_both_wait_is_reset_at_the_heal() throws Exception {
        PostgresServer db = Postgres.shared();
        try (BlackHoleProxy proxy = new BlackHoleProxy(db.host(), db.port(), Duration.ofMinutes(1), 1)) {
            PostgresServer viaProxy = new PostgresServer("127.0.0.1", proxy.port(), db.database(), db.user(),
                    db.password(), "proxy");
            Connection idle = viaProxy.connect(); // an idle pooled connection nobody uses again
            proxy.blackHole();
            proxy.heal();
            await().atMost(Duration.ofSeconds(10)).until(() -> proxy.open() == 0);
            assertThat(idle.isValid(5)).as("the old connection was reset").isFalse();
            try (Connection again = viaProxy.connect(); Statement st = again.createStatement();
                 ResultSet rs = st.executeQuery("SELECT 1")) {
                assertThat(rs.next()).isTrue();
            }
            idle.abort(Runnable::run);
        }
    }

    @Test
    @Timeout(60)
    void a_dead_connection_whose_server_session_ended_frees_its_place_at_the_heal() throws Exception {
        PostgresServer db = Postgres.shared();
        try (BlackHoleProxy proxy = new BlackHoleProxy(db.host(), db.port(), Duration.ofMinutes(1), 1)) {
            PostgresServer viaProxy = new PostgresServer("127.0.0.1", proxy.port(), db.database(), db.user(),
                    db.password(), "proxy");
            // a crashed server's connection: its client socket is never closed, its backend is terminated
            Connection abandoned = viaProxy.connect();
            int pid;
            try (Statement st = abandoned.createStatement(); ResultSet rs = st.executeQuery("SELECT pg_backend_pid()")) {
                rs.next();
                pid = rs.getInt(1);
            }
            proxy.blackHole();
            try (Connection direct = db.connect(); Statement st = direct.createStatement()) {
                st.execute("SELECT pg_terminate_backend(" + pid + ")");
            }
            assertThat(proxy.open()).isEqualTo(1);

            proxy.heal();
            await().atMost(Duration.ofSeconds(10)).until(() -> proxy.open() == 0);
            try (Connection again = viaProxy.connect(); Statement st = again.createStatement();
                 ResultSet rs = st.executeQuery("SELECT 7")) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getInt(1)).isEqualTo(7);
            }
            abandoned.abort(Runnable::run);
        }
    }
}
