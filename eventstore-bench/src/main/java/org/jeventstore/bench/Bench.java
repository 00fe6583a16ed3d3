package org.jeventstore.bench;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import javax.sql.DataSource;
import org.jeventstore.DataFormat;
import org.jeventstore.config.LinkSettings;
import org.jeventstore.postgres.PostgresEventStore;
import org.jeventstore.serialization.JsonbEventSerializer;
import org.jeventstore.testkit.Postgres;
import org.jeventstore.testkit.PostgresServer;

/**
 * The benchmark harness: takes PostgreSQL from {@code EVENTSTORE_DB_*} or starts the embedded one (fsync and
 * synchronous_commit on), runs every workload (warm-up, then rounds in which the store and its baselines take
 * turns), prints progress, and writes {@code results.md} and {@code results.json}.
 *
 * <p>System properties: {@code bench.quick} (1 round of 1 s per trial), {@code bench.rounds}, {@code bench.seconds},
 * {@code bench.out} (default {@code target/bench}), {@code bench.only} (workload ids, e.g. {@code W1,F}; W9s and
 * W10L run only when named).
 */
public final class Bench {

    /** The PostgreSQL settings the report records. */
    private static final List<String> SETTINGS = List.of("fsync", "synchronous_commit", "full_page_writes",
            "wal_level", "wal_sync_method", "wal_buffers", "wal_writer_delay", "commit_delay", "max_wal_size",
            "checkpoint_timeout", "shared_buffers", "work_mem", "max_connections");

    record Options(boolean quick, int rounds, double seconds, double warmupSeconds, Path out, List<String> only) {
        static Options fromSystemProperties() {
            boolean quick = Boolean.parseBoolean(System.getProperty("bench.quick", "false"));
            String rounds = System.getProperty("bench.rounds", "");
            String seconds = System.getProperty("bench.seconds", "");
            return new Options(quick,
                    rounds.isBlank() ? (quick ? 1 : 5) : Integer.parseInt(rounds.trim()),
                    seconds.isBlank() ? (quick ? 1.0 : 3.0) : Double.parseDouble(seconds.trim()),
                    quick ? 0.3 : 1.0,
                    Path.of(System.getProperty("bench.out", "target/bench")),
                    Arrays.stream(System.getProperty("bench.only", "").split(",")).map(String::trim)
                            .filter(id -> !id.isEmpty()).toList());
        }
    }

    private final Options options;
    private final long started = System.nanoTime();
    /** Runs the background linkers of the stores made by {@link #store}. */
    private final ExecutorService linkers = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "bench-linker");
        t.setDaemon(true);
        return t;
    });
    private PostgresServer server;
    private DataSource direct;
    private HikariDataSource pool;
    private boolean checkpoints = true;

    private Bench(Options options) {
        this.options = options;
    }

    public static void main(String[] args) throws Exception {
        Bench bench = new Bench(Options.fromSystemProperties());
        int status = bench.run();
        System.exit(status);
    }

    private int run() throws Exception {
        Report report = new Report();
        report.fact("started", Instant.now().truncatedTo(ChronoUnit.SECONDS).toString());
        Map<String, Object> mode = new LinkedHashMap<>();
        mode.put("name", options.quick() ? "quick" : "full");
        mode.put("rounds", options.rounds());
        mode.put("seconds_per_trial", options.seconds());
        mode.put("warmup_seconds_per_trial", options.warmupSeconds());
        report.fact("mode", mode);
        progress("jeventstore benchmarks, %s", mode);
        server = Postgres.sharedWithoutContainers(null);
        progress("PostgreSQL: %s", server);
        direct = server.dataSource();
        pool = pool(direct);
        Map<String, String> settings = settings();
        Map<String, Object> postgres = new LinkedHashMap<>();
        postgres.put("server_version", settings.remove("server_version"));
        postgres.put("origin", server.origin());
        postgres.put("version", settings.remove("version"));
        report.fact("postgres", postgres);
        report.fact("settings", settings);
        boolean durable = "on".equals(settings.get("fsync")) && "on".equals(settings.get("synchronous_commit"));
        report.fact("durable", durable);
        progress("PostgreSQL %s, %s", postgres.get("server_version"), settings);
        if (!durable) {
            progress("WARNING: fsync or synchronous_commit is off: the write figures are not durable commits");
        }
        Map<String, Object> machine = new LinkedHashMap<>();
        machine.put("cores", Runtime.getRuntime().availableProcessors());
        machine.put("java", System.getProperty("java.vm.name") + " " + System.getProperty("java.version"));
        machine.put("os", System.getProperty("os.name") + " " + System.getProperty("os.arch"));
        machine.put("load_average_1min_at_start", loadAverage());
        report.fact("machine", machine);
        try {
            for (Workload w : Workloads.all()) {
                if (options.only().isEmpty() ? w.onlyWhenNamed() : !options.only().contains(w.id)) {
                    continue;
                }
                report.workload(w);
                runWorkload(w, report);
            }
        } finally {
            machine.put("load_average_1min_at_end", loadAverage());
            report.fact("duration_s", Math.round(elapsed()));
            report.write(options.out());
            pool.close();
            for (HikariDataSource extra : extraPools) {
                extra.close();
            }
            linkers.shutdownNow();
        }
        progress("done in %.0f s; results in %s", elapsed(), options.out().toAbsolutePath());
        System.out.println();
        System.out.println(Files.readString(options.out().resolve("results.md")));
        return report.hasFailures() ? 1 : 0;
    }

    private void runWorkload(Workload w, Report report) {
        progress("%s %s: setting up", w.id, w.title);
        try (w) {
            List<Workload.Trial> trials = w.setUp(this);
            if (trials.isEmpty()) {
                progress("%s: nothing to measure yet (%s)", w.id, w.pending());
                return;
            }
            for (Workload.Trial t : trials) {
                if (t.once()) {
                    continue;
                }
                checkpoint();
                Map<String, Double> values = t.run(options.warmupSeconds());
                progress("%s warm-up   %-22s %s", w.id, t.subject(), Report.summary(values));
            }
            int rounds = Math.min(options.rounds(), w.maxRounds());
            for (int round = 1; round <= rounds; round++) {
                // Each round starts with another trial, so no trial always runs right after the same one.
                for (int k = 0; k < trials.size(); k++) {
                    Workload.Trial t = trials.get((round - 1 + k) % trials.size());
                    if (t.once() && round > 1) {
                        continue;
                    }
                    checkpoint();
                    Map<String, Double> values = t.run(options.seconds());
                    report.add(w, t.subject(), values);
                    progress("%s round %d/%d %-22s %s", w.id, round, rounds, t.subject(),
                            Report.summary(values));
                }
            }
        } catch (Exception e) {
            report.failed(w, e);
            progress("%s FAILED: %s", w.id, e);
            e.printStackTrace(System.out);
        }
    }

    /**
     * A store in a fresh schema (a leftover from an interrupted run is dropped first) that links {@code $all} in
     * the background, as every store in the server does.
     */
    PostgresEventStore store(String schema) throws SQLException {
        return store(schema, LinkSettings.defaults());
    }

    /** As {@link #store(String)}, with appends meeting the linker as {@code linking} says. */
    PostgresEventStore store(String schema, LinkSettings linking) throws SQLException {
        return store(schema, linking, DataFormat.JSONB);
    }

    /** As {@link #store(String)}, its schema created with JSON columns of type {@code columns}. */
    PostgresEventStore store(String schema, LinkSettings linking, DataFormat columns) throws SQLException {
        execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
        return PostgresEventStore.builder(pool).schema(schema).columnType(columns)
                .serializer(new JsonbEventSerializer().register(Payload.class))
                .linkInBackground(linkers).linking(linking).build();
    }

    /**
     * As {@link #store(String)}, recording metrics and traces (with the trace context stored in each event's
     * metadata) through an OpenTelemetry SDK that batches spans and collects metrics every 10 s, exporting to
     * nothing: the cost of telemetry on the appending side, without a collector's network.
     */
    PostgresEventStore tracedStore(String schema) throws SQLException {
        execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
        return PostgresEventStore.builder(pool).schema(schema)
                .serializer(new JsonbEventSerializer().register(Payload.class))
                .linkInBackground(linkers).telemetry(telemetry(), true).build();
    }

    private io.opentelemetry.sdk.OpenTelemetrySdk telemetry;

    /** What the discarding exporters answer to everything: done, at once. */
    private static io.opentelemetry.sdk.common.CompletableResultCode done() {
        return io.opentelemetry.sdk.common.CompletableResultCode.ofSuccess();
    }

    private synchronized io.opentelemetry.sdk.OpenTelemetrySdk telemetry() {
        if (telemetry == null) {
            var spans = new io.opentelemetry.sdk.trace.export.SpanExporter() {
                @Override
                public io.opentelemetry.sdk.common.CompletableResultCode export(
                        java.util.Collection<io.opentelemetry.sdk.trace.data.SpanData> batch) {
                    return done();
                }

                @Override
                public io.opentelemetry.sdk.common.CompletableResultCode flush() {
                    return done();
                }

                @Override
                public io.opentelemetry.sdk.common.CompletableResultCode shutdown() {
                    return done();
                }
            };
            var metrics = new io.opentelemetry.sdk.metrics.export.MetricExporter() {
                @Override
                public io.opentelemetry.sdk.metrics.data.AggregationTemporality getAggregationTemporality(
                        io.opentelemetry.sdk.metrics.InstrumentType type) {
                    return io.opentelemetry.sdk.metrics.data.AggregationTemporality.CUMULATIVE;
                }

                @Override
                public io.opentelemetry.sdk.common.CompletableResultCode export(
                        java.util.Collection<io.opentelemetry.sdk.metrics.data.MetricData> batch) {
                    return done();
                }

                @Override
                public io.opentelemetry.sdk.common.CompletableResultCode flush() {
                    return done();
                }

                @Override
                public io.opentelemetry.sdk.common.CompletableResultCode shutdown() {
                    return done();
                }
            };
            telemetry = io.opentelemetry.sdk.OpenTelemetrySdk.builder()
                    .setTracerProvider(io.opentelemetry.sdk.trace.SdkTracerProvider.builder()
                            .addSpanProcessor(io.opentelemetry.sdk.trace.export.BatchSpanProcessor.builder(spans).build())
                            .build())
                    .setMeterProvider(io.opentelemetry.sdk.metrics.SdkMeterProvider.builder()
                            .registerMetricReader(io.opentelemetry.sdk.metrics.export.PeriodicMetricReader
                                    .builder(metrics).setInterval(Duration.ofSeconds(10)).build())
                            .build())
                    .build();
        }
        return telemetry;
    }

    /**
     * A store in a fresh schema with notifications and subscriptions: its listener and subscription locks take
     * unpooled connections (as a server's non-transactional DataSource), their loops run on {@code executor}.
     * The listener waits up to 500 ms per {@code getNotifications} call, as W7's bare-NOTIFY baseline does.
     */
    PostgresEventStore subscribingStore(String schema, Executor executor) throws SQLException {
        return subscribingStore(schema, executor, DataFormat.JSONB);
    }

    /** As {@link #subscribingStore(String, Executor)}, its schema created with JSON columns of type {@code columns}. */
    PostgresEventStore subscribingStore(String schema, Executor executor, DataFormat columns) throws SQLException {
        execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
        return PostgresEventStore.builder(pool).schema(schema).columnType(columns)
                .serializer(new JsonbEventSerializer().register(Payload.class))
                .notifications(direct, executor).listenerPoll(Duration.ofMillis(500)).build();
    }

    /**
     * A second store on the existing schema {@code schema} (nothing dropped) as a later version of the application
     * reads it: the stored Payloads are revision 1 of {@link EvolvedPayload}, reached through its three upcasters.
     */
    PostgresEventStore evolvedStore(String schema, Executor executor) {
        return PostgresEventStore.builder(pool).schema(schema)
                .serializer(new JsonbEventSerializer().register(EvolvedPayload.class))
                .upcaster(Payload.TYPE, 1, EvolvedPayload.RENAME_NOTE).upcaster(Payload.TYPE, 2, EvolvedPayload.FOLD_AMOUNT)
                .upcaster(Payload.TYPE, 3, EvolvedPayload.ADD_CHANNEL)
                .notifications(direct, executor).listenerPoll(Duration.ofMillis(500)).build();
    }

    /**
     * The pool every store and baseline uses: 12 connections, enough for the 8 writers of W3, the store's linker,
     * the backlog sampler and an idle store's linker poll.
     */
    DataSource pool() {
        return pool;
    }

    /**
     * Another server's store on an existing schema (W9's consumers): a pool of its own ({@code poolSize}
     * connections) and unpooled connections of its own for its listener and subscription locks, all with
     * application_name {@code name}, its loops on {@code executor}. The caller closes the store, then the pool.
     */
    record Server(PostgresEventStore store, HikariDataSource pool) implements AutoCloseable {
        @Override
        public void close() {
            try {
                store.close();
            } finally {
                pool.close();
            }
        }
    }

    Server otherServer(String schema, String name, int poolSize, Executor executor) {
        DataSource own = unpooled(name);
        HikariDataSource ownPool = ownPool(name, poolSize);
        try {
            return new Server(PostgresEventStore.builder(ownPool).schema(schema)
                    .serializer(new JsonbEventSerializer().register(Payload.class))
                    .notifications(own, executor).listenerPoll(Duration.ofMillis(500)).build(), ownPool);
        } catch (RuntimeException e) {
            ownPool.close();
            throw e;
        }
    }

    /** A new DataSource of unpooled connections with application_name {@code name}. */
    private DataSource unpooled(String name) {
        DataSource own = server.dataSource();
        if (own instanceof org.postgresql.ds.PGSimpleDataSource pg) {
            pg.setApplicationName(name);
        }
        return own;
    }

    /**
     * A pool of its own for another server ({@code poolSize} connections, application_name {@code name}); the
     * caller closes it.
     */
    HikariDataSource ownPool(String name, int poolSize) {
        HikariConfig config = new HikariConfig();
        config.setDataSource(unpooled(name));
        config.setPoolName(name);
        config.setMaximumPoolSize(poolSize);
        config.setMinimumIdle(poolSize);
        return new HikariDataSource(config);
    }

    /** Unpooled connections, for LISTEN (which must not stay on a pooled connection). */
    DataSource direct() {
        return direct;
    }

    /** Vacuums and analyzes every table of these schemas, so that reads start from settled tables and statistics. */
    void vacuumAnalyze(String... schemas) throws SQLException {
        try (Connection c = pool.getConnection(); Statement st = c.createStatement()) {
            for (String schema : schemas) {
                List<String> tables = new ArrayList<>();
                try (ResultSet rs = st.executeQuery("SELECT quote_ident(schemaname) || '.' || quote_ident(tablename)"
                        + " FROM pg_tables WHERE schemaname = '" + schema + "'")) {
                    while (rs.next()) {
                        tables.add(rs.getString(1));
                    }
                }
                for (String table : tables) {
                    st.execute("VACUUM ANALYZE " + table);
                }
            }
        }
    }

    /** A CHECKPOINT before each trial, so that no trial pays for the WAL the previous one wrote. */
    private void checkpoint() {
        if (!checkpoints) {
            return;
        }
        try {
            execute("CHECKPOINT");
        } catch (SQLException e) {
            checkpoints = false;
            progress("no CHECKPOINT between trials (%s)", e.getMessage());
        }
    }

    /** The database's other sessions, one a line: what each runs and waits for (to explain a stall). */
    String sessions() {
        StringBuilder out = new StringBuilder();
        try (Connection c = direct.getConnection(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT pid, application_name, state, wait_event_type, wait_event,"
                     + " pg_blocking_pids(pid), round(extract(epoch FROM now() - query_start)::numeric, 1),"
                     + " left(regexp_replace(query, '\\s+', ' ', 'g'), 160) FROM pg_stat_activity"
                     + " WHERE datname = current_database() AND pid <> pg_backend_pid() ORDER BY query_start")) {
            while (rs.next()) {
                out.append(String.format("  pid %s %s %s wait %s/%s blocked by %s, %s s: %s%n", rs.getInt(1),
                        rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5), rs.getString(6),
                        rs.getString(7), rs.getString(8)));
            }
        } catch (SQLException e) {
            out.append("  (could not list them: ").append(e.getMessage()).append(')');
        }
        return out.toString();
    }

    void execute(String sql) throws SQLException {
        try (Connection c = pool.getConnection(); Statement st = c.createStatement()) {
            st.execute(sql);
        }
    }

    private Map<String, String> settings() throws SQLException {
        Map<String, String> settings = new LinkedHashMap<>();
        try (Connection c = pool.getConnection()) {
            try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT version()")) {
                rs.next();
                settings.put("version", rs.getString(1));
            }
            try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SHOW server_version")) {
                rs.next();
                settings.put("server_version", rs.getString(1));
            }
            try (PreparedStatement ps = c.prepareStatement("SELECT current_setting(?)")) {
                for (String name : SETTINGS) {
                    ps.setString(1, name);
                    try (ResultSet rs = ps.executeQuery()) {
                        rs.next();
                        settings.put(name, rs.getString(1));
                    }
                }
            }
        }
        return settings;
    }

    private static HikariDataSource pool(DataSource direct) {
        return pool(direct, "bench", null);
    }

    private static HikariDataSource pool(DataSource direct, String name, String initSql) {
        HikariConfig config = new HikariConfig();
        config.setDataSource(direct);
        config.setPoolName(name);
        config.setMaximumPoolSize(12);
        config.setMinimumIdle(12);
        if (initSql != null) {
            config.setConnectionInitSql(initSql);
        }
        return new HikariDataSource(config);
    }

    private final List<HikariDataSource> extraPools = new java.util.ArrayList<>();

    /**
     * As {@link #store(String)}, on a pool of its own whose connections run {@code initSql} when opened (a
     * session setting to measure, e.g. {@code SET plan_cache_mode = force_generic_plan}).
     */
    PostgresEventStore store(String schema, String poolName, String initSql) throws SQLException {
        execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
        HikariDataSource own = pool(direct, poolName, initSql);
        extraPools.add(own);
        return PostgresEventStore.builder(own).schema(schema)
                .serializer(new JsonbEventSerializer().register(Payload.class))
                .linkInBackground(linkers).build();
    }

    private static double loadAverage() {
        try {
            return Double.parseDouble(Files.readString(Path.of("/proc/loadavg")).split(" ")[0]);
        } catch (Exception e) {
            return ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
        }
    }

    private double elapsed() {
        return (System.nanoTime() - started) / 1e9;
    }

    void progress(String format, Object... args) {
        System.out.printf("[%4.0fs] %s%n", elapsed(), String.format(format, args));
        System.out.flush();
    }
}
