package org.jeventstore.storage;

import java.sql.Array;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.jeventstore.AppendNotLinkedException;

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
public final class LinkPasses {

    /**
     * Committed appends waiting for {@code $all} positions, the age of the oldest (0 when none), and the appends
     * set aside because they could not be linked (kept in {@code jes_set_aside} for an operator).
     */
    public record Backlog(long appends, long oldestMillis, long setAside) {
    }

    /**
     * How an append left {@code jes_unlinked}: its id, the {@code $all} positions it got (0 when its events were
     * removed meanwhile by a hard delete, or when it was not linked), its number of events, and, when it was not
     * linked, why ({@code notLinked}, with {@code detail}; null when linked or gone).
     */
    public record Linked(long appendId, long firstPosition, long lastPosition, long events,
                         AppendNotLinkedException.Reason notLinked, String detail) {

        public Linked(long appendId, long firstPosition, long lastPosition, long events) {
            this(appendId, firstPosition, lastPosition, events, null, null);
        }

        /** An append that has no positions and will not get them without an operator, or not in time. */
        static Linked notLinked(long appendId, AppendNotLinkedException.Reason reason, String detail) {
            return new Linked(appendId, 0, 0, 0, reason, detail);
        }
    }

    /**
     * What one pass did: the appends it took, in {@code $all} order, those it moved to {@code jes_set_aside}
     * behind a set-aside append of their stream ({@code held}, with {@code notLinked} HELD), and whether it
     * stopped at a bound.
     */
    public record Pass(List<Linked> linked, List<Linked> held, boolean full) {

        public Pass(List<Linked> linked, boolean full) {
            this(linked, List.of(), full);
        }
    }

    /**
     * Where an append stands: its {@code $all} positions (0 when none), whether it still waits for them, and why
     * it will not get them without an operator (null unless it is in {@code jes_set_aside}).
     */
    public record Standing(long firstPosition, long lastPosition, boolean waiting,
                           AppendNotLinkedException.Reason notLinked, String detail) {
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
    public LinkPasses(Sql sql, Transactions tx, int batchSize, long maxEvents) {
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
        return tx.onConnection("checking for appends to link into $all", c -> {
            try (PreparedStatement ps = c.prepareStatement(sql.get("has-unlinked"));
                 ResultSet rs = ps.executeQuery()) {
                return rs.next() && rs.getBoolean(1);
            }
        });
    }

    /** What waits for {@code $all} positions now: a figure for health checks (a growing one means no linker runs). */
    public Backlog backlog() {
        return tx.onConnection("reading the $all link backlog", c -> {
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
            List<Linked> held = new ArrayList<>();
            long events = 0;
            NamedStatement st = sql.named("link-pending");
            try (PreparedStatement ps = c.prepareStatement(st.jdbc())) {
                st.bind(ps).integer("max_appends", appends).bigint("max_events", maxEvents)
                        .text("channel", sql.schema().channel()).ready();
                boolean results = ps.execute();
                // results: the SET (an update count), the $all row lock, then the appends linked and held
                while (true) {
                    if (results) {
                        try (ResultSet rs = ps.getResultSet()) {
                            if (rs.getMetaData().getColumnCount() == 6) {
                                while (rs.next()) {
                                    long behind = rs.getLong(5);
                                    if (behind > 0) {
                                        held.add(Linked.notLinked(rs.getLong(1), AppendNotLinkedException.Reason.HELD,
                                                heldBehind(behind)));
                                    } else {
                                        linked.add(new Linked(rs.getLong(1), rs.getLong(2), rs.getLong(3),
                                                rs.getLong(4)));
                                        events += rs.getLong(4);
                                    }
                                }
                            }
                        }
                    } else if (ps.getUpdateCount() == -1) {
                        break;
                    }
                    results = ps.getMoreResults();
                }
            }
            return new Pass(linked, held, linked.size() >= appends || events >= maxEvents);
        });
    }

    /** The id of the oldest append waiting for {@code $all} positions, or 0 when none waits. */
    public long oldest() {
        return tx.onConnection("finding the oldest append waiting for $all", c -> {
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
            try (PreparedStatement ps = c.prepareStatement(sql.get("lock-all-row"))) {
                ps.executeQuery().close();
            }
            NamedStatement st = sql.named("set-aside-unlinked");
            try (PreparedStatement ps = c.prepareStatement(st.jdbc())) {
                try (ResultSet rs = st.bind(ps).bigint("append_id", appendId).text("error", error).ready()
                        .executeQuery()) {
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

    private static String heldBehind(long setAside) {
        return "an earlier append of its stream was set aside (jes_set_aside id " + setAside + "), and the later ones"
                + " wait behind it so that the stream keeps its order in $all";
    }

    /**
     * Moves set-aside appends back to be linked again, in their order: those of the stream of {@code setAsideId},
     * or of every stream when it is 0 (a stream's held appends always go back with the one they wait behind).
     *
     * @return the ids moved back
     */
    public List<Long> retrySetAside(long setAsideId) {
        return tx.write("moving set-aside appends back to be linked into $all", c -> {
            List<Long> moved = new ArrayList<>();
            NamedStatement st = sql.named("retry-set-aside");
            try (PreparedStatement ps = c.prepareStatement(st.jdbc())) {
                try (ResultSet rs = st.bind(ps).bigint("set_aside_id", setAsideId).ready().executeQuery()) {
                    while (rs.next()) {
                        moved.add(rs.getLong(1));
                    }
                }
            }
            return moved;
        });
    }

    /** Where the append {@code appendId} (whose first and last events are given) stands now. */
    public Standing standing(long appendId, UUID firstEvent, UUID lastEvent) {
        return tx.onConnection("reading the $all positions of an append", c -> {
            NamedStatement st = sql.named("query-append-link");
            try (PreparedStatement ps = c.prepareStatement(st.jdbc())) {
                try (ResultSet rs = st.bind(ps).bigint("append_id", appendId)
                        .array("event_ids", c.createArrayOf("uuid", new UUID[] {firstEvent, lastEvent})).ready()
                        .executeQuery()) {
                    rs.next();
                    long behind = rs.getLong(4);
                    if (rs.wasNull()) {
                        return new Standing(rs.getLong(1), rs.getLong(2), rs.getBoolean(3), null, null);
                    }
                    return behind > 0
                            ? new Standing(0, 0, false, AppendNotLinkedException.Reason.HELD, heldBehind(behind))
                            : new Standing(0, 0, false, AppendNotLinkedException.Reason.SET_ASIDE,
                                    "it was set aside (jes_set_aside id " + appendId + "): " + rs.getString(5));
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
        tx.onConnection("vacuuming jes_unlinked", c -> {
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
            for (Linked l : pass.held()) {
                if (l.appendId() == appendId) {
                    return l;
                }
            }
            if (!pass.full()) {
                Standing s = standing(appendId, firstEvent, lastEvent);
                return new Linked(appendId, s.firstPosition(), s.lastPosition(), 0, s.notLinked(), s.detail());
            }
        }
    }
}
