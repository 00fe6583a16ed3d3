package org.jeventstore.testkit;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;

/**
 * A minimal connection pool for tests, as an application server's would behave: physical connections are reused
 * (most recently returned first), and a returned connection is rolled back and put back in autocommit; an
 * aborted one is destroyed, never handed out again. Opening a PostgreSQL connection costs a backend process,
 * which would dominate the run time of the tests otherwise.
 */
public final class TestPool extends TestDataSource implements AutoCloseable {

    private final DataSource target;
    private final Semaphore permits;
    private final Deque<Connection> idle = new ConcurrentLinkedDeque<>();
    private final List<Connection> opened = new ArrayList<>();
    private final java.util.concurrent.atomic.AtomicInteger aborted = new java.util.concurrent.atomic.AtomicInteger();

    /** The statement timeout (ms, 0 = none) every connection handed out from now on gets: a fault to inject. */
    private volatile int statementTimeoutMillis;
    private final java.util.Map<Connection, Integer> appliedTimeout = new java.util.concurrent.ConcurrentHashMap<>();
    /** Set by {@link #kill()}: the process this pool belongs to is gone; no connection is handed out any more. */
    private volatile boolean dead;

    public TestPool(DataSource target, int maxSize) {
        this.target = target;
        this.permits = new Semaphore(maxSize);
    }

    /**
     * Every connection handed out from now on runs with this {@code statement_timeout} (0: none), as a role's or
     * a DBA's setting would impose: a fault the fault campaign injects in bursts.
     */
    public void statementTimeout(int millis) {
        statementTimeoutMillis = millis;
    }

    /** The server this pool belongs to has died: every later {@link #getConnection()} fails (SQLSTATE 08001). */
    public void kill() {
        dead = true;
    }

    @Override
    public Connection getConnection() throws SQLException {
        if (dead) {
            throw new SQLException("this server is dead", "08001");
        }
        try {
            if (!permits.tryAcquire(30, TimeUnit.SECONDS)) {
                throw new SQLException("test pool exhausted");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SQLException("interrupted waiting for a pooled connection", e);
        }
        try {
            Connection physical = idle.pollFirst();
            if (physical == null || physical.isClosed()) {
                physical = target.getConnection();
                synchronized (opened) {
                    opened.add(physical);
                }
            }
            int timeout = statementTimeoutMillis;
            if (appliedTimeout.getOrDefault(physical, 0) != timeout) {
                try (java.sql.Statement st = physical.createStatement()) {
                    st.execute("SET statement_timeout = " + timeout);
                }
                appliedTimeout.put(physical, timeout);
            }
            return handle(physical);
        } catch (SQLException | RuntimeException e) {
            permits.release();
            throw e;
        }
    }

    private Connection handle(Connection physical) {
        boolean[] closed = {false};
        return (Connection) Proxy.newProxyInstance(Connection.class.getClassLoader(), new Class<?>[] {Connection.class},
                (proxy, method, args) -> {
                    switch (method.getName()) {
                        case "close" -> {
                            if (!closed[0]) {
                                closed[0] = true;
                                giveBack(physical);
                            }
                            return null;
                        }
                        case "abort" -> {
                            if (!closed[0]) {
                                closed[0] = true;
                                destroy(physical, (java.util.concurrent.Executor) args[0]);
                            }
                            return null;
                        }
                        case "isClosed" -> {
                            return closed[0] || physical.isClosed();
                        }
                        default -> {
                            if (closed[0]) {
                                throw new SQLException("connection handle is closed");
                            }
                            try {
                                return method.invoke(physical, args);
                            } catch (InvocationTargetException e) {
                                throw e.getCause();
                            }
                        }
                    }
                });
    }

    private void giveBack(Connection physical) {
        try {
            if (!physical.isClosed()) {
                if (!physical.getAutoCommit()) {
                    physical.rollback();
                    physical.setAutoCommit(true);
                }
                idle.addFirst(physical);
            }
        } catch (SQLException e) {
            closeQuietly(physical);
        } finally {
            permits.release();
        }
    }

    private void destroy(Connection physical, java.util.concurrent.Executor executor) throws SQLException {
        try {
            appliedTimeout.remove(physical);
            physical.abort(executor);
        } finally {
            aborted.incrementAndGet();
            permits.release();
        }
    }

    /** How many connections were aborted (and so destroyed instead of pooled). */
    public int aborted() {
        return aborted.get();
    }

    /** How many connections wait in the pool to be handed out again. */
    public int idle() {
        return idle.size();
    }

    @Override
    public void close() {
        synchronized (opened) {
            opened.forEach(TestPool::closeQuietly);
            opened.clear();
        }
        idle.clear();
    }

    private static void closeQuietly(Connection c) {
        try {
            c.close();
        } catch (SQLException e) {
            // closing anyway
        }
    }

    /** Hands out one connection the caller controls (as a container does inside its transaction); close is a no-op. */
    public static final class Single extends TestDataSource {
        private final Connection connection;

        public Single(Connection connection) {
            this.connection = connection;
        }

        @Override
        public Connection getConnection() {
            return (Connection) Proxy.newProxyInstance(Connection.class.getClassLoader(),
                    new Class<?>[] {Connection.class}, (proxy, method, args) -> {
                        if (method.getName().equals("close")) {
                            return null;
                        }
                        try {
                            return method.invoke(connection, args);
                        } catch (InvocationTargetException e) {
                            throw e.getCause();
                        }
                    });
        }
    }
}
