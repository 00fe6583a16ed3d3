package org.jeventstore.faults;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.stream.Collectors;

/**
 * A fault campaign: starts PostgreSQL and the servers, runs the {@link Workload} while the {@link Nemesis}
 * injects the faults of the seed's schedule, heals everything, waits for the system to catch up (liveness, with
 * a stated bound), and has the {@link Checker} judge the recorded {@link History}. The report names the seed, the
 * faults injected by kind, what was checked and each property's verdict; running the same seed again replays the
 * same schedule.
 *
 * <pre>
 * mvn verify -Pchaos -pl eventstore-faults -am -Dchaos.minutes=20 [-Dchaos.seed=N]
 * </pre>
 */
public final class Campaign {

    /** How a campaign runs. {@code faultMillis} of faults; the whole run takes about a minute more. */
    public record Settings(long seed, long faultMillis, int servers, int appenders, long appendPauseMillis,
                           long livenessBoundMillis) {

        public static Settings of(long seed, Duration faults) {
            return new Settings(seed, faults.toMillis(), 3, 4, 15, 60_000);
        }
    }

    /** What a campaign found. */
    public record Result(Settings settings, List<Checker.Verdict> verdicts, Map<Nemesis.Kind, Integer> faults,
                         Map<String, Long> counts, Map<String, Long> liveness, String report) {

        public boolean ok() {
            return verdicts.stream().allMatch(Checker.Verdict::ok);
        }
    }

    private Campaign() {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> options = new HashMap<>();
        for (String arg : args) {
            int eq = arg.indexOf('=');
            if (arg.startsWith("--") && eq > 2) {
                options.put(arg.substring(2, eq), arg.substring(eq + 1));
            }
        }
        String seedText = options.getOrDefault("seed", "");
        long seed = seedText.isBlank() ? ThreadLocalRandom.current().nextLong() : Long.parseLong(seedText.trim());
        double minutes = Double.parseDouble(options.getOrDefault("minutes", "5"));
        int servers = Integer.parseInt(options.getOrDefault("servers", "3"));
        Settings settings = new Settings(seed, (long) (minutes * 60_000), servers, 4, 15, 60_000);
        System.out.println("fault campaign: seed " + seed + ", " + minutes + " min of faults, " + servers
                + " servers (replay: -Dchaos.seed=" + seed + ")");
        String dir = options.get("report");
        if (dir != null && !dir.isBlank()) {
            logTo(Path.of(dir), seed);
        }
        historyDir = dir == null || dir.isBlank() ? null : Path.of(dir);
        Result result = run(settings);
        System.out.println(result.report());
        if (dir != null && !dir.isBlank()) {
            Path out = Path.of(dir);
            Files.createDirectories(out);
            Files.writeString(out.resolve("campaign-" + seed + ".md"), result.report());
        }
        System.exit(result.ok() ? 0 : 1);
    }

    /**
     * The servers' own log (INFO and worse of the store, every fault they met) goes to {@code campaign-<seed>.log}
     * beside the report, so that a violation can be traced to what the servers did; the console stays quiet.
     */
    private static void logTo(Path dir, long seed) throws java.io.IOException {
        Files.createDirectories(dir);
        java.util.logging.FileHandler file = new java.util.logging.FileHandler(
                dir.resolve("campaign-" + seed + ".log").toString(), 200_000_000, 1, false);
        file.setFormatter(new ThreadNamingFormatter());
        file.setLevel(java.util.logging.Level.INFO);
        java.util.logging.Logger store = java.util.logging.Logger.getLogger("org.jeventstore");
        store.setLevel(java.util.logging.Level.INFO);
        store.addHandler(file);
    }

    /**
     * One line per record: UTC time, level, the logging thread's name (a server's threads are named
     * {@code <server>.<incarnation>-<n>}, so each line says which server and incarnation wrote it), logger, message,
     * and the stack of a throwable. The handler is synchronous: the formatting thread is the logging one.
     */
    private static final class ThreadNamingFormatter extends java.util.logging.Formatter {
        private static final java.time.format.DateTimeFormatter TIME = java.time.format.DateTimeFormatter
                .ofPattern("HH:mm:ss.SSS").withZone(java.time.ZoneOffset.UTC);

        @Override
        public String format(java.util.logging.LogRecord r) {
            StringBuilder b = new StringBuilder().append(TIME.format(r.getInstant())).append(' ')
                    .append(r.getLevel().getName()).append(" [").append(Thread.currentThread().getName()).append("] ")
                    .append(r.getLoggerName()).append(": ").append(formatMessage(r));
            if (r.getThrown() != null) {
                java.io.StringWriter trace = new java.io.StringWriter();
                r.getThrown().printStackTrace(new java.io.PrintWriter(trace));
                b.append(System.lineSeparator()).append(trace.toString().stripTrailing());
            }
            return b.append(System.lineSeparator()).toString();
        }
    }

    /** Every thread's stack, for a subscription that did not catch up: where its worker waits. */
    static String threadDump() {
        StringBuilder out = new StringBuilder();
        for (java.lang.management.ThreadInfo t : java.lang.management.ManagementFactory.getThreadMXBean()
                .dumpAllThreads(true, true)) {
            out.append('"').append(t.getThreadName()).append("\" ").append(t.getThreadState());
            if (t.getLockName() != null) {
                out.append(" on ").append(t.getLockName());
            }
            out.append('\n');
            for (StackTraceElement e : t.getStackTrace()) {
                out.append("    at ").append(e).append('\n');
            }
            out.append('\n');
        }
        return out.toString();
    }

    public static Result run(Settings settings) throws InterruptedException, java.io.IOException {
        String run = "fc" + Long.toString(ThreadLocalRandom.current().nextInt(1 << 24), 36);
        String schema = "f_" + Long.toString(ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE, 36);
        long began = System.nanoTime();
        Instant startedAt = Instant.now();
        try (Database db = Database.start()) {
            History history = new History();
            ExecutorService background = Executors.newCachedThreadPool(r -> {
                Thread t = new Thread(r, "campaign");
                t.setDaemon(true);
                return t;
            });
            List<String> names = new ArrayList<>();
            for (int i = 1; i <= settings.servers(); i++) {
                names.add("s" + i);
            }
            Workload[] workload = new Workload[1];
            // the last server reaches PostgreSQL through a proxy the nemesis can turn into a black hole
            org.jeventstore.testkit.BlackHoleProxy proxy = new org.jeventstore.testkit.BlackHoleProxy(
                    db.server().host(), db.server().port(), Duration.ofMillis(settings.faultMillis()).plusMinutes(15),
                    1024);
            String proxied = names.get(names.size() - 1);
            org.jeventstore.testkit.PostgresServer viaProxy = new org.jeventstore.testkit.PostgresServer(
                    "127.0.0.1", proxy.port(), db.server().database(), db.server().user(), db.server().password(),
                    "proxy");
            Cluster cluster = new Cluster(run, name -> name.equals(proxied) ? viaProxy : db.server(), schema, names,
                    s -> workload[0].subscribe(s));
            workload[0] = new Workload(history, cluster, settings.seed(), background);
            Server.Config initial = new Server.Config(3, 4);
            for (String name : names) {
                cluster.start(name, initial);
            }
            Nemesis nemesis = new Nemesis(db, schema, cluster, workload[0], history, initial, proxy, proxied);
            List<Nemesis.Fault> schedule = Nemesis.schedule(settings.seed(), settings.faultMillis(), names,
                    db.restartable());

            for (int i = 0; i < settings.appenders(); i++) {
                int index = i;
                background.execute(() -> workload[0].append(index, settings.appendPauseMillis()));
            }
            background.execute(() -> workload[0].observe(new Random(settings.seed() ^ 0x5DEECE66DL)));
            background.execute(() -> workload[0].sampleCheckpoints(db, schema));

            nemesis.run(schedule);
            nemesis.awaitRunning();
            heal(cluster, nemesis, workload[0]);
            long faultsEnded = System.nanoTime(); // liveness counts from here: every fault over, every server back
            // a little more traffic on the healed cluster, then quiet
            Thread.sleep(2_000); // the workload's own pace: traffic after the faults
            workload[0].stopAppending();
            Map<String, Long> liveness = awaitCatchUp(db, schema, faultsEnded);
            if (liveness.containsValue(-1L)) {
                java.util.logging.Logger.getLogger("org.jeventstore.faults").severe("not caught up " + liveness
                        + "; the servers' threads now:\n" + threadDump());
            }
            workload[0].stopObserving();
            for (Server s : cluster.upServers()) {
                s.stop();
            }
            background.shutdownNow();
            proxy.close();
            Checker.FinalState state = finalState(db, schema);
            List<Checker.Verdict> verdicts = new Checker(history, state).check(liveness,
                    settings.livenessBoundMillis());
            Map<String, Long> counts = counts(history, state);
            keepDeliveries(settings.seed(), history, verdicts);
            dropSchema(db, schema);
            String report = report(settings, startedAt, System.nanoTime() - began, nemesis.injected(), counts,
                    liveness, verdicts);
            return new Result(settings, verdicts, nemesis.injected(), counts, liveness, report);
        }
    }

    /** Where a violated subscription's calls are written (the report's directory); null: not written. */
    private static volatile Path historyDir;

    /**
     * For each subscription with a violated property, every handler call of the run, one line each, to
     * {@code campaign-<seed>-<subscription>.csv} beside the report: the history is gone with the run, and a
     * violation is traced in it (with the servers' log, whose clock the times use).
     */
    private static void keepDeliveries(long seed, History history, List<Checker.Verdict> verdicts) {
        if (historyDir == null) {
            return;
        }
        java.util.Set<String> violated = new java.util.TreeSet<>();
        for (Checker.Verdict v : verdicts) {
            String[] parts = v.property().split("\\.");
            if (!v.ok() && parts.length > 2 && parts[0].equals("subscription")) {
                violated.add(parts[1]);
            }
        }
        for (String sub : violated) {
            StringBuilder b = new StringBuilder("start,end,row,epoch,consumer,event_number,event_id,stream,ok\n");
            history.deliveries.stream().filter(d -> d.subscription().equals(sub))
                    .sorted(java.util.Comparator.comparingLong(History.Delivery::startNanos))
                    .forEach(d -> b.append(Checker.millis(d.startNanos())).append(',')
                            .append(Checker.millis(d.endNanos())).append(',').append(d.row()).append(',').append(d.epoch()).append(',').append(d.consumer()).append(',')
                            .append(d.eventNumber()).append(',').append(d.eventId()).append(',').append(d.stream())
                            .append(',').append(d.ok()).append('\n'));
            try {
                Files.createDirectories(historyDir);
                Files.writeString(historyDir.resolve("campaign-" + seed + "-" + sub + ".csv"), b);
            } catch (java.io.IOException e) {
                java.util.logging.Logger.getLogger("org.jeventstore.faults").warning("could not keep the calls of "
                        + sub + ": " + e);
            }
        }
    }

    /**
     * Brings every server back (with the configuration the last rolling change set) and clears handler faults. The
     * network heals first: a server behind a silent proxy could not start (seed 20261207001's 20-minute run ended
     * so, its last fault a half-open network). A start that fails on the database is tried again for 30 s.
     */
    private static void heal(Cluster cluster, Nemesis nemesis, Workload workload) throws InterruptedException {
        workload.clearHandlerFaults();
        nemesis.healNetwork();
        for (String name : cluster.names()) {
            cluster.lock(name).lock();
            try {
                Server s = cluster.up(name);
                if (s == null) {
                    startWithRetries(cluster, name, nemesis.target(), nemesis);
                } else {
                    s.pool.statementTimeout(0);
                }
            } finally {
                cluster.lock(name).unlock();
            }
        }
    }

    private static void startWithRetries(Cluster cluster, String name, Server.Config config, Nemesis nemesis)
            throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            try {
                cluster.start(name, config);
                return;
            } catch (org.jeventstore.StorageException e) {
                if (System.nanoTime() - deadline > 0) {
                    throw e;
                }
                System.out.println("heal: " + name + " could not start yet (" + e.getMessage() + "; "
                        + nemesis.network() + "); again");
                Thread.sleep(500); // the database is coming back (a restart the schedule ended with)
            }
        }
    }

    /**
     * Liveness after the faults: how long until no append waits for $all, and until each subscription's
     * checkpoint (a partitioned one's low-water mark) reaches the head; -1 when it did not within the bound.
     */
    private static Map<String, Long> awaitCatchUp(Database db, String schema, long faultsEnded)
            throws InterruptedException {
        Map<String, Long> took = new LinkedHashMap<>();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        Map<String, LongSupplier> conditions = new LinkedHashMap<>();
        conditions.put("link backlog drained", () -> query(db, "SELECT count(*) FROM \"" + schema
                + "\".jes_unlinked") == 0 ? 1 : 0);
        for (String sub : Workload.SUBSCRIPTIONS) {
            conditions.put("subscription " + sub + " caught up", () -> query(db, "SELECT coalesce((SELECT last_seen"
                    + " FROM \"" + schema + "\".subscriptions WHERE stream_uuid = '$all' AND subscription_name = '" + sub
                    + "'), -1) >= (SELECT stream_version FROM \"" + schema + "\".streams WHERE stream_id = 0)"));
        }
        while (!conditions.isEmpty() && System.nanoTime() < deadline) {
            for (var it = conditions.entrySet().iterator(); it.hasNext(); ) {
                var c = it.next();
                if (c.getValue().getAsLong() == 1) {
                    took.put(c.getKey(), TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - faultsEnded));
                    it.remove();
                }
            }
            Thread.sleep(200); // polling the database for the liveness figures
        }
        conditions.keySet().forEach(k -> took.put(k, -1L));
        return took;
    }

    private static long query(Database db, String sql) {
        try (Connection c = db.connect(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            if (!rs.next()) {
                return 0;
            }
            Object v = rs.getObject(1);
            return v instanceof Boolean b ? (b ? 1 : 0) : ((Number) v).longValue();
        } catch (SQLException e) {
            return -1;
        }
    }

    private static Checker.FinalState finalState(Database db, String schema) {
        String q = "\"" + schema + "\".";
        try (Connection c = db.connect(); Statement st = c.createStatement()) {
            long head;
            try (ResultSet rs = st.executeQuery("SELECT stream_version FROM " + q + "streams WHERE stream_id = 0")) {
                rs.next();
                head = rs.getLong(1);
            }
            Map<Long, UUID> positions = new HashMap<>();
            Map<UUID, Long> positionOf = new HashMap<>();
            Map<UUID, Integer> times = new HashMap<>();
            try (ResultSet rs = st.executeQuery("SELECT stream_version, event_id FROM " + q + "stream_events"
                    + " WHERE stream_id = 0")) {
                while (rs.next()) {
                    UUID id = rs.getObject(2, UUID.class);
                    positions.put(rs.getLong(1), id);
                    positionOf.put(id, rs.getLong(1));
                    times.merge(id, 1, Integer::sum);
                }
            }
            Map<String, TreeMap<Long, UUID>> streams = new HashMap<>();
            Map<UUID, String> streamOf = new HashMap<>();
            Map<UUID, Long> versionOf = new HashMap<>();
            try (ResultSet rs = st.executeQuery("SELECT s.stream_uuid, se.stream_version, se.event_id,"
                    + " se.stream_id = se.original_stream_id FROM " + q + "stream_events se JOIN " + q + "streams s"
                    + " USING (stream_id) WHERE se.stream_id <> 0")) {
                while (rs.next()) {
                    String stream = rs.getString(1);
                    UUID id = rs.getObject(3, UUID.class);
                    streams.computeIfAbsent(stream, k -> new TreeMap<>()).put(rs.getLong(2), id);
                    if (rs.getBoolean(4)) {
                        streamOf.put(id, stream);
                        versionOf.put(id, rs.getLong(2));
                    }
                }
            }
            Set<UUID> stored = new java.util.HashSet<>();
            try (ResultSet rs = st.executeQuery("SELECT event_id FROM " + q + "events")) {
                while (rs.next()) {
                    stored.add(rs.getObject(1, UUID.class));
                }
            }
            Map<String, Map<UUID, String>> parked = new HashMap<>();
            try (ResultSet rs = st.executeQuery("SELECT s.subscription_name, p.event_id, p.status,"
                    + " p.held_behind IS NOT NULL FROM " + q + "jes_parked p JOIN " + q + "subscriptions s"
                    + " USING (subscription_id)")) {
                while (rs.next()) {
                    String name = rs.getString(1);
                    String family = org.jeventstore.subscriptions.PartitionName.familyOf(name);
                    parked.computeIfAbsent(family, k -> new HashMap<>()).put(rs.getObject(2, UUID.class),
                            rs.getString(3) + (rs.getBoolean(4) ? " held" : ""));
                }
            }
            long unlinked = count(st, "SELECT count(*) FROM " + q + "jes_unlinked");
            long setAside = count(st, "SELECT count(*) FROM " + q + "jes_set_aside");
            return new Checker.FinalState(head, positions, positionOf, times, streams, streamOf, versionOf, stored,
                    parked, unlinked, setAside);
        } catch (SQLException e) {
            throw new IllegalStateException("reading the store's final state failed", e);
        }
    }

    private static long count(Statement st, String sql) throws SQLException {
        try (ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static void dropSchema(Database db, String schema) {
        try (Connection c = db.connect(); Statement st = c.createStatement()) {
            st.execute("DROP SCHEMA IF EXISTS \"" + schema + "\" CASCADE");
        } catch (SQLException e) {
            // the embedded database goes with the run; an explicit one keeps a schema named f_...
        }
    }

    private static Map<String, Long> counts(History history, Checker.FinalState state) {
        Map<String, Long> counts = new LinkedHashMap<>();
        Map<History.Outcome, Long> outcomes = history.appends.stream().filter(a -> !a.link())
                .collect(Collectors.groupingBy(History.Append::outcome, () -> new EnumMap<>(History.Outcome.class),
                        Collectors.counting()));
        outcomes.forEach((o, n) -> counts.put("appends " + o.name().toLowerCase().replace('_', ' '), n));
        counts.put("links", history.appends.stream().filter(History.Append::link).count());
        counts.put("events in $all", state.head());
        for (String sub : Workload.SUBSCRIPTIONS) {
            counts.put("deliveries " + sub, history.deliveries.stream().filter(d -> d.subscription().equals(sub))
                    .count());
        }
        counts.put("deliveries failed or abandoned", history.deliveries.stream().filter(d -> !d.ok()).count());
        counts.put("transient deliveries", (long) history.live.size());
        counts.put("$all positions read", (long) history.observed.size());
        counts.put("checkpoint samples", (long) history.checkpoints.size());
        counts.put("operator actions and faults recorded", (long) history.actions.size());
        // what the operator's actions answered (a reset is refused while a server runs the subscription)
        history.actions.stream().filter(x -> x.kind().equals("reset"))
                .collect(Collectors.groupingBy(History.Action::result, java.util.TreeMap::new, Collectors.counting()))
                .forEach((result, n) -> counts.put("resets answered " + result, n));
        return counts;
    }

    private static String report(Settings settings, Instant startedAt, long tookNanos,
                                 Map<Nemesis.Kind, Integer> faults, Map<String, Long> counts,
                                 Map<String, Long> liveness, List<Checker.Verdict> verdicts) {
        StringBuilder r = new StringBuilder();
        long failed = verdicts.stream().filter(v -> !v.ok()).count();
        r.append("# Fault campaign, seed ").append(settings.seed()).append('\n');
        r.append("\nstarted ").append(startedAt).append(", ").append(settings.faultMillis() / 1000)
                .append(" s of faults, whole run ").append(TimeUnit.NANOSECONDS.toSeconds(tookNanos)).append(" s, ")
                .append(settings.servers()).append(" servers, ").append(settings.appenders()).append(" appenders; ")
                .append(failed == 0 ? "no property violated" : failed + " properties VIOLATED")
                .append(" (replay: -Dchaos.seed=").append(settings.seed()).append(")\n");
        r.append("\n## Faults injected\n\n| fault | times |\n|---|---:|\n");
        faults.forEach((k, n) -> r.append("| ").append(k.name().toLowerCase().replace('_', '-')).append(" | ")
                .append(n).append(" |\n"));
        r.append("\n## Operations recorded\n\n| what | count |\n|---|---:|\n");
        counts.forEach((k, n) -> r.append("| ").append(k).append(" | ").append(n).append(" |\n"));
        r.append("\n## Liveness after the faults (ms from the moment every fault was over and every server back)\n\n"
                + "| what | ms |\n|---|---:|\n");
        liveness.forEach((k, ms) -> r.append("| ").append(k).append(" | ").append(ms < 0 ? "never" : ms)
                .append(" |\n"));
        r.append("\n## Properties\n\n| property | checked | verdict |\n|---|---:|---|\n");
        for (Checker.Verdict v : verdicts) {
            r.append("| ").append(v.property()).append(" | ").append(v.checked()).append(" | ")
                    .append(v.ok() ? "ok" : "**VIOLATED**").append(" |\n");
        }
        for (Checker.Verdict v : verdicts) {
            if (!v.ok()) {
                r.append("\n### ").append(v.property()).append("\n\n");
                v.violations().forEach(line -> r.append("- ").append(line).append('\n'));
            }
        }
        return r.toString();
    }
}
