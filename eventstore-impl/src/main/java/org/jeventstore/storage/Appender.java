package org.jeventstore.storage;

import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.jeventstore.AppendResult;
import org.jeventstore.EventData;
import org.jeventstore.EventNotFoundException;
import org.jeventstore.EventStore;
import org.jeventstore.EventsAppended;
import org.jeventstore.ExpectedVersion;
import org.jeventstore.serialization.EventSerializer;

/**
 * Appends and links events: one statement, one round trip, whatever the number of events (they travel as
 * arrays, so PostgreSQL's bind-parameter limit never applies). The statement takes the stream's row lock and,
 * when nobody holds it, the {@code $all} row lock, and then writes the {@code $all} rows itself; when the
 * {@code $all} row is busy it leaves them to the {@link Linker} (see append-events.sql): at once on this thread
 * after the commit when the store has no background linker, otherwise on the {@link BackgroundLinker}, which
 * this wakes. Inside a caller's JTA transaction either way holds until the container commits.
 */
public final class Appender {

    private static final Logger LOG = Logger.getLogger(Appender.class.getName());

    private final Sql sql;
    private final Transactions tx;
    private final EventSerializer serializer;
    private final Linker linker;
    private final BackgroundLinker background;
    private final Consumer<EventsAppended> local;

    /**
     * @param background the background linker to wake after each append; {@code null} to link on the appending
     *                   thread right after the commit (the append then reports its {@code $all} positions)
     * @param local      told of each committed append (its stream's range, and its {@code $all} range when it
     *                   has one), so that this server's subscriptions need not wait for the NOTIFY
     */
    public Appender(Sql sql, Transactions tx, EventSerializer serializer, Linker linker,
                    BackgroundLinker background, Consumer<EventsAppended> local) {
        this.sql = sql;
        this.tx = tx;
        this.serializer = serializer;
        this.linker = linker;
        this.background = background;
        this.local = local;
    }

    /** Prepared event columns, serialized before any connection is taken. */
    private record Columns(UUID[] ids, String[] types, UUID[] causation, UUID[] correlation, String[] data,
                           String[] metadata) {
    }

    public AppendResult append(String streamId, ExpectedVersion expected, List<EventData> events) {
        if (events.isEmpty()) {
            return tx.read("checking stream '" + streamId + "'", c -> {
                StreamRow row = StreamRow.find(c, sql.get("query-stream"), streamId);
                StreamRow.check(streamId, expected, row);
                return new AppendResult(row == null ? 0 : row.version(), 0, 0);
            });
        }
        Columns columns = columns(streamId, events);
        String statement = sql.withStream("append-events", fragment(expected));
        // One statement writes everything, so it needs no explicit transaction (one round trip, no COMMIT).
        Appended appended = tx.singleStatement("appending to stream '" + streamId + "'", c -> {
            try (PreparedStatement ps = c.prepareStatement(statement)) {
                ps.setArray(1, c.createArrayOf("uuid", columns.ids()));
                ps.setArray(2, c.createArrayOf("text", columns.types()));
                ps.setArray(3, c.createArrayOf("uuid", columns.causation()));
                ps.setArray(4, c.createArrayOf("uuid", columns.correlation()));
                ps.setArray(5, c.createArrayOf("text", columns.data()));
                ps.setArray(6, c.createArrayOf("text", columns.metadata()));
                int next = bindStream(ps, 7, streamId, expected);
                ps.setString(next, streamId);
                try (ResultSet rs = ps.executeQuery()) {
                    if (rs.next()) {
                        return new Appended(rs.getLong(1), rs.getLong(2), rs.getLong(3));
                    }
                }
            } catch (SQLException e) {
                throw SqlErrors.append(streamId, e);
            }
            throw refusal(c, streamId, expected);
        });
        int n = events.size();
        long firstPosition = appended.lastPosition() > 0 ? appended.lastPosition() - n + 1 : 0;
        UUID first = columns.ids()[0];
        UUID last = columns.ids()[n - 1];
        boolean inCallers = tx.inCallersTransaction();
        // One after-commit step: tell this server's subscriptions, and get a deferred append linked.
        tx.afterCommit(() -> {
            local.accept(new EventsAppended(streamId, appended.version() - n + 1, appended.version()));
            if (firstPosition > 0) {
                local.accept(new EventsAppended(EventStore.ALL, firstPosition, appended.lastPosition()));
            } else if (background != null) {
                background.signal();
            } else if (inCallers) {
                linkQuietly(appended, first, last); // the container has committed; no one reports positions now
            }
        });
        if (firstPosition > 0) {
            return new AppendResult(appended.version(), firstPosition, appended.lastPosition());
        }
        if (background != null || inCallers) {
            return new AppendResult(appended.version(), 0, 0);
        }
        Linker.Linked linked = linkQuietly(appended, first, last);
        return new AppendResult(appended.version(), linked.firstPosition(), linked.lastPosition());
    }

    /**
     * What the append statement did: the stream's new version, and either its last {@code $all} position (linked
     * inline) or its {@code jes_unlinked} id (deferred to the linker); the other is 0.
     */
    private record Appended(long version, long appendId, long lastPosition) {
    }

    /**
     * Links on this thread. The append has committed whatever happens here, so a failure must not look like a
     * failed append (a retry would write the events twice): it is logged, and the next pass links the events.
     */
    private Linker.Linked linkQuietly(Appended appended, UUID first, UUID last) {
        try {
            return linker.linkThrough(appended.appendId(), first, last);
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "JES0304W appended events committed but not yet linked into $all (the next"
                    + " append links them): " + e.getMessage(), e);
            return new Linker.Linked(appended.appendId(), 0, 0);
        }
    }

    public AppendResult link(String streamId, ExpectedVersion expected, List<UUID> eventIds) {
        if (eventIds.isEmpty()) {
            return append(streamId, expected, List.of());
        }
        UUID[] ids = eventIds.toArray(UUID[]::new);
        String statement = sql.withStream("link-events", fragment(expected));
        return tx.write("linking events to stream '" + streamId + "'", c -> {
            try {
                Array idArray = c.createArrayOf("uuid", ids);
                try (PreparedStatement ps = c.prepareStatement(sql.get("find-missing-events"))) {
                    ps.setArray(1, idArray);
                    try (ResultSet rs = ps.executeQuery()) {
                        if (rs.next()) {
                            throw new EventNotFoundException(rs.getObject(1, UUID.class), streamId);
                        }
                    }
                }
                try (PreparedStatement ps = c.prepareStatement(statement)) {
                    ps.setArray(1, idArray);
                    bindStream(ps, 2, streamId, expected);
                    long version = 0;
                    int rows = 0;
                    try (ResultSet rs = ps.executeQuery()) {
                        while (rs.next()) {
                            version = Math.max(version, rs.getLong(1));
                            rows++;
                        }
                    }
                    if (rows > 0) {
                        return new AppendResult(version, 0, 0);
                    }
                }
            } catch (SQLException e) {
                throw SqlErrors.append(streamId, e);
            }
            throw refusal(c, streamId, expected);
        });
    }

    private static String fragment(ExpectedVersion expected) {
        if (expected instanceof ExpectedVersion.Any) {
            return "append-stream-any";
        } else if (expected instanceof ExpectedVersion.NoStream
                || expected instanceof ExpectedVersion.Exactly exactly && exactly.version() == 0) {
            // exactly(0) creates the stream as noStream() does; only its refusal differs (StreamRow.check)
            return "append-stream-new";
        } else if (expected instanceof ExpectedVersion.StreamExists) {
            return "append-stream-existing";
        }
        return "append-stream-exact";
    }

    /** Binds the stream fragment's parameters from {@code index} on; returns the index after them. */
    private static int bindStream(PreparedStatement ps, int index, String streamId, ExpectedVersion expected)
            throws SQLException {
        ps.setString(index, streamId);
        if (expected instanceof ExpectedVersion.Exactly exactly && exactly.version() > 0) {
            ps.setLong(index + 1, exactly.version());
            return index + 2;
        }
        return index + 1;
    }

    /** The statement wrote nothing: read the stream's current state to say why. */
    private RuntimeException refusal(Connection c, String streamId, ExpectedVersion expected) throws SQLException {
        StreamRow row = StreamRow.find(c, sql.get("query-stream"), streamId);
        StreamRow.check(streamId, expected, row);
        // The condition holds now, so it failed only against a writer that has since committed.
        return new org.jeventstore.WrongExpectedVersionException(streamId, expected, row == null ? 0 : row.version());
    }

    private Columns columns(String streamId, List<EventData> events) {
        int n = events.size();
        UUID[] ids = new UUID[n];
        String[] types = new String[n];
        UUID[] causation = new UUID[n];
        UUID[] correlation = new UUID[n];
        String[] data = new String[n];
        String[] metadata = new String[n];
        for (int i = 0; i < n; i++) {
            EventData e = events.get(i);
            if (e == null) {
                throw new org.jeventstore.InvalidRequestException("event " + i + " to append to stream '" + streamId
                        + "' is null");
            }
            ids[i] = e.eventId() != null ? e.eventId() : UUID.randomUUID();
            types[i] = e.eventType() != null ? e.eventType() : serializer.typeName(e.data());
            causation[i] = e.causationId();
            correlation[i] = e.correlationId();
            data[i] = serializer.toJson(e.data());
            metadata[i] = e.metadata().isEmpty() ? null : serializer.toJson(e.metadata());
        }
        return new Columns(ids, types, causation, correlation, data, metadata);
    }
}
