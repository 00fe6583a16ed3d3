package org.jeventstore.bench;

import static org.jeventstore.bench.Workload.trial;

import jakarta.json.bind.Jsonb;
import jakarta.json.bind.JsonbBuilder;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.jeventstore.EventData;
import org.jeventstore.RecordedEvent;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;

/**
 * What plain JDBC achieves on the same database: the minimal append-only table written the fastest way (one
 * {@code unnest} INSERT per append, autocommit, so one round trip), optionally with a {@code pg_notify} in the same
 * statement; keyset-paged reads of it; a bare NOTIFY round trip; and the fsync bound.
 *
 * <p>The baselines do the application's share of the work the store does: event data and metadata are turned
 * into JSON with JSON-B on write and back into objects on read (the "jdbc raw" reads skip that).
 */
final class Baselines {

    /** The subject of W7's baseline. */
    static final String JDBC_NOTIFY_ROUND_TRIP = "bare NOTIFY";
    static final String COMMITS_PER_S = "commits/s";

    private Baselines() {
    }

    /** The minimal append-only table, in its own schema. */
    static final class Table implements AutoCloseable {
        private final DataSource dataSource;
        private final String schema;
        private final String channel;
        private final Jsonb jsonb = JsonbBuilder.create();

        Table(DataSource dataSource, String schema) throws SQLException {
            this.dataSource = dataSource;
            this.schema = schema;
            this.channel = schema + ".events";
            try (Connection c = dataSource.getConnection(); Statement st = c.createStatement()) {
                st.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
                st.execute("CREATE SCHEMA " + schema);
                st.execute("CREATE TABLE " + schema + ".events (id bigserial PRIMARY KEY, stream text NOT NULL,"
                        + " version bigint NOT NULL, type text NOT NULL, data jsonb NOT NULL, metadata jsonb,"
                        + " created_at timestamptz NOT NULL DEFAULT now(), UNIQUE (stream, version))");
            }
        }

        /** The channel the jdbc+notify writers notify on. */
        String channel() {
            return channel;
        }

        String schema() {
            return schema;
        }

        /** A writer: one connection and one prepared statement, held for a whole trial. */
        Writer writer(boolean notify) throws SQLException {
            return new Writer(notify);
        }

        final class Writer implements AutoCloseable {
            private final Connection connection;
            private final PreparedStatement insert;
            private final boolean notify;

            private Writer(boolean notify) throws SQLException {
                this.notify = notify;
                String sql = "INSERT INTO " + schema + ".events (stream, version, type, data, metadata)"
                        + " SELECT ?, u.v, u.t, u.d::jsonb, u.m::jsonb"
                        + " FROM unnest(?::bigint[], ?::text[], ?::text[], ?::text[]) AS u(v, t, d, m)";
                if (notify) {
                    sql = "WITH ins AS (" + sql + " RETURNING id)"
                            + " SELECT pg_notify(?, ? || ',' || min(id) || ',' || max(id)) FROM ins";
                }
                this.connection = dataSource.getConnection();
                this.insert = connection.prepareStatement(sql);
            }

            /** Appends events as versions {@code firstVersion, firstVersion + 1, ...} of {@code stream}. */
            int append(String stream, long firstVersion, List<EventData> events) throws SQLException {
                int n = events.size();
                Long[] versions = new Long[n];
                String[] types = new String[n];
                String[] data = new String[n];
                String[] metadata = new String[n];
                for (int i = 0; i < n; i++) {
                    EventData e = events.get(i);
                    versions[i] = firstVersion + i;
                    types[i] = e.eventType();
                    data[i] = jsonb.toJson(e.data());
                    metadata[i] = e.metadata().isEmpty() ? null : jsonb.toJson(e.metadata());
                }
                insert.setString(1, stream);
                insert.setArray(2, connection.createArrayOf("bigint", versions));
                insert.setArray(3, connection.createArrayOf("text", types));
                insert.setArray(4, connection.createArrayOf("text", data));
                insert.setArray(5, connection.createArrayOf("text", metadata));
                if (notify) {
                    insert.setString(6, channel);
                    insert.setString(7, stream);
                    insert.executeQuery().close();
                } else {
                    insert.executeUpdate();
                }
                return n;
            }

            @Override
            public void close() throws SQLException {
                connection.close();
            }
        }

        /** Reads a stream forward in pages of {@code page}; returns the number of events read. */
        int readStream(String stream, int page, boolean parse) throws SQLException {
            return read("SELECT id, stream, version, type, data, metadata, created_at FROM " + schema + ".events"
                    + " WHERE stream = ? AND version >= ? ORDER BY version LIMIT ?", stream, 3, page, parse);
        }

        /** Reads the whole table in id order (its {@code $all}) in pages of {@code page}. */
        int readAll(int page, boolean parse) throws SQLException {
            return read("SELECT id, stream, version, type, data, metadata, created_at FROM " + schema + ".events"
                    + " WHERE id >= ? ORDER BY id LIMIT ?", null, 1, page, parse);
        }

        /** Keyset paging: the next page starts after the last key read (the version for a stream, else the id). */
        private int read(String sql, String stream, int keyColumn, int page, boolean parse) throws SQLException {
            int total = 0;
            long next = 1;
            try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
                ps.setFetchSize(page);
                while (true) {
                    int p = 1;
                    if (stream != null) {
                        ps.setString(p++, stream);
                    }
                    ps.setLong(p++, next);
                    ps.setInt(p, page);
                    List<RecordedEvent> events = new ArrayList<>(page);
                    try (ResultSet rs = ps.executeQuery()) {
                        while (rs.next()) {
                            events.add(recorded(rs, parse));
                            next = rs.getLong(keyColumn) + 1;
                        }
                    }
                    total += events.size();
                    Workload.consume(events);
                    if (events.size() < page) {
                        return total;
                    }
                }
            }
        }

        @SuppressWarnings("unchecked")
        private RecordedEvent recorded(ResultSet rs, boolean parse) throws SQLException {
            String data = rs.getString(5);
            String metadata = rs.getString(6);
            return new RecordedEvent(rs.getLong(1), null, rs.getString(2), rs.getLong(3), rs.getString(4),
                    parse ? jsonb.fromJson(data, Payload.class) : data,
                    parse && metadata != null ? jsonb.fromJson(metadata, Map.class) : Map.of(),
                    null, null, rs.getObject(7, OffsetDateTime.class));
        }

        @Override
        public void close() throws SQLException {
            try (Connection c = dataSource.getConnection(); Statement st = c.createStatement()) {
                st.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
            }
        }
    }

    /**
     * A bare {@code NOTIFY} (autocommit {@code pg_notify}) until pgjdbc's {@code getNotifications} returns it on a
     * listening connection polled as the store's listener polls it; p50/p99 ms from just before the send, over
     * {@link Workload#liveSamples} round trips.
     * Uses its own two connections (a LISTEN must not stay on a pooled one).
     */
    static Workload.Trial notifyRoundTrip(DataSource direct) {
        return trial(JDBC_NOTIFY_ROUND_TRIP, seconds -> {
            record Received(String payload, long nanos) {
            }
            String channel = "bench_round_trip";
            BlockingQueue<Received> received = new ArrayBlockingQueue<>(1024);
            try (Connection listen = direct.getConnection(); Connection send = direct.getConnection();
                 PreparedStatement notify = send.prepareStatement("SELECT pg_notify(?, ?)")) {
                try (Statement st = listen.createStatement()) {
                    st.execute("LISTEN " + channel);
                }
                PGConnection pg = listen.unwrap(PGConnection.class);
                Thread listener = new Thread(() -> {
                    try {
                        while (!Thread.currentThread().isInterrupted()) {
                            PGNotification[] batch = pg.getNotifications(500);
                            long now = System.nanoTime();
                            for (PGNotification n : batch == null ? new PGNotification[0] : batch) {
                                received.put(new Received(n.getParameter(), now));
                            }
                        }
                    } catch (SQLException | InterruptedException e) {
                        // stopped: the trial is over
                    }
                }, "bench-listener");
                listener.setDaemon(true);
                listener.start();
                try {
                    notify.setString(1, channel);
                    double[] samples = new double[Workload.liveSamples(seconds)];
                    for (int n = 0; n < samples.length; n++) {
                        String payload = Integer.toString(n);
                        notify.setString(2, payload);
                        long t0 = System.nanoTime();
                        notify.executeQuery().close();
                        Received r = received.poll(5, TimeUnit.SECONDS);
                        if (r == null || !payload.equals(r.payload())) {
                            throw new IllegalStateException("notification " + payload + " not received in 5 s"
                                    + (r == null ? "" : " (got " + r.payload() + ")"));
                        }
                        samples[n] = (r.nanos() - t0) / 1e6;
                    }
                    return Workload.percentiles(samples);
                } finally {
                    listener.interrupt();
                    listener.join(2_000);
                }
            }
        });
    }

    /**
     * The fsync bound: tiny autocommit INSERTs (each its own commit, so its own WAL flush) by {@code connections}
     * writers; commits per second.
     */
    static Workload.Trial fsyncBound(DataSource pool, String schema, int connections) {
        return trial(connections == 1 ? "jdbc, 1 connection" : "jdbc, " + connections + " connections", seconds -> {
            Connection[] cs = new Connection[connections];
            PreparedStatement[] inserts = new PreparedStatement[connections];
            try {
                for (int i = 0; i < connections; i++) {
                    cs[i] = pool.getConnection();
                    inserts[i] = cs[i].prepareStatement("INSERT INTO " + schema + ".ticks (v) VALUES (?)");
                }
                double perSecond = Workload.throughput(connections, seconds, (w, seq) -> {
                    inserts[w].setInt(1, (int) seq);
                    return inserts[w].executeUpdate();
                });
                return Map.of(COMMITS_PER_S, perSecond);
            } finally {
                for (Connection c : cs) {
                    if (c != null) {
                        c.close();
                    }
                }
            }
        });
    }

    static void createFsyncTable(DataSource pool, String schema) throws SQLException {
        try (Connection c = pool.getConnection(); Statement st = c.createStatement()) {
            st.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
            st.execute("CREATE SCHEMA " + schema);
            st.execute("CREATE TABLE " + schema + ".ticks (id bigserial PRIMARY KEY, v int NOT NULL)");
        }
    }

    static void dropSchema(DataSource pool, String schema) throws SQLException {
        try (Connection c = pool.getConnection(); Statement st = c.createStatement()) {
            st.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
        }
    }
}
