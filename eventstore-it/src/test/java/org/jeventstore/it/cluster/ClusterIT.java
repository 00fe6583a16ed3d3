package org.jeventstore.it.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.File;
import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jboss.shrinkwrap.api.ShrinkWrap;
import org.jboss.shrinkwrap.api.asset.EmptyAsset;
import org.jboss.shrinkwrap.api.asset.StringAsset;
import org.jboss.shrinkwrap.api.exporter.ZipExporter;
import org.jboss.shrinkwrap.api.importer.ZipImporter;
import org.jboss.shrinkwrap.api.spec.EnterpriseArchive;
import org.jboss.shrinkwrap.api.spec.WebArchive;
import org.jeventstore.it.cluster.app.Recorder;
import org.jeventstore.testkit.DevUsers;
import org.jeventstore.testkit.LibertyServer;
import org.jeventstore.testkit.Postgres;
import org.jeventstore.testkit.PostgresServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

/**
 * Three Open Liberty servers from the one server configuration, the EAR plus a small application whose
 * {@code @EventSubscription} beans record every delivery, on one PostgreSQL this test controls. Run with
 * {@code mvn verify -Pcluster}. Prints a table of scenarios and figures at the end.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class ClusterIT {

    static final List<String> SUBSCRIPTIONS = List.of("cluster-a", "cluster-b", "cluster-c");
    /** The partitioned subscription (concurrencyLimit 6): its partitions are "cluster-p#1/6" to "cluster-p#6/6". */
    static final String PARTITIONED = "cluster-p";
    static final int PARTITIONS = 6;
    static final Pattern LAST_POSITION = Pattern.compile("\"lastPosition\":(\\d+)");

    Path wlp;
    Path work;
    int pgPort;
    Postgres.Embedded pg;
    PostgresServer db;
    final Map<String, LibertyServer> servers = new LinkedHashMap<>();
    final Map<String, String> results = new LinkedHashMap<>();
    final Set<Long> acknowledgedAppends = java.util.concurrent.ConcurrentHashMap.newKeySet();
    final AtomicInteger failedAppends = new AtomicInteger();
    final AtomicInteger appendSeq = new AtomicInteger();

    @BeforeAll
    void startCluster() throws Exception {
        wlp = Path.of(System.getProperty("wlp.home"));
        work = Path.of("target", "cluster").toAbsolutePath();
        deleteTree(work);
        Files.createDirectories(work);
        pgPort = LibertyServer.freePort();
        pg = Postgres.embeddedHandle(pgPort, work.resolve("pgdata"));
        db = pg.server();
        try (Connection c = db.connect(); Statement st = c.createStatement()) {
            st.execute("CREATE TABLE cluster_deliveries (id bigserial PRIMARY KEY, subscription text NOT NULL,"
                    + " event_id uuid NOT NULL, event_number bigint NOT NULL, server text NOT NULL,"
                    + " at timestamptz NOT NULL DEFAULT clock_timestamp(), stream text, stream_version bigint)");
            st.execute("CREATE TABLE cluster_notifications (id bigserial PRIMARY KEY, server text NOT NULL,"
                    + " stream text NOT NULL, to_version bigint NOT NULL, received_at timestamptz NOT NULL)");
        }
        File ear = clusterEar();
        List<CompletableFuture<Void>> starts = new ArrayList<>();
        for (int i = 1; i <= 3; i++) {
            String name = "cluster-" + i;
            LibertyServer server = LibertyServer.copyOf(wlp, "eventstore", name)
                    .ports(LibertyServer.freePort(), LibertyServer.freePort());
            Files.copy(ear.toPath(), server.directory().resolve("dropins/eventstore.ear"),
                    java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            servers.put(name, server);
            starts.add(CompletableFuture.runAsync(() -> start(server)));
        }
        CompletableFuture.allOf(starts.toArray(CompletableFuture[]::new)).get(6, TimeUnit.MINUTES);
    }

    @AfterAll
    void stopCluster() {
        servers.values().parallelStream().forEach(s -> {
            try {
                Path log = s.directory().resolve("logs/messages.log");
                if (Files.exists(log)) { // kept for a failed run's diagnosis
                    Files.copy(log, work.resolve(s.name() + "-messages.log"),
                            java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                }
            } catch (IOException e) {
                System.err.println("could not keep the log of " + s.name() + ": " + e.getMessage());
            }
            try {
                s.destroy();
            } catch (RuntimeException e) {
                System.err.println("could not stop " + s.name() + ": " + e.getMessage());
            }
        });
        if (pg != null) {
            pg.close();
        }
        StringBuilder table = new StringBuilder("\n| scenario | result |\n|---|---|\n");
        results.forEach((k, v) -> table.append("| ").append(k).append(" | ").append(v).append(" |\n"));
        System.out.println(table);
        try {
            Files.writeString(work.resolve("results.md"), table);
        } catch (IOException e) {
            System.err.println("could not write results.md: " + e.getMessage());
        }
    }

    @Test
    @Order(1)
    void an_append_on_one_server_reaches_transient_observers_on_all_and_a_persistent_subscriber() throws Exception {
        LibertyServer first = servers.get("cluster-1");
        for (int i = 0; i < 10; i++) { // warm-up: first requests load classes and fill pools
            String stream = "latency-warmup-" + i;
            append(first, stream);
            await().atMost(Duration.ofSeconds(20)).until(() -> notificationsFor(stream).size() == 3);
        }
        List<Double> latencies = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            String stream = "latency-" + i;
            Instant sent = Instant.now();
            long position = append(first, stream);
            await().atMost(Duration.ofSeconds(20)).until(() -> notificationsFor(stream).size() == 3);
            for (Instant received : notificationsFor(stream)) {
                latencies.add(Duration.between(sent, received).toNanos() / 1e6);
            }
            await().atMost(Duration.ofSeconds(20)).until(() -> deliveredBy("cluster-a", position) != null);
        }
        latencies.sort(Double::compare);
        String figures = String.format("120 notifications (40 appends x 3 servers); HTTP append start -> observer:"
                + " p50 %.1f ms, p99 %.1f ms", percentile(latencies, 50), percentile(latencies, 99));
        results.put("1 append on one server, observers on all three", "passed; " + figures);
    }

    @Test
    @Order(2)
    void each_subscription_is_active_on_exactly_one_server_and_they_spread_over_the_servers() throws Exception {
        // three subscriptions, three servers: balancing leaves one on each
        await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofSeconds(1)).until(() -> {
            Map<String, List<String>> active = activeServers();
            return SUBSCRIPTIONS.stream().allMatch(sub -> active.getOrDefault(sub, List.of()).size() == 1)
                    && active.values().stream().flatMap(List::stream).distinct().count() == 3;
        });
        Map<String, List<String>> active = activeServers();
        for (String sub : SUBSCRIPTIONS) {
            assertThat(active.get(sub)).as("servers active for " + sub).hasSize(1);
            // hand-overs for balancing are graceful: no event was delivered twice, by one server or two
            List<Long> sequence = deliverySequence(sub);
            assertThat(new HashSet<>(sequence)).as("distinct deliveries of " + sub).hasSize(sequence.size());
        }
        results.put("2 single activation and balancing", "passed; active: " + active
                + "; no event delivered twice while the subscriptions spread");
    }

    @Test
    @Order(3)
    void kill_9_of_the_holder_hands_its_subscription_to_another_server() throws Exception {
        String holder = activeServers().get("cluster-a").get(0);
        try (Load load = new Load(other(holder))) {
            load.awaitAppends(20);
            long pid = Long.parseLong(Files.readString(wlp.resolve("usr/servers/.pid/" + holder + ".pid")).trim());
            Instant death = Instant.now();
            new ProcessBuilder("kill", "-9", Long.toString(pid)).start().waitFor(10, TimeUnit.SECONDS);
            await().atMost(Duration.ofSeconds(60)).until(() -> firstDeliveryAfter("cluster-a", death, holder) != null);
            Instant takeover = firstDeliveryAfter("cluster-a", death, holder);
            load.awaitAppends(load.count() + 20);
            long ms = Duration.between(death, takeover).toMillis();
            results.put("3 kill -9 of the holder", "passed; takeover (death -> first delivery elsewhere) " + ms
                    + " ms");
            assertThat(ms).isLessThan(15_000);
        }
        LibertyServer killed = servers.get(holder);
        Files.deleteIfExists(wlp.resolve("usr/servers/.pid/" + holder + ".pid"));
        start(killed);
        assertEverythingDelivered("3");
    }

    @Test
    @Order(4)
    void terminating_every_application_connection_is_survived_and_nothing_waits_for_another_append()
            throws Exception {
        int terminated;
        try (Load load = new Load(List.copyOf(servers.keySet()))) {
            load.awaitAppends(20);
            terminated = terminateApplicationBackends();
            load.awaitAppends(load.count() + 20);
        }
        // the last appends happened after the cut; no later append may be needed to deliver them
        assertEverythingDelivered("4");
        results.put("4 pg_terminate_backend of every application connection", "passed; " + terminated
                + " backends terminated; all events delivered without a further append");
    }

    @Test
    @Order(5)
    void restarting_postgresql_gives_writers_clear_errors_and_loses_nothing() throws Exception {
        int failedBefore = failedAppends.get();
        Set<String> errors = java.util.concurrent.ConcurrentHashMap.newKeySet();
        Instant down;
        Instant up;
        try (Load load = new Load(List.copyOf(servers.keySet()), errors)) {
            load.awaitAppends(20);
            down = Instant.now();
            pg.close();
            await().atMost(Duration.ofSeconds(30)).until(() -> failedAppends.get() > failedBefore + 3);
            pg = Postgres.embeddedHandle(pgPort, work.resolve("pgdata"));
            up = Instant.now();
            int after = load.count();
            load.awaitAppends(after + 20);
        }
        assertEverythingDelivered("5");
        assertThat(errors).allMatch(e -> e.contains("StorageException") || e.startsWith("-1"));
        assertNothingHalfWritten();
        results.put("5 PostgreSQL restart under load", "passed; down " + Duration.between(down, up).toMillis()
                + " ms; " + (failedAppends.get() - failedBefore) + " appends refused meanwhile with "
                + errors.stream().map(e -> e.length() > 60 ? e.substring(0, 60) : e).findFirst().orElse("-")
                + "; none half-written");
    }

    @Test
    @Order(6)
    void a_graceful_stop_releases_locks_at_once_and_a_rolling_restart_loses_nothing() throws Exception {
        String holder = activeServers().get("cluster-b").get(0);
        LibertyServer s = servers.get(holder);
        Instant stopping = Instant.now();
        s.stop();
        Instant stopped = Instant.now();
        await().atMost(Duration.ofSeconds(30)).until(() -> activeServers().getOrDefault("cluster-b", List.of()).size() == 1);
        Instant taken = Instant.now();
        start(s);
        try (Load load = new Load(List.copyOf(servers.keySet()))) {
            for (LibertyServer server : servers.values()) {
                load.avoid(server.name());
                server.stop();
                start(server);
                load.allow(server.name());
            }
            load.awaitAppends(load.count() + 10);
        }
        assertEverythingDelivered("6");
        results.put("6 graceful stop and rolling restart", "passed; stop took "
                + Duration.between(stopping, stopped).toMillis() + " ms, another server active "
                + Duration.between(stopped, taken).toMillis() + " ms after the stop returned; rolling restart lost"
                + " nothing");
    }

    @Test
    @Order(7)
    void a_partitioned_subscription_spreads_over_the_servers_keeps_each_stream_in_order_and_survives_kill_9()
            throws Exception {
        // each of the 6 partitions active on exactly one server, two on each
        await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofSeconds(1)).until(() -> {
            Map<String, List<String>> active = activePartitions();
            return active.size() == PARTITIONS && active.values().stream().allMatch(l -> l.size() == 1)
                    && perServer(active).values().stream().allMatch(n -> n == PARTITIONS / servers.size());
        });
        Map<String, Long> spread = perServer(activePartitions());
        String victim = spread.keySet().iterator().next();
        long takeoverMs;
        try (Load load = new Load(other(victim))) {
            load.awaitAppends(load.count() + 30);
            long pid = Long.parseLong(Files.readString(wlp.resolve("usr/servers/.pid/" + victim + ".pid")).trim());
            Instant death = Instant.now();
            new ProcessBuilder("kill", "-9", Long.toString(pid)).start().waitFor(10, TimeUnit.SECONDS);
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100)).until(() -> {
                Map<String, List<String>> active = activePartitions();
                return active.size() == PARTITIONS && active.values().stream()
                        .allMatch(l -> l.size() == 1 && !l.contains(victim));
            });
            takeoverMs = Duration.between(death, Instant.now()).toMillis();
            load.awaitAppends(load.count() + 30);
        }
        LibertyServer killed = servers.get(victim);
        Files.deleteIfExists(wlp.resolve("usr/servers/.pid/" + victim + ".pid"));
        start(killed);

        // every load event reached the partitioned subscription; per stream, never a version skipped or overtaken
        await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500))
                .until(() -> deliveredNumbers(PARTITIONED).containsAll(loadPositions()));
        Map<String, List<Long>> perStream = new HashMap<>();
        try (Connection c = db.connect(); PreparedStatement ps = c.prepareStatement("SELECT stream, stream_version"
                + " FROM cluster_deliveries WHERE subscription = ? ORDER BY id")) {
            ps.setString(1, PARTITIONED);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    perStream.computeIfAbsent(rs.getString(1), k -> new ArrayList<>()).add(rs.getLong(2));
                }
            }
        }
        int redelivered = 0;
        for (Map.Entry<String, List<Long>> e : perStream.entrySet()) {
            long last = 0;
            for (long v : e.getValue()) {
                assertThat(v).as(e.getKey() + " delivered " + e.getValue()).isLessThanOrEqualTo(last + 1);
                if (v <= last) {
                    redelivered++;
                }
                last = v;
            }
        }
        assertThat(takeoverMs).isLessThan(15_000);
        results.put("7 partitioned subscription (6 partitions, 2 ms handler)", "passed; spread " + spread
                + "; kill -9 of " + victim + " -> all its partitions active elsewhere after " + takeoverMs + " ms;"
                + " every stream in order across the hand-offs, " + redelivered + " redelivered");
    }

    @Test
    @Order(8)
    void a_partitioned_subscription_on_three_servers_handles_about_three_times_what_one_server_does()
            throws Exception {
        // Each server can run two handler calls at once (serverConcurrency 2), each taking 2 ms: one server alone
        // holds all six partitions and handles about 1,000 events/s; three servers hold two each.
        int events = 9_000;
        double one = drain("cluster-tp1", List.of(servers.keySet().iterator().next()), events);
        double three = drain("cluster-tp3", List.copyOf(servers.keySet()), events);
        double ratio = three / one;
        results.put("8 partitioned throughput (6 partitions, 2 ms handler, serverConcurrency 2, " + events
                + " events)", String.format("1 server %,.0f events/s; 3 servers %,.0f events/s: %.2fx (target"
                + " >= 2.5x)", one, three, ratio));
        // a spread that failed (everything on one server) gives about 1x
        assertThat(ratio).as("3 servers against 1").isGreaterThanOrEqualTo(2.0);
    }

    /**
     * Starts the probe subscription {@code name} on {@code targets}, waits until its partitions are spread evenly
     * over them, appends {@code events} events (60 streams) while its handlers wait at their gate, then opens the
     * gates and measures until every event has been handled: events per second from the opening to the last one.
     */
    double drain(String name, List<String> targets, int events) throws Exception {
        long head = allPositions().stream().mapToLong(Long::longValue).max().orElse(0);
        for (String t : targets) {
            String[] r = post(servers.get(t), "/cluster/throughput?action=start&cap=2&name=" + name + "&after=" + head,
                    "");
            assertThat(r[0]).as(t + ": " + r[1]).isEqualTo("204");
        }
        await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofSeconds(1)).until(() -> {
            Map<String, List<String>> active = activePartitions(name);
            return active.size() == PARTITIONS && active.values().stream().allMatch(l -> l.size() == 1)
                    && perServer(active).size() == targets.size()
                    && perServer(active).values().stream().allMatch(n -> n == PARTITIONS / targets.size());
        });
        StringBuilder batch = new StringBuilder("[");
        for (int i = 0; i < 50; i++) {
            batch.append(i == 0 ? "" : ",").append("{\"eventType\":\"tp\",\"data\":{\"n\":").append(i).append("}}");
        }
        String fifty = batch.append(']').toString();
        List<String> all = List.copyOf(servers.keySet());
        List<String> streams = evenlyPartitioned(name, events / 50);
        for (int i = 0; i < streams.size(); i++) {
            String[] r = post(servers.get(all.get(i % all.size())), "/api/streams/" + streams.get(i), fifty);
            assertThat(r[0]).as(r[1]).isEqualTo("200");
        }
        long opened = System.currentTimeMillis();
        for (String t : targets) {
            assertThat(post(servers.get(t), "/cluster/throughput?action=open&name=" + name, "")[0]).isEqualTo("204");
        }
        long[] last = new long[1];
        await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(200)).until(() -> {
            long handled = 0;
            long latest = 0;
            for (String t : targets) {
                String[] parts = get(servers.get(t), "/cluster/throughput?name=" + name).trim().split(" ");
                handled += Long.parseLong(parts[0]);
                latest = Math.max(latest, Long.parseLong(parts[1]));
            }
            last[0] = latest;
            return handled >= events;
        });
        for (String t : targets) {
            post(servers.get(t), "/cluster/throughput?action=stop&name=" + name, "");
        }
        return events * 1000.0 / Math.max(1, last[0] - opened);
    }

    Map<String, List<String>> activePartitions() {
        return activePartitions(PARTITIONED);
    }

    /**
     * {@code count} stream names, as many in each of the 6 partitions (the store's placement: CRC-32 of the stream
     * id modulo the partition count), so that the figure measures the servers and not how a hash fell.
     */
    static List<String> evenlyPartitioned(String prefix, int count) {
        int[] taken = new int[PARTITIONS];
        List<String> names = new ArrayList<>();
        for (int i = 0; names.size() < count; i++) {
            String candidate = prefix + "-" + i;
            java.util.zip.CRC32 crc = new java.util.zip.CRC32();
            crc.update(candidate.getBytes(StandardCharsets.UTF_8));
            int partition = (int) (crc.getValue() % PARTITIONS);
            if (taken[partition] < count / PARTITIONS) {
                taken[partition]++;
                names.add(candidate);
            }
        }
        return names;
    }

    /** Which servers report each partition of {@code subscription} (6 partitions) active. */
    Map<String, List<String>> activePartitions(String subscription) {
        Map<String, List<String>> active = new HashMap<>();
        Pattern partition = Pattern.compile("\\{[^}]*\"name\":\"(" + subscription + "#\\d+/" + PARTITIONS + ")\"[^}]*}");
        for (LibertyServer s : servers.values()) {
            Matcher m = partition.matcher(get(s, "/api/ops/subscriptions"));
            while (m.find()) {
                if (m.group().contains("\"localState\":\"active\"")) {
                    active.computeIfAbsent(m.group(1), k -> new ArrayList<>()).add(s.name());
                }
            }
        }
        return active;
    }

    static Map<String, Long> perServer(Map<String, List<String>> active) {
        Map<String, Long> counts = new java.util.TreeMap<>();
        active.values().forEach(l -> l.forEach(server -> counts.merge(server, 1L, Long::sum)));
        return counts;
    }

    Set<Long> loadPositions() throws SQLException {
        return new HashSet<>(longs("SELECT se.stream_version FROM stream_events se JOIN streams s"
                + " ON s.stream_id = se.original_stream_id WHERE se.stream_id = 0 AND s.stream_uuid LIKE 'load-%'",
                null));
    }

    // ---- checks ----

    /** Every event in $all reached every subscription; per subscription, nothing out of order. */
    void assertEverythingDelivered(String scenario) throws Exception {
        await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500)).until(() -> {
            Set<Long> all = allPositions();
            for (String sub : SUBSCRIPTIONS) {
                if (!deliveredNumbers(sub).containsAll(all)) {
                    return false;
                }
            }
            return true;
        });
        assertThat(allPositions()).containsAll(acknowledgedAppends);
        StringBuilder dup = new StringBuilder();
        for (String sub : SUBSCRIPTIONS) {
            List<Long> sequence = deliverySequence(sub);
            Set<Long> seen = new HashSet<>();
            long max = 0;
            int duplicates = 0;
            for (long n : sequence) {
                if (!seen.add(n)) {
                    duplicates++;
                    continue;
                }
                assertThat(n).as(sub + " delivered " + n + " for the first time after " + max).isGreaterThan(max);
                max = n;
            }
            dup.append(sub).append('=').append(duplicates).append(' ');
        }
        results.merge("duplicates after " + scenario, dup.toString().trim(), (a, b) -> b);
    }

    void assertNothingHalfWritten() throws SQLException {
        try (Connection c = db.connect(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT count(*) FROM streams WHERE stream_uuid LIKE 'load-%'"
                     + " AND stream_version <> 3")) {
            rs.next();
            assertThat(rs.getLong(1)).as("load streams without exactly their 3 events").isZero();
        }
    }

    // ---- load ----

    /** Appends 3-event batches, each to a new stream, through the HTTP API of the given servers in turn. */
    final class Load implements AutoCloseable {
        private final List<String> targets;
        private final Set<String> avoided = java.util.concurrent.ConcurrentHashMap.newKeySet();
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final AtomicInteger appended = new AtomicInteger();
        private final CountDownLatch done = new CountDownLatch(1);
        private final Set<String> errors;

        Load(List<String> targets) {
            this(targets, java.util.concurrent.ConcurrentHashMap.newKeySet());
        }

        Load(List<String> targets, Set<String> errors) {
            this.targets = targets;
            this.errors = errors;
            Thread t = new Thread(this::run, "cluster-load");
            t.setDaemon(true);
            t.start();
        }

        void avoid(String server) {
            avoided.add(server);
        }

        void allow(String server) {
            avoided.remove(server);
        }

        int count() {
            return appended.get();
        }

        void awaitAppends(int n) {
            await().atMost(Duration.ofSeconds(120)).until(() -> appended.get() >= n);
        }

        private void run() {
            int i = 0;
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(8);
            try {
                while (running.get() && System.nanoTime() < deadline) {
                    String target = targets.get(i++ % targets.size());
                    if (avoided.contains(target)) {
                        continue;
                    }
                    String stream = "load-" + appendSeq.incrementAndGet();
                    String[] response = post(servers.get(target), "/api/streams/" + stream,
                            "[{\"eventType\":\"load\",\"data\":{\"n\":1}},{\"eventType\":\"load\",\"data\":{\"n\":2}},"
                                    + "{\"eventType\":\"load\",\"data\":{\"n\":3}}]");
                    if (response[0].equals("200")) {
                        Matcher m = LAST_POSITION.matcher(response[1]);
                        if (m.find()) {
                            long last = Long.parseLong(m.group(1));
                            acknowledgedAppends.add(last - 2);
                            acknowledgedAppends.add(last - 1);
                            acknowledgedAppends.add(last);
                        }
                        appended.incrementAndGet();
                    } else {
                        failedAppends.incrementAndGet();
                        errors.add(response[0] + " " + response[1]);
                    }
                    TimeUnit.MILLISECONDS.sleep(20); // a steady writer, not a flood (this is the load's pacing)
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                done.countDown();
            }
        }

        @Override
        public void close() throws InterruptedException {
            running.set(false);
            done.await(30, TimeUnit.SECONDS);
        }
    }

    // ---- helpers ----

    List<String> other(String server) {
        List<String> others = new ArrayList<>(servers.keySet());
        others.remove(server);
        return others;
    }

    void start(LibertyServer server) {
        Map<String, String> env = new HashMap<>(db.environment());
        env.put("CLUSTER_SERVER_NAME", server.name());
        server.start(env);
        server.awaitStatus("/health/ready", 200, Duration.ofMinutes(3));
    }

    long append(LibertyServer server, String stream) {
        String[] r = post(server, "/api/streams/" + stream, "[{\"eventType\":\"latency\",\"data\":{\"n\":1}}]");
        assertThat(r[0]).as(r[1]).isEqualTo("200");
        Matcher m = LAST_POSITION.matcher(r[1]);
        assertThat(m.find()).isTrue();
        long position = Long.parseLong(m.group(1));
        acknowledgedAppends.add(position);
        return position;
    }

    static String[] post(LibertyServer server, String path, String json) {
        try {
            HttpURLConnection c = (HttpURLConnection) URI.create(server.url(path)).toURL().openConnection();
            c.setConnectTimeout(2000);
            c.setReadTimeout(20000);
            c.setRequestProperty("Authorization", DevUsers.WRITER.basicAuth());
            c.setRequestMethod("POST");
            c.setRequestProperty("X-Requested-By", "jeventstore-it"); // the web module refuses a write without it
            c.setDoOutput(true);
            c.setRequestProperty("Content-Type", "application/json");
            c.getOutputStream().write(json.getBytes(StandardCharsets.UTF_8));
            int status = c.getResponseCode();
            var in = status >= 400 ? c.getErrorStream() : c.getInputStream();
            String body = in == null ? "" : new String(in.readAllBytes(), StandardCharsets.UTF_8);
            c.disconnect();
            return new String[] {Integer.toString(status), body};
        } catch (IOException e) {
            return new String[] {"-1", e.toString()};
        }
    }

    static String get(LibertyServer server, String path) {
        try {
            HttpURLConnection c = (HttpURLConnection) URI.create(server.url(path)).toURL().openConnection();
            c.setRequestProperty("Authorization", DevUsers.READER.basicAuth());
            c.setConnectTimeout(2000);
            c.setReadTimeout(20000);
            int status = c.getResponseCode();
            var in = status >= 400 ? c.getErrorStream() : c.getInputStream();
            String body = in == null ? "" : new String(in.readAllBytes(), StandardCharsets.UTF_8);
            c.disconnect();
            return body;
        } catch (IOException e) {
            return "";
        }
    }

    /** Which servers report each subscription active ({@code GET /api/ops/subscriptions}). */
    Map<String, List<String>> activeServers() {
        Map<String, List<String>> active = new HashMap<>();
        for (LibertyServer s : servers.values()) {
            String listing = get(s, "/api/ops/subscriptions");
            for (String sub : SUBSCRIPTIONS) {
                Matcher m = Pattern.compile("\\{[^}]*\"name\":\"" + sub + "\"[^}]*}").matcher(listing);
                if (m.find() && m.group().contains("\"localState\":\"active\"")) {
                    active.computeIfAbsent(sub, k -> new ArrayList<>()).add(s.name());
                }
            }
        }
        return active;
    }

    List<Instant> notificationsFor(String stream) throws SQLException {
        List<Instant> out = new ArrayList<>();
        try (Connection c = db.connect();
             PreparedStatement ps = c.prepareStatement("SELECT received_at FROM cluster_notifications WHERE stream = ?")) {
            ps.setString(1, stream);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(rs.getObject(1, OffsetDateTime.class).toInstant());
                }
            }
        }
        return out;
    }

    String deliveredBy(String sub, long position) throws SQLException {
        return queryString("SELECT server FROM cluster_deliveries WHERE subscription = ? AND event_number = ? LIMIT 1",
                sub, position);
    }

    Set<String> serversThatDelivered(String sub) throws SQLException {
        Set<String> out = new HashSet<>();
        try (Connection c = db.connect();
             PreparedStatement ps = c.prepareStatement("SELECT DISTINCT server FROM cluster_deliveries WHERE subscription = ?")) {
            ps.setString(1, sub);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(rs.getString(1));
                }
            }
        }
        return out;
    }

    Instant firstDeliveryAfter(String sub, Instant after, String notBy) throws SQLException {
        try (Connection c = db.connect();
             PreparedStatement ps = c.prepareStatement("SELECT min(at) FROM cluster_deliveries WHERE subscription = ?"
                     + " AND at > ? AND server <> ?")) {
            ps.setString(1, sub);
            ps.setObject(2, OffsetDateTime.ofInstant(after, java.time.ZoneOffset.UTC));
            ps.setString(3, notBy);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                OffsetDateTime t = rs.getObject(1, OffsetDateTime.class);
                return t == null ? null : t.toInstant();
            }
        }
    }

    Set<Long> allPositions() throws SQLException {
        return new HashSet<>(longs("SELECT stream_version FROM stream_events WHERE stream_id = 0", null));
    }

    Set<Long> deliveredNumbers(String sub) throws SQLException {
        return new HashSet<>(longs("SELECT event_number FROM cluster_deliveries WHERE subscription = ?", sub));
    }

    List<Long> deliverySequence(String sub) throws SQLException {
        return longs("SELECT event_number FROM cluster_deliveries WHERE subscription = ? ORDER BY id", sub);
    }

    List<Long> longs(String sql, String param) throws SQLException {
        List<Long> out = new ArrayList<>();
        try (Connection c = db.connect(); PreparedStatement ps = c.prepareStatement(sql)) {
            if (param != null) {
                ps.setString(1, param);
            }
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(rs.getLong(1));
                }
            }
        }
        return out;
    }

    String queryString(String sql, String p1, long p2) throws SQLException {
        try (Connection c = db.connect(); PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, p1);
            ps.setLong(2, p2);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getString(1) : null;
            }
        }
    }

    int terminateApplicationBackends() throws SQLException {
        try (Connection c = db.connect(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                     + " WHERE pid <> pg_backend_pid() AND application_name LIKE 'jeventstore%'")) {
            rs.next();
            return rs.getInt(1);
        }
    }

    static double percentile(List<Double> sorted, int p) {
        if (sorted.isEmpty()) {
            return Double.NaN;
        }
        int index = (int) Math.ceil(p / 100.0 * sorted.size()) - 1;
        return sorted.get(Math.max(0, Math.min(sorted.size() - 1, index)));
    }

    File clusterEar() {
        File file = new File(System.getProperty("eventstore.ear"));
        EnterpriseArchive ear = ShrinkWrap.create(ZipImporter.class, "eventstore.ear").importFrom(file)
                .as(EnterpriseArchive.class);
        WebArchive app = ShrinkWrap.create(WebArchive.class, "cluster-app.war")
                .addPackage(Recorder.class.getPackage())
                .addAsWebInfResource(EmptyAsset.INSTANCE, "beans.xml");
        ear.addAsModule(app);
        ear.setApplicationXML(new StringAsset("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                + "<application xmlns=\"https://jakarta.ee/xml/ns/jakartaee\" version=\"10\">\n"
                + "  <display-name>eventstore-cluster</display-name>\n"
                + "  <module><web><web-uri>eventstore-web.war</web-uri><context-root>/</context-root></web></module>\n"
                + "  <module><web><web-uri>cluster-app.war</web-uri><context-root>/cluster</context-root></web></module>\n"
                + "  <library-directory>lib</library-directory>\n"
                + "</application>\n"));
        File out = work.resolve("eventstore.ear").toFile();
        ear.as(ZipExporter.class).exportTo(out, true);
        return out;
    }

    static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (var files = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) files.sorted(java.util.Comparator.reverseOrder())::iterator) {
                Files.deleteIfExists(p);
            }
        }
    }
}
