package org.jeventstore.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * One row group of the report: the store's way of doing some work and the baselines doing the same work, run
 * alternately in every round so that a disturbance (another build on the machine) hits both alike.
 *
 * <p>Lifecycle: {@link #setUp} once (own schemas, data to read), then each trial once to warm up, then each trial
 * once per round, then {@link #close} (drops the schemas). A workload that needs an API not written yet (W6, the
 * store's side of W7) is a subclass whose trials join later; the report lists what is still missing.
 */
public abstract class Workload implements AutoCloseable {

    /** One measured thing, run once per round: the store or a baseline. Figures are keyed by name with unit. */
    public interface Trial {
        String subject();

        Map<String, Double> run(double seconds) throws Exception;

        /** Whether this trial runs once, in the first round only, without a warm-up (W10's gap probes). */
        default boolean once() {
            return false;
        }
    }

    /** One step of a writer or reader; returns how many events it handled. */
    @FunctionalInterface
    public interface Step {
        int run(int worker, long seq) throws Exception;
    }

    public static final String STORE = "jeventstore";
    /** The store with {@code eventstore.append-mode=committed}: appends return at their commit. */
    public static final String STORE_COMMITTED = "jeventstore committed";
    /**
     * The store on a schema it created with bytea JSON columns ({@code eventstore.column-data-type=bytea}, Elixir
     * EventStore's default column type); the plain {@link #STORE} has jsonb columns, the default.
     */
    public static final String STORE_BYTEA = "jeventstore bytea";
    public static final String JDBC = "jdbc";
    public static final String JDBC_NOTIFY = "jdbc+notify";
    public static final String JDBC_RAW = "jdbc raw";
    /** Axon Framework 4's JDBC event storage engine (see {@link AxonBaseline}). */
    public static final String AXON = "axon";

    public static final String EVENTS_PER_S = "events/s";
    /** W1-W3: events committed per second (for the store, {@link #EVENTS_PER_S} counts only what reached $all). */
    public static final String COMMITTED_PER_S = "committed events/s";
    /** W1-W3: the age of the oldest append waiting for $all, sampled every 100 ms: p99 and max. */
    public static final String OLDEST_P99_MS = "oldest waiting p99 ms";
    public static final String OLDEST_MAX_MS = "oldest waiting max ms";
    /** W1-W3: the most appends seen waiting for $all at once. */
    public static final String WAITING_MAX = "waiting appends max";
    public static final String P50_MS = "p50 ms";
    public static final String P99_MS = "p99 ms";

    final String id;
    final String title;

    protected Workload(String id, String title) {
        this.id = id;
        this.title = title;
    }

    /** Creates this workload's schemas and data; returns its trials. */
    public abstract List<Trial> setUp(Bench bench) throws Exception;

    /** What the figures are compared with, and the targets. */
    public abstract List<Report.Goal> goals();

    /** What this workload does not measure yet, or {@code null}. */
    public String pending() {
        return null;
    }

    /** At most this many measured rounds, whatever {@code bench.rounds} says (for workloads whose trials are long). */
    public int maxRounds() {
        return Integer.MAX_VALUE;
    }

    /** Whether this workload runs only when {@code bench.only} names it (not in the default run). */
    public boolean onlyWhenNamed() {
        return false;
    }

    /** Drops this workload's schemas. */
    @Override
    public abstract void close() throws Exception;

    static Trial trial(String subject, Timed body) {
        return trial(subject, body, false);
    }

    /** A trial that runs once, in the first round only, without a warm-up: a probe too long to repeat. */
    static Trial once(String subject, Timed body) {
        return trial(subject, body, true);
    }

    private static Trial trial(String subject, Timed body, boolean once) {
        return new Trial() {
            @Override
            public String subject() {
                return subject;
            }

            @Override
            public Map<String, Double> run(double seconds) throws Exception {
                return body.run(seconds);
            }

            @Override
            public boolean once() {
                return once;
            }
        };
    }

    @FunctionalInterface
    interface Timed {
        Map<String, Double> run(double seconds) throws Exception;
    }

    /**
     * Runs {@code workers} threads, each calling {@code step} with its own sequence 0, 1, 2, ... until the time is
     * up (every worker completes at least one step); returns the events handled per second of wall time.
     */
    static double throughput(int workers, double seconds, Step step) throws Exception {
        return throughput(workers, seconds, step, () -> { });
    }

    /** What must be done before the clock stops, once the writers have stopped. */
    @FunctionalInterface
    public interface Finish {
        void run() throws Exception;
    }

    /**
     * As {@link #throughput(int, double, Step)}, with {@code finish} run after the writers stop and counted in the
     * time (for the store: linking the last appends into {@code $all}).
     */
    static double throughput(int workers, double seconds, Step step, Finish finish) throws Exception {
        long start = System.nanoTime();
        long deadline = start + (long) (seconds * 1e9);
        long events;
        if (workers == 1) {
            events = loop(0, deadline, step);
        } else {
            ExecutorService pool = Executors.newFixedThreadPool(workers);
            try {
                CountDownLatch go = new CountDownLatch(1);
                List<Future<Long>> results = new ArrayList<>();
                for (int w = 0; w < workers; w++) {
                    int worker = w;
                    results.add(pool.submit(() -> {
                        go.await();
                        return loop(worker, deadline, step);
                    }));
                }
                start = System.nanoTime();
                go.countDown();
                events = 0;
                for (Future<Long> f : results) {
                    events += f.get();
                }
            } finally {
                pool.shutdownNow();
            }
        }
        finish.run();
        return events / ((System.nanoTime() - start) / 1e9);
    }

    private static long loop(int worker, long deadline, Step step) throws Exception {
        long events = 0;
        long seq = 0;
        do {
            events += step.run(worker, seq++);
        } while (System.nanoTime() < deadline);
        return events;
    }

    /** Calls {@code step} one at a time until the time is up; returns each call's duration in milliseconds. */
    static double[] latencies(double seconds, Step step) throws Exception {
        long deadline = System.nanoTime() + (long) (seconds * 1e9);
        double[] samples = new double[1024];
        int n = 0;
        long seq = 0;
        do {
            long t0 = System.nanoTime();
            step.run(0, seq++);
            long t1 = System.nanoTime();
            if (n == samples.length) {
                samples = Arrays.copyOf(samples, n * 2);
            }
            samples[n++] = (t1 - t0) / 1e6;
        } while (System.nanoTime() < deadline);
        return Arrays.copyOf(samples, n);
    }

    /** W7's samples per trial: 2,000 in a trial of 3 s or more (a full round), proportionally fewer in shorter ones. */
    static int liveSamples(double seconds) {
        return (int) Math.max(100, Math.round(2_000 * Math.min(1.0, seconds / 3.0)));
    }

    private static volatile int sink;

    /** Keeps what was read reachable to the JIT so that the reading is not optimized away. */
    static void consume(List<?> events) {
        if (!events.isEmpty()) {
            sink += System.identityHashCode(events.get(events.size() - 1));
        }
    }

    /** p50 and p99 (nearest rank) of latency samples in ms. */
    static Map<String, Double> percentiles(double[] samples) {
        double[] sorted = samples.clone();
        Arrays.sort(sorted);
        return figures(P50_MS, rank(sorted, 0.50), P99_MS, rank(sorted, 0.99));
    }

    /** Figures in the order given (name, value, name, value, ...), as the report lists them. */
    static Map<String, Double> figures(Object... nameValue) {
        Map<String, Double> m = new LinkedHashMap<>();
        for (int i = 0; i < nameValue.length; i += 2) {
            m.put((String) nameValue[i], (Double) nameValue[i + 1]);
        }
        return m;
    }

    private static double rank(double[] sorted, double p) {
        int index = (int) Math.ceil(p * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, index))];
    }
}
