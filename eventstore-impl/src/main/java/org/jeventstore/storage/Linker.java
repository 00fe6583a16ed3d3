package org.jeventstore.storage;

import java.sql.Array;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * Gives appended events their {@code $all} positions. An append writes its events, their stream rows and one
 * {@code jes_unlinked} row, and commits without touching {@code $all}; a pass of the linker then takes the
 * {@code $all} row lock, moves the oldest committed appends into {@code $all} in append order, and announces
 * {@code $all} and each stream it covered, all in one local transaction (link-pending.sql).
 *
 * <p>Any number of linkers may run, on any number of servers: their passes queue on the {@code $all} row lock
 * and each continues where the last committed one ended, so {@code $all} stays gapless and a reader never sees
 * position N+1 before N. Appends of one stream keep their order because a later append takes its
 * {@code jes_unlinked} id only after the earlier one committed (it waits for the stream's row lock first).
 */
public final class Linker {

    /** Committed appends waiting for {@code $all} positions, and the age of the oldest (0 when none). */
    public record Backlog(long appends, long oldestMillis) {
    }

    /** One append linked by a pass: its {@code jes_unlinked} id and the {@code $all} positions it got. */
    public record Linked(long appendId, long firstPosition, long lastPosition) {
    }

    private final Sql sql;
    private final Transactions tx;
    private final int batchSize;

    public Linker(Sql sql, Transactions tx, int batchSize) {
        if (batchSize < 1) {
            throw new IllegalArgumentException("linker batch size must be >= 1, was " + batchSize);
        }
        this.sql = sql;
        this.tx = tx.local();
        this.batchSize = batchSize;
    }

    /** The most appends one pass links. */
    public int batchSize() {
        return batchSize;
    }

    /** Whether committed appends wait for {@code $all} positions (a plain read: no lock, no write). */
    public boolean pending() {
        return tx.read("checking for appends to link into $all", c -> {
            try (PreparedStatement ps = c.prepareStatement(sql.get("has-unlinked"));
                 ResultSet rs = ps.executeQuery()) {
                return rs.next() && rs.getBoolean(1);
            }
        });
    }

    /** What waits for {@code $all} positions now: a figure for health checks (a growing one means no linker runs). */
    public Backlog backlog() {
        return tx.read("reading the $all link backlog", c -> {
            try (PreparedStatement ps = c.prepareStatement(sql.get("unlinked-backlog"));
                 ResultSet rs = ps.executeQuery()) {
                rs.next();
                return new Backlog(rs.getLong(1), rs.getLong(2));
            }
        });
    }

    /**
     * One pass in a local transaction of its own (never a caller's): links up to {@link #batchSize()} of the
     * oldest committed appends. Waits while another pass (or an Elixir writer) holds the {@code $all} row.
     *
     * @return the appends linked, in {@code $all} order; empty when none was waiting
     */
    public List<Linked> pass() {
        return tx.write("linking appends into $all", c -> {
            List<Linked> linked = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement(sql.get("link-pending"))) {
                ps.setInt(1, batchSize);
                ps.setString(2, sql.schema().channel());
                boolean results = ps.execute();
                // the first result is the $all row lock; the second, the appends linked
                while (true) {
                    if (results) {
                        try (ResultSet rs = ps.getResultSet()) {
                            if (rs.getMetaData().getColumnCount() == 4) {
                                while (rs.next()) {
                                    linked.add(new Linked(rs.getLong(1), rs.getLong(2), rs.getLong(3)));
                                }
                            }
                        }
                    } else if (ps.getUpdateCount() == -1) {
                        break;
                    }
                    results = ps.getMoreResults();
                }
            }
            return linked;
        });
    }

    /**
     * Vacuums {@code jes_unlinked}: every append adds a row there and every pass deletes it, so without frequent
     * vacuuming the table fills with dead rows that each pass would have to step over (autovacuum looks once a
     * minute by default). A few milliseconds on a table that small. Needs autocommit, so never in a transaction.
     */
    public void vacuum() {
        tx.read("vacuuming jes_unlinked", c -> {
            try (java.sql.Statement st = c.createStatement()) {
                st.execute(sql.get("vacuum-unlinked"));
            }
            return null;
        });
    }

    /**
     * Links until the append {@code appendId} (whose first and last events are given) has its positions, and
     * returns them: for a store that links on the appending thread. Another linker may have linked it first;
     * then its positions are read back. An append removed meanwhile by a hard delete gets positions 0.
     */
    public Linked linkThrough(long appendId, UUID firstEvent, UUID lastEvent) {
        while (true) {
            List<Linked> linked = pass();
            for (Linked l : linked) {
                if (l.appendId() == appendId) {
                    return l;
                }
            }
            if (linked.size() < batchSize) {
                return positions(appendId, firstEvent, lastEvent);
            }
        }
    }

    private Linked positions(long appendId, UUID firstEvent, UUID lastEvent) {
        return tx.read("reading the $all positions of an append", c -> {
            try (PreparedStatement ps = c.prepareStatement(sql.get("query-all-positions"))) {
                Array ids = c.createArrayOf("uuid", new UUID[] {firstEvent, lastEvent});
                ps.setArray(1, ids);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return new Linked(appendId, rs.getLong(1), rs.getLong(2));
                }
            }
        });
    }
}
