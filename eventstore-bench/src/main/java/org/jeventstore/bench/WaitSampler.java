package org.jeventstore.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import javax.sql.DataSource;

/**
 * Where the database sessions of a write trial spend their time (issue 24, lever 10): samples
 * {@code pg_stat_activity} every 2 ms on a connection of its own and counts, per kind of statement (told apart by the
 * opening words of the store's SQL files), state and wait event, the sessions found. A count over the samples is the
 * average number of sessions in that state; over the trial's appends per second it is the time each append spends
 * there (Little's law). Only with {@code -Dbench.profile=waits}; the table goes to stdout and to
 * {@code waits.md} beside the report.
 */
final class WaitSampler implements AutoCloseable {

    private static final String SAMPLE = """
            SELECT CASE
                     WHEN query LIKE '-- Appends n >= 1 events%' THEN 'append'
                     WHEN query LIKE '-- The linker''s pass%' THEN 'link pass'
                     WHEN query = 'COMMIT' THEN 'link pass (commit)'
                     WHEN query LIKE '-- Announces committed appends%' THEN 'notify'
                     WHEN query LIKE 'SELECT EXISTS (SELECT 1 FROM%jes_unlinked)%' THEN 'pending check'
                     WHEN query LIKE 'VACUUM%' THEN 'vacuum'
                     ELSE 'other: ' || left(regexp_replace(query, '\\s+', ' ', 'g'), 40)
                   END,
                   state, coalesce(wait_event_type || ':' || wait_event, 'on CPU')
            FROM pg_stat_activity
            WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend'
              AND state <> 'idle' AND query NOT LIKE '%pg_stat_activity%' AND query NOT LIKE 'LISTEN%'
            """;

    private final Connection connection;
    private final Thread thread;
    private final Map<String, AtomicLong> counts = new TreeMap<>();
    private final AtomicLong samples = new AtomicLong();
    private volatile boolean running = true;

    WaitSampler(DataSource direct) throws SQLException {
        connection = direct.getConnection();
        PreparedStatement ps = connection.prepareStatement(SAMPLE);
        thread = new Thread(() -> {
            try (ps) {
                while (running) {
                    long t = System.nanoTime();
                    try (ResultSet rs = ps.executeQuery()) {
                        synchronized (counts) {
                            while (rs.next()) {
                                counts.computeIfAbsent(rs.getString(1) + " | " + rs.getString(2) + " | "
                                        + rs.getString(3), k -> new AtomicLong()).incrementAndGet();
                            }
                        }
                    }
                    samples.incrementAndGet();
                    long wait = TimeUnit.MILLISECONDS.toNanos(2) - (System.nanoTime() - t);
                    if (wait > 0) {
                        TimeUnit.NANOSECONDS.sleep(wait);
                    }
                }
            } catch (SQLException e) {
                // the connection went away: the samples so far stand
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "bench-wait-sampler");
        thread.setDaemon(true);
        thread.start();
    }

    /**
     * Stops sampling and writes the table: per kind, state and wait event, the average number of sessions and the
     * milliseconds per append at {@code appendsPerSecond}.
     */
    void report(String title, double appendsPerSecond, Path out) throws InterruptedException {
        running = false;
        thread.join(2_000);
        StringBuilder b = new StringBuilder();
        long n = Math.max(1, samples.get());
        b.append("\n### ").append(title).append(String.format(" (%,d samples, %,.0f appends/s)%n%n", n,
                appendsPerSecond));
        b.append("| statement | state | wait | sessions (avg) | ms per append |\n|---|---|---|---:|---:|\n");
        synchronized (counts) {
            counts.forEach((key, count) -> {
                double sessions = count.get() / (double) n;
                String[] k = key.split(" \\| ", 3);
                b.append(String.format("| %s | %s | %s | %.3f | %.3f |%n", k[0], k[1], k[2], sessions,
                        appendsPerSecond > 0 ? sessions / appendsPerSecond * 1000 : 0));
            });
        }
        System.out.print(b);
        System.out.flush();
        try {
            Files.createDirectories(out);
            Files.writeString(out.resolve("waits.md"), b, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            System.out.println("could not write waits.md: " + e.getMessage());
        }
    }

    @Override
    public void close() throws SQLException, InterruptedException {
        running = false;
        thread.join(2_000);
        connection.close();
    }
}
