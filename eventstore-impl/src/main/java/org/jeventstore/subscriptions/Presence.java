package org.jeventstore.subscriptions;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.jeventstore.storage.NamedStatement;
import org.jeventstore.storage.Sql;

/**
 * Which servers of the store are up: every server's lock session holds the store's presence lock shared while it
 * lives (announce-server.sql), so the holders of that lock are the servers present, and a server that dies leaves
 * with its session. The count (for balancing) is read on this server's lock session and kept 2 s.
 */
final class Presence {

    private static final long FRESH_NANOS = TimeUnit.SECONDS.toNanos(2);

    private final AdvisoryLocks locks;
    private final Sql sql;
    private int servers;
    private long countedAt;

    Presence(AdvisoryLocks locks, Sql sql) {
        this.locks = locks;
        this.sql = sql;
    }

    /** Announces a new lock session (on {@code connection}, in the store's lock {@code namespace}). */
    static void announce(Connection connection, int namespace, Sql sql) throws SQLException {
        NamedStatement announce = sql.named("announce-server");
        try (PreparedStatement ps = connection.prepareStatement(announce.jdbc())) {
            announce.bind(ps).integer("namespace", namespace).ready().executeQuery().close();
        }
    }

    /** How many servers of this store are up; 1 or more (1 while this one has no lock session). */
    synchronized int servers() {
        if (locks.generation() < 0) {
            return 1;
        }
        if (System.nanoTime() - countedAt < FRESH_NANOS && servers > 0) {
            return servers;
        }
        Optional<Integer> counted = locks.onSession("counting servers", (c, namespace) -> {
            NamedStatement count = sql.named("count-servers");
            try (PreparedStatement ps = c.prepareStatement(count.jdbc())) {
                try (ResultSet rs = count.bind(ps).integer("namespace", namespace).ready().executeQuery()) {
                    rs.next();
                    return rs.getInt(1);
                }
            }
        });
        if (counted.isPresent()) {
            servers = Math.max(1, counted.get());
            countedAt = System.nanoTime();
        }
        return Math.max(1, servers);
    }
}
