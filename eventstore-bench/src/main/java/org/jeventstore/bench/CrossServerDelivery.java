package org.jeventstore.bench;

import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import org.axonframework.common.transaction.Transaction;
import org.axonframework.eventhandling.DomainEventMessage;
import org.jeventstore.AppendNotLinkedException;
import org.jeventstore.AppendResult;
import org.jeventstore.EventData;
import org.jeventstore.EventStore;
import org.jeventstore.ExpectedVersion;
import org.jeventstore.StartFrom;
import org.jeventstore.Subscription;
import org.jeventstore.SubscriptionOptions;
import org.jeventstore.SubscriptionState;
import org.jeventstore.bench.Report.Goal;
import org.jeventstore.config.LinkSettings;
import org.jeventstore.postgres.PostgresEventStore;
import org.jeventstore.serialization.JsonbEventSerializer;

/**
 * W10: what the store's guarantees buy, side by side with Axon Framework 4.13's JDBC event store, in two parts.
 *
 * <p><b>(a) Cross-instance delivery latency.</b> Events are appended through one instance and handled by a
 * subscriber of another: for the store, a store instance of the appending "server" (the bench's pool, its own
 * listener) and a second store instance made by {@link Bench#otherServer} (its own pool of 4, its own listener and
 * lock connection, its own executor) holding a persistent subscription to {@code $all} (default options, started
 * from "current"), woken by the NOTIFY of the append's commit. For Axon: appends through one
 * {@link org.axonframework.eventsourcing.eventstore.jdbc.JdbcEventStorageEngine} (the bench's pool), handled by a
 * {@code TrackingEventProcessor} of a second Axon instance: a second engine on the same tables, on a pool of its
 * own, with every default of the engine, under a new {@code EmbeddedEventStore} with its defaults (so Axon's
 * in-JVM shortcut, where publishing through an EmbeddedEventStore wakes its own event producer at once, does not
 * apply: the consumer's store only polls, every {@code fetchDelay} = 1 s after it found nothing), its token in a
 * {@code JdbcTokenStore} (see {@link AxonBaseline#track}). The tracking processor is what Axon 4.13's
 * {@code EventProcessingModule} builds by default when the event bus is a {@code StreamableMessageSource} such as an
 * {@code EmbeddedEventStore} (its {@code defaultEventProcessor}; the pooled streaming processor must be asked for),
 * so it is what a Java team configuring Axon by hand gets; its configuration is the default
 * {@code forSingleThreadedProcessing()}: batch size 1, one segment, event availability timeout 1 s.
 * For reference, both also run on one instance: the store's subscriber on the appending store (woken in-process,
 * W7's case) and Axon's processor on the EmbeddedEventStore the events are published through (a new one per trial,
 * as at an application's start: one left idle between trials stops following the log and its processor falls back
 * to polling).
 *
 * <p>Each trial appends {@code n} single events, each to a new stream (aggregate), one every 5 ms (a steady 200
 * appends/s, not waiting for delivery), 1,000 in a trial of 3 s or more, proportionally fewer in shorter ones (at
 * least 200); the latency of each is from just before the append call to the handler's call with it, both taken
 * with {@link System#nanoTime()} in this JVM. Figures: p50, p90, p99 and max over the trial, and the append
 * call's own p50.
 *
 * <p><b>(b) Gap probe.</b> A transaction appends one event ("late") and stays open for a hold time while a
 * background writer keeps appending through the appending instance (one event every 10 ms; "burst": 100 events
 * every 80 ms, so that more than 10,000 events, Axon's {@code maxGapOffset}, are appended during a 10 s hold);
 * then it commits, the background writer goes on for 2 s, and the probe waits until every background event was
 * handled and then 5 s more for the late one. A new subscriber (processor) on the other instance, started before
 * the probe, records what it gets. The held transaction is the public API's: for the store, a store instance
 * built with a {@link HeldTransactions} context ({@code PostgresEventStore.builder(ds).transactionContext(...)},
 * what the CDI layer does with JTA), so the append joins a transaction the bench commits; for Axon, a transaction
 * of its {@code TransactionManager} begun on the thread, which the engine's {@code appendEvents} joins (as a unit
 * of work's does in a Spring or JTA transaction). The store's append meets the {@code $all} row in one of two
 * ways, both probed: "inline" (the row was free: the append takes its {@code $all} positions in its own statement
 * and holds the row until its commit, so every later append commits but waits for {@code $all} behind it) and
 * "deferred" (the row was busy at that moment, as under concurrent appends; the bench makes it so by holding the
 * row with {@code lock-all-row}'s {@code SELECT ... FOR NO KEY UPDATE} for the held append's statement: the append
 * commits without positions and a linker pass gives it the next ones after its commit). "inline" runs with the
 * background writer in the default {@code linked} append mode and, once, in {@code committed} mode (appends return
 * at their commit). A lock shared by the background writer and the holder keeps their statements from running at
 * the same moment, so the held append meets the path the probe names; "late linked inline" reports which it met.
 *
 * <p>Probe figures: whether the late event was delivered (1/0); if so, from just before its COMMIT was sent to
 * the handler's call (the COMMIT's own round trip and fsync included); how many background events appended after it were handled before it ("overtaken by"); the
 * events the background writer started to append during the hold; the background events' own latency (append
 * start to handler) p99 and max over the probe; the longest background append call; for the store, appends that
 * gave up waiting for {@code $all} positions ({@link AppendNotLinkedException}, committed all the same).
 *
 * <p>W10L (only when named: {@code -Dbench.only=W10L}, about 4 minutes) is the gap probe with a 70 s hold, past
 * the engine's default gapTimeout of 60 s.
 */
final class CrossServerDelivery extends Workload {

    static final String STORE_OTHER = STORE + ", other server";
    static final String STORE_SAME = STORE + ", same server";
    static final String AXON_OTHER = AXON + ", other instance";
    static final String AXON_SAME = AXON + ", same instance";

    static final String P90_MS = "p90 ms";
    static final String MAX_MS = "max ms";
    static final String APPEND_P50_MS = "append p50 ms";

    static final String DELIVERED = "late delivered";
    static final String AFTER_COMMIT_MS = "late after COMMIT ms";
    static final String OVERTAKEN = "overtaken by";
    static final String DURING_HOLD = "events appended during hold";
    static final String OTHERS_P99_MS = "others p99 ms";
    static final String OTHERS_MAX_MS = "others max ms";
    static final String APPEND_MAX_MS = "append max ms";
    static final String INLINE = "late linked inline";
    static final String NOT_LINKED = "appends not linked in time";

    private static final long LATENCY_INTERVAL_NANOS = TimeUnit.MILLISECONDS.toNanos(5);
    private static final long STEADY_INTERVAL_NANOS = TimeUnit.MILLISECONDS.toNanos(10);
    private static final long BURST_INTERVAL_NANOS = TimeUnit.MILLISECONDS.toNanos(80);
    private static final int BURST_SIZE = 100;
    private static final long BEFORE_HOLD_MILLIS = 500;
    private static final long AFTER_COMMIT_MILLIS = 2_000;
    private static final long GRACE_MILLIS = 5_000;

    /** How the held append met the {@code $all} row (the store only). */
    enum Path { INLINE, DEFERRED }

    /** One gap probe: whose, which path, the background writer's append mode, the hold, the rate. */
    record Probe(boolean axon, Path path, boolean committedAppends, long holdMillis, boolean burst) {
        String subject() {
            String who = axon ? AXON : STORE + (path == Path.INLINE ? " inline" : " deferred")
                    + (committedAppends ? ", committed appends" : "");
            return "gap: " + who + ", hold " + holdMillis / 1000 + " s" + (burst ? ", 100-event appends" : "");
        }
    }

    private final boolean latency;
    private final List<Probe> probes;
    private final AtomicInteger runs = new AtomicInteger();

    private Bench bench;
    private ExecutorService executorA;
    private ExecutorService executorB;
    private String schema;
    private HeldTransactions held;
    /** The appending server's store (default linked mode) and, for one probe, its twin in committed mode. */
    private PostgresEventStore storeA;
    private PostgresEventStore storeACommitted;
    private Bench.Server serverB;
    private AxonBaseline axonA;
    private com.zaxxer.hikari.HikariDataSource axonPoolB;
    private AxonBaseline axonB;

    private CrossServerDelivery(String id, String title, boolean latency, List<Probe> probes) {
        super(id, title);
        this.latency = latency;
        this.probes = probes;
    }

    /** W10: both parts, holds of 1 s and 10 s (about 3-4 minutes with 3 rounds of part (a)). */
    static CrossServerDelivery w10() {
        return new CrossServerDelivery("W10", "what the guarantees buy: cross-instance delivery latency and a late"
                + " commit (gap probe), next to Axon", true, List.of(
                new Probe(true, null, false, 1_000, false),
                new Probe(true, null, false, 10_000, false),
                new Probe(true, null, false, 10_000, true),
                new Probe(false, Path.INLINE, false, 1_000, false),
                new Probe(false, Path.INLINE, false, 10_000, false),
                new Probe(false, Path.INLINE, true, 10_000, false),
                new Probe(false, Path.DEFERRED, false, 1_000, false),
                new Probe(false, Path.DEFERRED, false, 10_000, false),
                new Probe(false, Path.DEFERRED, false, 10_000, true)));
    }

    /** W10L: the gap probe with a 70 s hold, past Axon's default gapTimeout (60 s); only when named. */
    static CrossServerDelivery w10Long() {
        return new CrossServerDelivery("W10L", "a late commit after a 70 s hold (gap probe past Axon's gapTimeout)",
                false, List.of(
                new Probe(true, null, false, 70_000, false),
                new Probe(false, Path.INLINE, false, 70_000, false),
                new Probe(false, Path.DEFERRED, false, 70_000, false)));
    }

    @Override
    public boolean onlyWhenNamed() {
        return !latency;
    }

    /** Part (a)'s trials take about 7 s each; 3 rounds show the spread. Probes run once anyway. */
    @Override
    public int maxRounds() {
        return 3;
    }

    @Override
    public List<Trial> setUp(Bench b) throws Exception {
        this.bench = b;
        executorA = Executors.newCachedThreadPool(daemons("bench-" + id.toLowerCase() + "-a"));
        executorB = Executors.newCachedThreadPool(daemons("bench-" + id.toLowerCase() + "-b"));
        schema = "bench_" + id.toLowerCase();
        b.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
        held = new HeldTransactions(b.pool());
        storeA = appendingStore(LinkSettings.defaults());
        storeACommitted = appendingStore(LinkSettings.defaults().withMode(LinkSettings.Mode.COMMITTED));
        serverB = b.otherServer(schema, "bench-" + id.toLowerCase() + "-b", 4, executorB);
        axonA = new AxonBaseline(b.pool(), schema + "_axon");
        axonPoolB = b.ownPool("bench-" + id.toLowerCase() + "-axon-b", 4);
        axonB = AxonBaseline.attach(axonPoolB, axonA);
        axonA.createTokenTable();

        List<Trial> trials = new ArrayList<>();
        if (latency) {
            trials.add(trial(STORE_OTHER, seconds -> latency(seconds, new StoreSide(storeA, serverB.store()))));
            trials.add(trial(AXON_OTHER, seconds -> latency(seconds, new AxonSide(axonA, axonB))));
            trials.add(trial(STORE_SAME, seconds -> latency(seconds, new StoreSide(storeA, storeA))));
            trials.add(trial(AXON_SAME, seconds -> {
                try (AxonSide side = new AxonSide(axonA, null)) {
                    return latency(seconds, side);
                }
            }));
        }
        for (Probe p : probes) {
            trials.add(once(p.subject(), seconds -> probe(p)));
        }
        return trials;
    }

    /**
     * A store of the appending server on W10's schema: the bench's pool behind {@link HeldTransactions}, its own
     * listener, the background linker on executor A.
     */
    private PostgresEventStore appendingStore(LinkSettings linking) {
        return PostgresEventStore.builder(held.dataSource()).schema(schema)
                .serializer(new JsonbEventSerializer().register(Payload.class))
                .transactionContext(held).linking(linking)
                .notifications(bench.direct(), executorA).listenerPoll(Duration.ofMillis(500)).build();
    }

    @Override
    public void close() throws Exception {
        for (AutoCloseable c : new AutoCloseable[] {serverB, storeACommitted, storeA, axonB, axonPoolB}) {
            if (c != null) {
                c.close();
            }
        }
        if (storeA != null) {
            storeA.schema().drop();
        }
        if (axonA != null) {
            axonA.close();
        }
        for (ExecutorService e : new ExecutorService[] {executorA, executorB}) {
            if (e != null) {
                e.shutdownNow();
            }
        }
    }

    @Override
    public List<Goal> goals() {
        return List.of(Goal.info(P50_MS, STORE_OTHER, AXON_OTHER), Goal.info(P99_MS, STORE_OTHER, AXON_OTHER),
                Goal.info(P50_MS, STORE_SAME, AXON_SAME), Goal.info(P99_MS, STORE_SAME, AXON_SAME));
    }

    // ---------------------------------------------------------------------------------------------------------
    // The two systems behind one interface

    /** What a subscriber reports: the stream (aggregate) id, the event's version in it, when it was handled. */
    @FunctionalInterface
    interface Delivered {
        void event(String id, long version, long nanos);
    }

    /** An append held open in a transaction on the thread that made it. */
    interface HeldAppend {
        /** Commits; returns {@link System#nanoTime()} taken just before the COMMIT was sent. */
        long commit() throws Exception;

        void rollback();

        /** Whether the append took its {@code $all} positions in its own statement (the store only). */
        boolean inline();
    }

    /** One system: a subscriber on the consuming instance, appends and held appends through the appending one. */
    interface Side {
        /** Starts a new subscriber (a new name, from the head) and returns once it is live. */
        AutoCloseable subscribe(String name, Delivered delivered) throws Exception;

        /** Appends {@code size} events to the new stream (aggregate) {@code id}. */
        void append(String id, int size) throws Exception;

        /** Begins a transaction on this thread and appends one event to {@code id} in it. */
        HeldAppend hold(String id, Path path) throws Exception;
    }

    private static final List<EventData> ONE = Payload.batch(0, 1);
    private static final List<EventData> HUNDRED = Payload.batch(0, BURST_SIZE);
    private static final List<Map.Entry<Payload, Map<String, Object>>> AXON_ONE = AxonBaseline.contents(1);
    private static final List<Map.Entry<Payload, Map<String, Object>>> AXON_HUNDRED =
            AxonBaseline.contents(BURST_SIZE);

    /** The store: appends through {@code producer}, a persistent subscription to {@code $all} on {@code consumer}. */
    private final class StoreSide implements Side {
        private final PostgresEventStore producer;
        private final PostgresEventStore consumer;
        final AtomicInteger notLinked = new AtomicInteger();

        StoreSide(PostgresEventStore producer, PostgresEventStore consumer) {
            this.producer = producer;
            this.consumer = consumer;
        }

        @Override
        public AutoCloseable subscribe(String name, Delivered delivered) throws Exception {
            Subscription s = consumer.subscribeToAll(name,
                    e -> delivered.event(e.streamId(), e.streamVersion(), System.nanoTime()),
                    SubscriptionOptions.defaults().startFrom(StartFrom.current()));
            AutoCloseable close = () -> {
                s.close();
                consumer.deleteSubscription(EventStore.ALL, name);
            };
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (s.state() != SubscriptionState.SUBSCRIBED) {
                if (System.nanoTime() > deadline) {
                    close.close();
                    throw new IllegalStateException("subscription " + name + " not live after 30 s: " + s.state());
                }
                Thread.sleep(10);
            }
            return close;
        }

        @Override
        public void append(String id, int size) {
            try {
                producer.appendToStream(id, ExpectedVersion.noStream(), size == 1 ? ONE : HUNDRED);
            } catch (AppendNotLinkedException e) {
                notLinked.incrementAndGet(); // committed; linked later
            }
        }

        @Override
        public HeldAppend hold(String id, Path path) throws Exception {
            Connection row = null;
            if (path == Path.DEFERRED) {
                // the $all row busy for the held append's statement, as when a linker pass or another append
                // holds it: the append's SKIP LOCKED finds no row, so it commits without positions
                row = bench.pool().getConnection();
                row.setAutoCommit(false);
                try (Statement st = row.createStatement()) {
                    st.execute("SELECT stream_version FROM " + schema + ".streams WHERE stream_id = 0"
                            + " FOR NO KEY UPDATE");
                }
            }
            HeldTransactions.Held tx = held.begin();
            AppendResult result;
            try {
                result = producer.appendToStream(id, ExpectedVersion.noStream(), ONE);
            } catch (RuntimeException e) {
                tx.rollback();
                throw e;
            } finally {
                if (row != null) {
                    row.rollback();
                    row.close();
                }
            }
            boolean inline = result.lastPosition() > 0;
            return new HeldAppend() {
                @Override
                public long commit() throws Exception {
                    return tx.commit();
                }

                @Override
                public void rollback() {
                    tx.rollback();
                }

                @Override
                public boolean inline() {
                    return inline;
                }
            };
        }
    }

    /**
     * Axon: appends through {@code producer}'s engine, a tracking processor on {@code consumer}'s own
     * EmbeddedEventStore; {@code consumer} null: one instance, a new EmbeddedEventStore of the producer that events
     * are published through and tracked from (made for the trial, as at an application's start, so that its event
     * producer follows the processor from the start; shut down by {@link #close}).
     */
    private final class AxonSide implements Side, AutoCloseable {
        private final AxonBaseline producer;
        private final AxonBaseline consumer;
        private final org.axonframework.eventsourcing.eventstore.EmbeddedEventStore shared;

        AxonSide(AxonBaseline producer, AxonBaseline consumer) {
            this.producer = producer;
            this.consumer = consumer;
            this.shared = consumer == null ? producer.newEmbedded() : null;
        }

        @Override
        public AutoCloseable subscribe(String name, Delivered delivered) throws Exception {
            return (consumer != null ? consumer : producer).track(name, shared, event -> {
                DomainEventMessage<?> e = (DomainEventMessage<?>) event;
                delivered.event(e.getAggregateIdentifier(), e.getSequenceNumber() + 1, System.nanoTime());
                return null;
            });
        }

        @Override
        public void append(String id, int size) {
            var contents = size == 1 ? AXON_ONE : AXON_HUNDRED;
            if (shared != null) {
                AxonBaseline.publish(shared, id, 0, contents);
            } else {
                producer.append(id, 0, contents);
            }
        }

        @Override
        public void close() {
            if (shared != null) {
                shared.shutDown();
            }
        }

        @Override
        public HeldAppend hold(String id, Path path) {
            Transaction t = producer.transactions().startTransaction();
            try {
                producer.append(id, 0, AXON_ONE); // joins t: the row and its global index, uncommitted
            } catch (RuntimeException e) {
                t.rollback();
                throw e;
            }
            return new HeldAppend() {
                @Override
                public long commit() {
                    long committing = System.nanoTime();
                    t.commit();
                    return committing;
                }

                @Override
                public void rollback() {
                    t.rollback();
                }

                @Override
                public boolean inline() {
                    return false;
                }
            };
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // (a) latency

    private Map<String, Double> latency(double seconds, Side side) throws Exception {
        int n = (int) Math.max(200, Math.round(1_000 * Math.min(1.0, seconds / 3.0)));
        int run = runs.incrementAndGet();
        String prefix = id.toLowerCase() + "-l" + run + "-";
        long[] sent = new long[n];
        long[] returned = new long[n];
        AtomicLongArray got = new AtomicLongArray(n);
        AtomicInteger handled = new AtomicInteger();
        AtomicReference<String> error = new AtomicReference<>();
        Delivered delivered = (streamId, version, nanos) -> {
            int k = index(prefix, streamId);
            if (k < 0 || k >= n) {
                error.compareAndSet(null, "unexpected event of " + streamId);
            } else if (got.compareAndSet(k, 0, nanos)) {
                handled.incrementAndGet();
            } else {
                error.compareAndSet(null, streamId + " handed over twice");
            }
        };
        try (AutoCloseable subscriber = side.subscribe(prefix + "sub", delivered)) {
            long next = System.nanoTime();
            for (int k = 0; k < n; k++) {
                next = pace(next, LATENCY_INTERVAL_NANOS);
                sent[k] = System.nanoTime();
                side.append(prefix + k, 1);
                returned[k] = System.nanoTime();
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (handled.get() < n && error.get() == null) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException(id + ": " + handled.get() + " of " + n + " events handed over 30 s"
                            + " after the last append");
                }
                Thread.sleep(1);
            }
        }
        if (error.get() != null) {
            throw new IllegalStateException(id + ": " + error.get());
        }
        double[] latencies = new double[n];
        double[] appends = new double[n];
        for (int k = 0; k < n; k++) {
            latencies[k] = (got.get(k) - sent[k]) / 1e6;
            appends[k] = (returned[k] - sent[k]) / 1e6;
        }
        Arrays.sort(latencies);
        Arrays.sort(appends);
        return figures(P50_MS, rank(latencies, 0.50), P90_MS, rank(latencies, 0.90), P99_MS, rank(latencies, 0.99),
                MAX_MS, latencies[n - 1], APPEND_P50_MS, rank(appends, 0.50));
    }

    // ---------------------------------------------------------------------------------------------------------
    // (b) the gap probe

    /** One background append: its id, size, and when its call started and returned. */
    private record Sent(String id, int size, long start, long end) {
    }

    /** What the subscriber of one probe got, per stream (aggregate). */
    private static final class Got {
        final AtomicInteger events = new AtomicInteger();
        final AtomicLong last = new AtomicLong();
    }

    private Map<String, Double> probe(Probe p) throws Exception {
        int run = runs.incrementAndGet();
        String prefix = id.toLowerCase() + "-g" + run + "-";
        String late = prefix + "late";
        StoreSide store = p.axon() ? null
                : new StoreSide(p.committedAppends() ? storeACommitted : storeA, serverB.store());
        Side side = p.axon() ? new AxonSide(axonA, axonB) : store;
        int size = p.burst() ? BURST_SIZE : 1;
        long interval = p.burst() ? BURST_INTERVAL_NANOS : STEADY_INTERVAL_NANOS;

        Map<String, Got> got = new ConcurrentHashMap<>();
        AtomicInteger redelivered = new AtomicInteger();
        Delivered delivered = (streamId, version, nanos) -> {
            if (!streamId.startsWith(prefix)) {
                return;
            }
            Got g = got.computeIfAbsent(streamId, k -> new Got());
            if (version <= g.events.get()) {
                redelivered.incrementAndGet();
                return;
            }
            g.events.incrementAndGet();
            g.last.set(nanos);
        };

        List<Sent> sent = java.util.Collections.synchronizedList(new ArrayList<>());
        ReentrantLock gate = new ReentrantLock();
        java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
        ExecutorService writer = Executors.newSingleThreadExecutor(daemons("bench-" + id.toLowerCase() + "-writer"));
        long heldReturned;
        long committed;
        boolean inline;
        try (AutoCloseable subscriber = side.subscribe(prefix + "sub", delivered)) {
            Future<?> background = writer.submit(() -> {
                long next = System.nanoTime();
                for (int k = 0; !stop.get(); k++) {
                    next = pace(next, interval);
                    String stream = prefix + "bg-" + k;
                    gate.lock();
                    try {
                        long start = System.nanoTime();
                        side.append(stream, size);
                        sent.add(new Sent(stream, size, start, System.nanoTime()));
                    } finally {
                        gate.unlock();
                    }
                }
                return null;
            });
            Thread.sleep(BEFORE_HOLD_MILLIS);
            HeldAppend h;
            gate.lock(); // no background append runs at the same moment (see the class comment)
            try {
                h = side.hold(late, p.path());
                heldReturned = System.nanoTime();
            } finally {
                gate.unlock();
            }
            inline = h.inline();
            try {
                Thread.sleep(p.holdMillis());
            } catch (InterruptedException e) {
                h.rollback();
                throw e;
            }
            committed = h.commit();
            Thread.sleep(AFTER_COMMIT_MILLIS);
            stop.set(true);
            background.get(120, TimeUnit.SECONDS);

            long expected = 1;
            for (Sent s : sent) {
                expected += s.size();
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            while (countBackground(got, late) < expected - 1) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException(id + " " + p.subject() + ": " + countBackground(got, late) + " of "
                            + (expected - 1) + " background events handed over 120 s after the writer stopped");
                }
                Thread.sleep(5);
            }
            long graceEnd = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(GRACE_MILLIS);
            while (!got.containsKey(late) && System.nanoTime() < graceEnd) {
                Thread.sleep(5);
            }
        } finally {
            stop.set(true);
            writer.shutdownNow();
        }

        Got lateGot = got.get(late);
        long lateAt = lateGot == null ? Long.MAX_VALUE : lateGot.last.get();
        int overtaken = 0;
        long duringHold = 0;
        double appendMax = 0;
        List<Double> others = new ArrayList<>();
        for (Sent s : sent) {
            Got g = got.get(s.id());
            if (g == null || g.events.get() < s.size()) {
                throw new IllegalStateException(id + " " + p.subject() + ": " + s.id() + " not handed over whole");
            }
            if (s.start() > heldReturned && g.last.get() < lateAt) {
                overtaken++;
            }
            if (s.start() > heldReturned && s.start() < committed) {
                duringHold += s.size();
            }
            appendMax = Math.max(appendMax, (s.end() - s.start()) / 1e6);
            others.add((g.last.get() - s.start()) / 1e6);
        }
        double[] o = others.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        Map<String, Double> f = new LinkedHashMap<>();
        f.put(DELIVERED, lateGot == null ? 0.0 : 1.0);
        if (lateGot != null) {
            f.put(AFTER_COMMIT_MS, (lateAt - committed) / 1e6);
        }
        f.put(OVERTAKEN, (double) overtaken);
        f.put(DURING_HOLD, (double) duringHold);
        f.put(OTHERS_P99_MS, o.length == 0 ? 0 : rank(o, 0.99));
        f.put(OTHERS_MAX_MS, o.length == 0 ? 0 : o[o.length - 1]);
        f.put(APPEND_MAX_MS, appendMax);
        if (store != null) {
            f.put(INLINE, inline ? 1.0 : 0.0);
            f.put(NOT_LINKED, (double) store.notLinked.get());
        }
        if (redelivered.get() > 0) {
            f.put("redelivered", (double) redelivered.get());
        }
        bench.progress("%s %s: late event %s; %d background appends", id, p.subject(),
                lateGot == null ? "NOT delivered" : String.format("delivered %.1f ms after its COMMIT was sent",
                        (lateAt - committed) / 1e6), sent.size());
        return f;
    }

    /** Background events handed over so far (the late one excluded). */
    private static long countBackground(Map<String, Got> got, String late) {
        long n = 0;
        for (Map.Entry<String, Got> e : got.entrySet()) {
            if (!e.getKey().equals(late)) {
                n += e.getValue().events.get();
            }
        }
        return n;
    }

    // ---------------------------------------------------------------------------------------------------------

    /**
     * Waits until {@code next}, returns when the next call is due: {@code interval} later, or now if this one was
     * late (a writer that was held up does not catch up in a burst).
     */
    private static long pace(long next, long interval) {
        long now;
        while ((now = System.nanoTime()) < next) {
            LockSupport.parkNanos(next - now);
        }
        return Math.max(next, now - interval) + interval;
    }

    private static int index(String prefix, String streamId) {
        if (!streamId.startsWith(prefix)) {
            return -1;
        }
        try {
            return Integer.parseInt(streamId.substring(prefix.length()));
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private static double rank(double[] sorted, double p) {
        int index = (int) Math.ceil(p * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, index))];
    }

    private static java.util.concurrent.ThreadFactory daemons(String name) {
        return r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        };
    }
}
