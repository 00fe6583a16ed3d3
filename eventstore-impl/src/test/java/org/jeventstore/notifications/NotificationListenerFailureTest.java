package org.jeventstore.notifications;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import javax.sql.DataSource;
import org.jeventstore.config.SchemaName;
import org.jeventstore.testkit.Postgres;
import org.jeventstore.testkit.TestDataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The listener never ends unseen: what a reconnect cannot mend (connections that are not the driver's as this code
 * sees it) stops it with a reason that says what to change; anything else, an Error too, is logged and survived.
 * On real PostgreSQL connections.
 */
@Timeout(60)
class NotificationListenerFailureTest {

    private final DataSource database = Postgres.shared().dataSource();
    private final ExecutorService executor = Executors.newCachedThreadPool();
    private final List<LogRecord> logged = new CopyOnWriteArrayList<>();
    private final Logger log = Logger.getLogger(NotificationListener.class.getName());
    private final Handler capture = new Handler() {
        @Override
        public void publish(LogRecord record) {
            logged.add(record);
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };

    @BeforeEach
    void captureLog() {
        log.addHandler(capture);
    }

    @AfterEach
    void stop() throws InterruptedException {
        log.removeHandler(capture);
        executor.shutdownNow();
        executor.awaitTermination(10, TimeUnit.SECONDS);
    }

    private NotificationListener listener(DataSource ds) {
        return new NotificationListener(ds, new SchemaName("t_listener_failure"), Duration.ofMillis(100),
                Duration.ofSeconds(5));
    }

    @Test
    void connections_of_another_driver_copy_stop_the_listener_with_what_to_change_and_no_retries() {
        AtomicInteger taken = new AtomicInteger();
        List<Connection> real = new CopyOnWriteArrayList<>();
        // what a DataSource loading another copy of pgjdbc hands out: a connection that is no wrapper for ours
        DataSource otherCopy = new TestDataSource() {
            @Override
            public Connection getConnection() throws SQLException {
                taken.incrementAndGet();
                Connection c = database.getConnection();
                real.add(c);
                return (Connection) Proxy.newProxyInstance(getClass().getClassLoader(),
                        new Class<?>[] {Connection.class}, (proxy, method, args) -> {
                            if (method.getName().equals("unwrap")) {
                                throw new SQLException("not a wrapper for " + args[0]);
                            }
                            if (method.getName().equals("isWrapperFor")) {
                                return false;
                            }
                            try {
                                return method.invoke(c, args);
                            } catch (InvocationTargetException e) {
                                throw e.getCause();
                            }
                        });
            }
        };
        NotificationListener listener = listener(otherCopy);

        listener.start(executor);

        await().atMost(Duration.ofSeconds(20)).until(() -> listener.failure() != null);
        assertThat(listener.failure()).contains("does not unwrap to the org.postgresql.PGConnection")
                .contains("lib/global");
        assertThat(listener.connected()).isFalse();
        assertThat(listener.disconnectedSince()).isNotNull();
        // the connection it took was destroyed, and no other was taken: the loop has ended
        await().atMost(Duration.ofSeconds(10)).until(() -> real.get(0).isClosed());
        listener.close();
        assertThat(taken).hasValue(1);
        assertThat(logged).anyMatch(r -> r.getMessage().startsWith("JES0109E") && r.getMessage().contains("stopped"));
    }

    @Test
    void an_error_while_connecting_is_logged_with_its_id_and_the_listener_connects_again() {
        AtomicInteger taken = new AtomicInteger();
        DataSource failingOnce = new TestDataSource() {
            @Override
            public Connection getConnection() throws SQLException {
                if (taken.incrementAndGet() == 1) {
                    throw new AssertionError("an Error that is not the driver's classes, once");
                }
                return database.getConnection();
            }
        };
        NotificationListener listener = listener(failingOnce);

        listener.start(executor);

        await().atMost(Duration.ofSeconds(20)).until(listener::connected);
        listener.close();
        assertThat(listener.failure()).isNull();
        assertThat(taken.get()).isGreaterThanOrEqualTo(2);
        assertThat(logged).anyMatch(r -> r.getMessage().startsWith("JES0109E")
                && r.getThrown() instanceof AssertionError);
    }

    @Test
    void a_connection_that_breaks_before_it_unwraps_is_a_lost_connection_not_a_setup_problem() {
        AtomicInteger taken = new AtomicInteger();
        DataSource brokenOnce = new TestDataSource() {
            @Override
            public Connection getConnection() throws SQLException {
                Connection c = database.getConnection();
                if (taken.incrementAndGet() > 1) {
                    return c;
                }
                // its backend terminated between the pool and the listener: unwrap fails, and so does isValid
                return (Connection) Proxy.newProxyInstance(getClass().getClassLoader(),
                        new Class<?>[] {Connection.class}, (proxy, method, args) -> {
                            switch (method.getName()) {
                                case "unwrap":
                                    throw new SQLException("This connection has been closed.", "08003");
                                case "isValid":
                                    return false;
                                default:
                                    try {
                                        return method.invoke(c, args);
                                    } catch (InvocationTargetException e) {
                                        throw e.getCause();
                                    }
                            }
                        });
            }
        };
        NotificationListener listener = listener(brokenOnce);

        listener.start(executor);

        await().atMost(Duration.ofSeconds(20)).until(listener::connected);
        listener.close();
        assertThat(listener.failure()).isNull();
        assertThat(taken.get()).isGreaterThanOrEqualTo(2);
    }
}
