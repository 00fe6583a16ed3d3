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

    /**
     * Committed appends waiting for {@code $all} positions, the age of the oldest (0 when none), and the appends
     * set aside because they could not be linked (kept in {@code jes_set_aside} for an operator).
     */
    public record Backlog(long appends, long oldestMillis, long setAside) {
    }

    /**
     * One append taken by a pass: its {@code jes_unlinked} id, the {@code $all} positions it got (0 when its
     * events were removed meanwhile by a hard delete) and its number of events.
     */
    public record Linked(long appendId, long firstPosition, long lastPosition, long events) {
    }

    /** What one pass did: the appends it took, in {@code $all} order, and whether it stopped at a bound. */
    public record Pass(List<Linked> linked, boolean full) {
    }

    /** Where an append stands: its {@code $all} positions (0 when none) and whether it still waits for them. */
    public record Standing(long firstPosition, long lastPosition, boolean waiting) {
    }

    /** An append taken out of the way by {@link #setAside}: what to log. */
    public record SetAside(long appendId, String streamId, long firstVersion, long lastVersion, List<UUID> eventIds) {
    }

    private final Sql sql;
    private final Transactions tx;
    private final int batchSize;
    private final long maxEvents;

    /**
     * @param batchSize the most appends one pass links
     * @param maxEvents a pass stops taking appends once this many events are in it (it always takes the oldest)
     */
    public Linker(Sql sql, Transactions tx, int batchSize, long maxEvents) {
        if (batchSize < 1) {
            throw new IllegalArgumentException("linker batch size must be >= 1, was " + batchSize);
        }
        if (maxEvents < 1) {
            throw new IllegalArgumentException("linker events per pass must be >= 1, was " + maxEvents);
        }
        this.sql = sql;
        this.tx = tx.local();
        this.batchSize = batchSize;
        this.maxEvents = maxEvents;
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
                return new Backlog(rs.getLong(1), rs.getLong(2), rs.getLong(3));
            }
        });
    }

    /**
     * One pass in a local transaction of its own (never a caller's): links the oldest committed appends, up to
     * {@link #batchSize()} of them and about {@code maxEvents} events. Waits while another pass (or an Elixir
     * writer) holds the {@code $all} row.
     */
    public Pass pass() {
        return pass(batchSize);
    }

    /** A pass of at most {@code appends} appends (1: the oldest alone, to find one that cannot be linked). */
    public Pass pass(int appends) {
        return tx.write("linking appends into $all", c -> {
            List<Linked> linked = new ArrayList<>();
            long events = 0;
            try (PreparedStatement ps = c.prepareStatement(sql.get("link-pending"))) {
                ps.setInt(1, appends);
                ps.setLong(2, maxEvents);
                ps.setString(3, sql.schema().channel());
                boolean results = ps.execute();
                // the first result is the $all row lock; the second, the appends linked
                while (true) {
                    if (results) {
                        try (ResultSet rs = ps.getResultSet()) {
                            if (rs.getMetaData().getColumnCount() == 5) {
                                while (rs.next()) {
                                    linked.add(new Linked(rs.getLong(1), rs.getLong(2), rs.getLong(3), rs.getLong(4)));
                                    events += rs.getLong(4);
                                }
                            }
                        }
                    } else if (ps.getUpdateCount() == -1) {
                        break;
                    }
                    results = ps.getMoreResults();
                }
            }
            return new Pass(linked, linked.size() >= appends || events >= maxEvents);
        });
    }

    /** The id of the oldest append waiting for {@code $all} positions, or 0 when none waits. */
    public long oldest() {
        return tx.read("finding the oldest append waiting for $all", c -> {
            try (PreparedStatement ps = c.prepareStatement(sql.get("oldest-unlinked"));
                 ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getLong(1) : 0;
            }
        });
    }

    /**
     * Moves the append {@code appendId} from {@code jes_unlinked} to {@code jes_set_aside} with {@code error}, so
     * that the appends after it are linked. Its events stay in their stream.
     *
     * @return what was set aside, or {@code null} when the append no longer waited (another server linked or set
     *         it aside, or a hard delete removed it)
     */
    public SetAside setAside(long appendId, String error) {
        return tx.write("setting aside an append that cannot be linked into $all", c -> {
            try (PreparedStatement ps = c.prepareStatement(sql.get("set-aside-unlinked"))) {
                ps.setLong(1, appendId);
                ps.setString(2, error);
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) {
                        return null;
                    }
                    Array ids = rs.getArray(5);
                    List<UUID> eventIds = new ArrayList<>();
                    if (ids != null) {
                        for (Object id : (Object[]) ids.getArray()) {
                            eventIds.add(id instanceof UUID u ? u : UUID.fromString(String.valueOf(id)));
                        }
                    }
                    return new SetAside(rs.getLong(1), rs.getString(2), rs.getLong(3), rs.getLong(4), eventIds);
                }
            }
        });
    }

    /** Where the append {@code appendId} (whose first and last events are given) stands now. */
    public Standing standing(long appendId, UUID firstEvent, UUID lastEvent) {
        return tx.read("reading the $all positions of an append", c -> {
            try (PreparedStatement ps = c.prepareStatement(sql.get("query-append-link"))) {
                ps.setLong(1, appendId);
                ps.setArray(2, c.createArrayOf("uuid", new UUID[] {firstEvent, lastEvent}));
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return new Standing(rs.getLong(1), rs.getLong(2), rs.getBoolean(3));
                }
            }
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
     * then its positions are read back. An append removed meanwhile by a hard delete, or set aside, gets
     * positions 0.
     */
    public Linked linkThrough(long appendId, UUID firstEvent, UUID lastEvent) {
        while (true) {
            Pass pass = pass();
            for (Linked l : pass.linked()) {
                if (l.appendId() == appendId) {
                    return l;
                }
            }
            if (!pass.full()) {
                Standing s = standing(appendId, firstEvent, lastEvent);
                return new Linked(appendId, s.firstPosition(), s.lastPosition(), 0);
            }
        }
    }
}
