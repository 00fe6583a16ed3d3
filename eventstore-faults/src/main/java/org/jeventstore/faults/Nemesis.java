package org.jeventstore.faults;

import java.sql.Connection;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.jeventstore.EventStore;
import org.jeventstore.operations.EventStoreOperations;
import org.jeventstore.operations.SubscriptionAdmin;

/**
 * Injects faults on a schedule drawn from the seed: the same seed gives the same schedule (kinds, targets,
 * durations, times), so a failing run can be replayed. Faults with a duration run beside the schedule, so they
 * overlap as they would in production. Every fault is recorded in the {@link History} with what it hit.
 */
final class Nemesis {

    private static final Logger LOG = Logger.getLogger(Nemesis.class.getName());

    enum Kind {
        /** pg_terminate_backend of a server's pooled connections (appends, reads, linker passes, saves). */
        TERMINATE_POOL(8),
        /** ... of its listener and lock session (the lock session's death frees its subscriptions' locks). */
        TERMINATE_LISTEN(5),
        /** ... of its lock session alone. */
        TERMINATE_LOCK(5),
        /** pg_cancel_backend of one of its active statements, whichever it is. */
        CANCEL(8),
        /** Every connection of a server's pool gets a short statement_timeout for a while. */
        TIMEOUT_BURST(6),
        /** A transaction holds the $all row (as a long JTA transaction that linked inline would). */
        HOLD_ALL_ROW(5),
        /** A subscription's next handler call on a server hangs (sometimes past its handlerTimeout). */
        HANDLER_HANG(6),
        /** A subscription's next handler calls on a server fail. */
        HANDLER_FAIL(6),
        /** A server dies as a process does (nothing cleaned up), and comes back later. */
        CRASH(4),
        /** A server stops gracefully and comes back later. */
        STOP(3),
        /** Every server restarts in turn with another concurrencyLimit (partitioned) and bufferSize (async). */
        ROLLING_CHANGE(2),
        /** An operator resets the single-active subscription (it only succeeds while no server runs it). */
        RESET(4),
        /** An operator replays the parked events of the parking subscription. */
        REPLAY_PARKED(2),
        /** An operator skips one parked event. */
        SKIP_PARKED(2),
        /** PostgreSQL restarts (fast shutdown: every session ends). */
        PG_RESTART(2),
        /**
         * The proxied server's connections go silent (a network partition: open, nothing passes either way) for a
         * while; the connections it opens afterwards work, the silent ones stay silent.
         */
        HALF_OPEN(3);

        final int weight;

        Kind(int weight) {
            this.weight = weight;
        }
    }

    /** One scheduled fault; which fields matter depends on the kind. */
    record Fault(long atMillis, Kind kind, String server, String subscription, long millis, int count) {
    }

    private final Database db;
    private final String schema;
    private final Cluster cluster;
    private final Workload workload;
    private final History history;
    private final Map<Kind, AtomicInteger> injected = new EnumMap<>(Kind.class);
    private final List<Thread> running = new java.util.concurrent.CopyOnWriteArrayList<>();
    private volatile Server.Config target;

    private final org.jeventstore.testkit.BlackHoleProxy proxy;
    private final String proxied;

    Nemesis(Database db, String schema, Cluster cluster, Workload workload, History history, Server.Config initial,
            org.jeventstore.testkit.BlackHoleProxy proxy, String proxied) {
        this.proxy = proxy;
        this.proxied = proxied;
        this.db = db;
        this.schema = schema;
        this.cluster = cluster;
        this.workload = workload;
        this.history = history;
        this.target = initial;
        for (Kind k : Kind.values()) {
            injected.put(k, new AtomicInteger());
        }
    }

    /** The configuration servers get when they (re)start now: what the last rolling change set. */
    Server.Config target() {
        return target;
    }

    /**
     * The schedule of {@code seed} over {@code millis}: a fault every 0.6-2.4 s, drawn from decks that hold every
     * kind once plus seven more drawn by weight, shuffled, so that even a short run meets (nearly) every kind.
     */
    static List<Fault> schedule(long seed, long millis, List<String> servers, boolean restartableDatabase) {
        Random r = new Random(seed);
        List<Kind> weighted = new ArrayList<>();
        List<Kind> each = new ArrayList<>();
        for (Kind k : Kind.values()) {
            if (k != Kind.PG_RESTART || restartableDatabase) {
                each.add(k);
                for (int i = 0; i < k.weight; i++) {
                    weighted.add(k);
                }
            }
        }
        List<Fault> faults = new ArrayList<>();
        java.util.ArrayDeque<Kind> deck = new java.util.ArrayDeque<>();
        long t = 500 + r.nextInt(1000);
        while (t < millis) {
            if (deck.isEmpty()) {
                List<Kind> next = new ArrayList<>(each);
                for (int i = 0; i < 7; i++) {
                    next.add(weighted.get(r.nextInt(weighted.size())));
                }
                java.util.Collections.shuffle(next, r);
                deck.addAll(next);
            }
            Kind kind = deck.poll();
            String server = servers.get(r.nextInt(servers.size()));
            String subscription = Workload.SUBSCRIPTIONS.get(r.nextInt(Workload.SUBSCRIPTIONS.size()));
            long duration = switch (kind) {
                case HANDLER_HANG -> r.nextBoolean() ? 200 + r.nextInt(1500) : 3500 + r.nextInt(3000);
                case TIMEOUT_BURST, HOLD_ALL_ROW -> 500 + r.nextInt(4500);
                case CRASH, STOP -> 300 + r.nextInt(3000);
                case PG_RESTART -> 200 + r.nextInt(1500);
                case HALF_OPEN -> 1000 + r.nextInt(6000);
                default -> 0;
            };
            int count = switch (kind) {
                case HANDLER_FAIL -> 1 + r.nextInt(2); // below the parking subscription's maxAttempts
                case TIMEOUT_BURST -> 30 + r.nextInt(250); // the statement timeout, ms
                case RESET -> r.nextInt(1000); // per mille of the head to reset to
                default -> 0;
            };
            faults.add(new Fault(t, kind, server, subscription, duration, count));
            t += 600 + r.nextInt(1800);
        }
        return faults;
    }

    /** Runs {@code schedule} from now; returns once the last fault has started (durations may run on). */
    void run(List<Fault> schedule) throws InterruptedException {
        long t0 = System.nanoTime();
        for (Fault f : schedule) {
            long wait = f.atMillis() - TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
            if (wait > 0) {
                Thread.sleep(wait); // the schedule's own clock
            }
            try {
                apply(f);
            } catch (RuntimeException e) {
                LOG.log(Level.FINE, "fault " + f + " could not be applied", e);
                history.action("fault-failed", String.valueOf(f.server()), f.toString(), e.toString(),
                        System.nanoTime());
            }
        }
    }

    /** Lets the proxied server's new connections through again (the end of a run). */
    void healNetwork() {
        proxy.heal();
    }

    /** The partition proxy's connections, for a report of why the proxied server cannot connect. */
    String network() {
        return "proxy: " + proxy.open() + " connections open";
    }

    /** Waits for the faults that run beside the schedule (durations, restarts) to end. */
    void awaitRunning() throws InterruptedException {
        for (Thread t : running) {
            t.join(TimeUnit.MINUTES.toMillis(2));
        }
    }

    Map<Kind, Integer> injected() {
        Map<Kind, Integer> out = new EnumMap<>(Kind.class);
        injected.forEach((k, v) -> out.put(k, v.get()));
        return out;
    }

    private void beside(String what, Runnable fault) {
        Thread t = new Thread(() -> {
            try {
                fault.run();
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "fault " + what + " failed", e);
            }
        }, "nemesis-" + what);
        t.setDaemon(true);
        running.add(t);
        t.start();
    }

    private void apply(Fault f) {
        long start = System.nanoTime();
        Server s = cluster.up(f.server());
        switch (f.kind()) {
            case TERMINATE_POOL -> {
                if (s == null) {
                    return;
                }
                long n = Server.terminate(db, s.poolName);
                history.action("terminate-pool", f.server(), "", n + " backends", start);
            }
            case TERMINATE_LISTEN -> {
                if (s == null) {
                    return;
                }
                long n = Server.terminate(db, s.listenName);
                history.action("terminate-listen", f.server(), "", n + " backends", start);
            }
            case TERMINATE_LOCK -> {
                if (s == null) {
                    return;
                }
                int pid = lockPid(s);
                long n = pid == 0 ? 0 : db.single("SELECT count(pg_terminate_backend(?))", pid);
                history.action("terminate-lock", f.server(), "pid " + pid, n + " backends", start);
            }
            case CANCEL -> {
                if (s == null) {
                    return;
                }
                String hit = cancelOne(s.poolName + "%");
                history.action("cancel", f.server(), hit == null ? "" : hit, hit == null ? "none active" : "cancelled",
                        start);
            }
            case TIMEOUT_BURST -> {
                if (s == null) {
                    return;
                }
                history.action("timeout-burst", f.server(), f.count() + " ms for " + f.millis() + " ms", "", start);
                s.pool.statementTimeout(f.count());
                beside("timeout-burst", () -> {
                    sleep(f.millis());
                    s.pool.statementTimeout(0);
                });
            }
            case HOLD_ALL_ROW -> {
                history.action("hold-all-row", "$all", f.millis() + " ms", "", start);
                beside("hold-all-row", () -> holdAllRow(f.millis()));
            }
            case HANDLER_HANG -> {
                workload.hang(f.server(), f.subscription(), f.millis());
                history.action("handler-hang", f.server(), f.subscription() + " " + f.millis() + " ms", "", start);
            }
            case HANDLER_FAIL -> {
                workload.fail(f.server(), f.subscription(), f.count());
                history.action("handler-fail", f.server(), f.subscription() + " x" + f.count(), "", start);
            }
            case CRASH, STOP -> {
                if (s == null || cluster.upServers().size() < 2) {
                    return; // keep one server up: the workload must be able to go on
                }
                boolean crash = f.kind() == Kind.CRASH;
                beside(crash ? "crash" : "stop", () -> {
                    // taken and released on this thread; busy (another restart of it runs): no fault this time
                    ReentrantLock lock = cluster.lock(f.server());
                    if (!lock.tryLock()) {
                        return;
                    }
                    try {
                        if (cluster.up(f.server()) != s) {
                            return;
                        }
                        history.action(crash ? "crash" : "stop", f.server(), s.toString(), "", System.nanoTime());
                        if (crash) {
                            s.crash(db);
                        } else {
                            s.stop();
                        }
                        cluster.markDown(f.server());
                        sleep(f.millis());
                        cluster.start(f.server(), target);
                        history.action("restart", f.server(), "", "", System.nanoTime());
                    } finally {
                        lock.unlock();
                    }
                });
            }
            case ROLLING_CHANGE -> {
                Server.Config next = new Server.Config(target.partitions() == 3 ? 4 : 3,
                        target.asyncBuffer() == 4 ? 2 : 4);
                history.action("rolling-change", "all", target + " -> " + next, "", start);
                target = next;
                beside("rolling-change", () -> {
                    for (String name : cluster.names()) {
                        ReentrantLock lock = cluster.lock(name);
                        lock.lock();
                        try {
                            Server old = cluster.up(name);
                            if (old != null) {
                                old.stop();
                                cluster.markDown(name);
                            }
                            cluster.start(name, target);
                            history.action("restart", name, "rolling", "", System.nanoTime());
                        } finally {
                            lock.unlock();
                        }
                        sleep(1000);
                    }
                });
            }
            case RESET -> {
                if (s == null) {
                    return;
                }
                if (f.count() % 2 == 0) {
                    resetStopped(f, start); // half of them as an operator does it: subscribers stopped first
                    return;
                }
                SubscriptionAdmin ops = s.store.admin();
                long head = s.store.streamInfo(EventStore.ALL).version();
                long position = head * f.count() / 2000; // somewhere in the first half
                SubscriptionAdmin.ResetOutcome outcome = ops.resetSubscription(EventStore.ALL, Workload.SINGLE,
                        position);
                history.action("reset", Workload.SINGLE, String.valueOf(position), outcome.name(), start);
            }
            case REPLAY_PARKED -> {
                if (s == null) {
                    return;
                }
                long n = s.admin().replayParked(EventStore.ALL, Workload.PARKING);
                history.action("replay-parked", Workload.PARKING, "", n + " events", start);
            }
            case SKIP_PARKED -> {
                if (s == null) {
                    return;
                }
                List<SubscriptionAdmin.ParkedEvent> parked = s.admin().parkedEvents(EventStore.ALL,
                        Workload.PARKING, 0, 50);
                SubscriptionAdmin.ParkedEvent pick = parked.stream().filter(p -> p.status().equals("parked"))
                        .findFirst().orElse(null);
                if (pick == null) {
                    return;
                }
                SubscriptionAdmin.SkipOutcome outcome = s.admin().skipParked(EventStore.ALL,
                        Workload.PARKING, pick.eventId(), "fault campaign", "nemesis");
                history.action("skip-parked", Workload.PARKING, pick.eventId().toString(), outcome.name(), start);
            }
            case PG_RESTART -> {
                history.action("pg-restart", "postgres", f.millis() + " ms down", "", start);
                beside("pg-restart", () -> {
                    try {
                        db.restart(f.millis());
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    history.action("pg-up", "postgres", "", "", System.nanoTime());
                });
            }
            case HALF_OPEN -> {
                proxy.blackHole();
                beside("half-open", () -> {
                    sleep(f.millis());
                    proxy.heal();
                    history.action("half-open", proxied, f.millis() + " ms", "", start);
                });
            }
            default -> throw new IllegalStateException(f.kind().name());
        }
        injected.get(f.kind()).incrementAndGet();
    }

    private int lockPid(Server s) {
        try {
            return s.operations().servers().stream().filter(EventStoreOperations.ServerInfo::thisServer)
                    .mapToInt(EventStoreOperations.ServerInfo::sessionPid).findFirst().orElse(0);
        } catch (RuntimeException e) {
            return 0;
        }
    }

    /** Cancels one active statement of backends like {@code pattern}; returns its application_name, or null. */
    private String cancelOne(String pattern) {
        try (Connection c = db.connect(); java.sql.PreparedStatement ps = c.prepareStatement(
                "SELECT application_name FROM (SELECT pid, application_name FROM pg_stat_activity"
                        + " WHERE pid <> pg_backend_pid() AND state = 'active' AND application_name LIKE ?"
                        + " ORDER BY random() LIMIT 1) a WHERE pg_cancel_backend(pid)")) {
            ps.setString(1, pattern);
            try (java.sql.ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getString(1) : null;
            }
        } catch (java.sql.SQLException e) {
            return null;
        }
    }

    private void holdAllRow(long millis) {
        try (Connection c = db.connect()) {
            c.setAutoCommit(false);
            try (Statement st = c.createStatement()) {
                st.execute("SET statement_timeout = 0");
                st.executeQuery("SELECT 1 FROM \"" + schema + "\".streams WHERE stream_id = 0 FOR UPDATE").close();
            }
            sleep(millis);
            c.commit();
        } catch (java.sql.SQLException e) {
            LOG.log(Level.FINE, "holding the $all row failed (the database restarted?)", e);
        }
    }

    /** A fault's duration (the fault itself, not a wait for a result). */
    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * A reset as an operator does it: `single`'s subscribers are closed on every server (no server may run it
     * during a reset), the reset is made, and they subscribe again. Without this, a reset succeeds only when
     * faults happen to have stopped every holder, and the reset-honoured property would rarely be checked. No
     * server starts or stops meanwhile (their locks are held); other faults go on.
     */
    private void resetStopped(Fault f, long start) {
        List<String> names = new java.util.ArrayList<>(cluster.names());
        java.util.Collections.sort(names);
        names.forEach(name -> cluster.lock(name).lock());
        try {
            List<Server> up = cluster.upServers();
            if (up.isEmpty()) {
                return;
            }
            up.forEach(server -> workload.unsubscribe(server, Workload.SINGLE));
            try {
                Server s = up.get(0);
                long head = s.store.streamInfo(EventStore.ALL).version();
                long position = head * f.count() / 2000; // somewhere in the first half
                SubscriptionAdmin.ResetOutcome outcome = s.store.admin().resetSubscription(EventStore.ALL,
                        Workload.SINGLE, position);
                history.action("reset", Workload.SINGLE, String.valueOf(position), outcome.name(), start);
                if (outcome != SubscriptionAdmin.ResetOutcome.RESET) {
                    LOG.warning("an operator's reset of " + Workload.SINGLE + " with its subscribers closed on every"
                            + " server up answered " + outcome + "; advisory locks now: " + advisoryLocks());
                }
            } finally {
                up.forEach(server -> workload.subscribe(server, Workload.SINGLE));
            }
        } finally {
            names.forEach(name -> cluster.lock(name).unlock());
        }
    }


    /** Who holds advisory locks now (the sessions' application names and states), for a refused reset's log. */
    private String advisoryLocks() {
        try (Connection c = db.connect(); java.sql.PreparedStatement ps = c.prepareStatement(
                "SELECT string_agg(a.application_name || ' pid ' || a.pid || ' ' || coalesce(a.state, '?') || ' key '"
                        + " || l.objid || (CASE WHEN l.objid::bigint = s.subscription_id THEN ' = single' ELSE '' END)"
                        + " || (CASE WHEN l.granted THEN '' ELSE ' (waiting)' END), '; ')"
                        + " FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid"
                        + " LEFT JOIN \"" + schema + "\".subscriptions s ON s.stream_uuid = '$all'"
                        + " AND s.subscription_name = '" + Workload.SINGLE + "'"
                        + " WHERE l.locktype = 'advisory'");
             java.sql.ResultSet rs = ps.executeQuery()) {
            return rs.next() ? String.valueOf(rs.getString(1)) : "none";
        } catch (java.sql.SQLException e) {
            return "unknown (" + e.getMessage() + ")";
        }
    }
}
