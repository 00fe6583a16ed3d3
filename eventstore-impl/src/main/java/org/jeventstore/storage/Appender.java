package org.jeventstore.storage;

import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.jeventstore.AppendNotLinkedException;
import org.jeventstore.AppendResult;
import org.jeventstore.DataFormat;
import org.jeventstore.EventData;
import org.jeventstore.EventNotFoundException;
import org.jeventstore.EventStore;
import org.jeventstore.EventsAppended;
import org.jeventstore.ExpectedVersion;
import org.jeventstore.config.LinkSettings;
import org.jeventstore.serialization.EventSerializer;

/**
 * Appends and links events: one statement, one round trip, whatever the number of events (they travel as
 * arrays, so PostgreSQL's bind-parameter limit never applies). The statement takes the stream's row lock and,
 * when nobody holds it and no committed append waits for its {@code $all} positions, the {@code $all} row lock,
 * and then writes the {@code $all} rows itself; otherwise it leaves them to the {@link LinkPasses} (see
 * append-events.sql). Such a deferred append, once committed, is linked by the {@link LinkerLoop} (or on
 * this thread when the store has none) and, in {@link LinkSettings.Mode#LINKED} mode, returns only when it has
 * its positions; inside a caller's JTA transaction that wait happens when the container commits.
 */
public final class Appender {

    private static final Logger LOG = Logger.getLogger(Appender.class.getName());

    private final Sql sql;
    private final Transactions tx;
    private final EventSerializer serializer;
    private final DataColumns dataColumns;
    private final LinkPasses passes;
    /** The background loop that runs the passes; null: this thread links right after the commit. */
    private final LinkerLoop loop;
    private final Consumer<EventsAppended> local;
    private final LinkSettings linking;

    /**
     * @param dataColumns the store's JSON column type: it decides what is stored for an event without metadata
     * @param loop       the background linker loop to wake after each append; {@code null} to link on the appending
     *                   thread right after the commit (the append then reports its {@code $all} positions)
     * @param local      told of each committed append (its stream's range, and its {@code $all} range when it
     *                   has one), so that this server's subscriptions need not wait for the NOTIFY
     * @param linking    whether a deferred append waits for its positions, and how long at most
     */
    public Appender(Sql sql, Transactions tx, EventSerializer serializer, DataColumns dataColumns, LinkPasses passes,
                    LinkerLoop loop, Consumer<EventsAppended> local, LinkSettings linking) {
        this.linking = linking;
        this.sql = sql;
        this.tx = tx;
        this.serializer = serializer;
        this.dataColumns = dataColumns;
        this.passes = passes;
        this.loop = loop;
        this.local = local;
    }

    /** Prepared event columns, serialized before any connection is taken. */
    private record Columns(UUID[] ids, String[] types, UUID[] causation, UUID[] correlation, String[] data,
                           String[] metadata) {
    }

    public AppendResult append(String streamId, ExpectedVersion expected, List<EventData> events) {
        if (events.isEmpty()) {
            return tx.onConnection("checking stream '" + streamId + "'", c -> {
                StreamRow row = StreamRow.find(c, sql.named("query-stream"), streamId);
                StreamRow.check(streamId, expected, row);
                return new AppendResult(row == null ? 0 : row.version(), 0, 0);
            });
        }
        // the column type decides what an event without metadata stores; found at first use, then kept
        Columns columns = columns(streamId, events, dataColumns.format());
        NamedStatement statement = sql.withStream("append-events", streamCte(expected));
        int n = events.size();
        UUID first = columns.ids()[0];
        UUID last = columns.ids()[n - 1];
        // One statement writes everything, so it needs no explicit transaction (one round trip, no COMMIT).
        Appended appended = tx.singleStatement("appending to stream '" + streamId + "'", c -> {
            try (PreparedStatement ps = c.prepareStatement(statement.jdbc())) {
                bindStream(statement.bind(ps), streamId, expected)
                        .array("event_ids", c.createArrayOf("uuid", columns.ids()))
                        .array("event_types", c.createArrayOf("text", columns.types()))
                        .array("causation_ids", c.createArrayOf("uuid", columns.causation()))
                        .array("correlation_ids", c.createArrayOf("uuid", columns.correlation()))
                        .array("data", c.createArrayOf("text", columns.data()))
                        .array("metadata", c.createArrayOf("text", columns.metadata()))
                        .ready();
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
        EventsAppended ofStream = new EventsAppended(streamId, appended.version() - n + 1, appended.version());
        if (appended.lastPosition() > 0) {
            long firstPosition = appended.lastPosition() - n + 1;
            tx.afterCommit(() -> {
                local.accept(ofStream);
                local.accept(new EventsAppended(EventStore.ALL, firstPosition, appended.lastPosition()));
            });
            return new AppendResult(appended.version(), firstPosition, appended.lastPosition());
        }
        if (tx.inCallersTransaction()) {
            // Positions come after the container's commit, so the result cannot carry them; in LINKED mode the
            // commit itself waits for them (the caller's method returns with its events in $all).
            tx.afterCommit(() -> {
                local.accept(ofStream);
                LinkPasses.Linked linked = deferred(streamId, appended, first, last);
                if (linked.notLinked() != null) {
                    // after the container's commit nobody can be told by an exception: said in the log only
                    LOG.warning("JES0309W " + notLinked(streamId, n, appended, linked).getMessage());
                }
            });
            return new AppendResult(appended.version(), 0, 0);
        }
        local.accept(ofStream);
        LinkPasses.Linked linked = deferred(streamId, appended, first, last);
        if (linked.notLinked() != null && linking.mode() == LinkSettings.Mode.LINKED) {
            throw notLinked(streamId, n, appended, linked);
        }
        return new AppendResult(appended.version(), linked.firstPosition(), linked.lastPosition());
    }

    private static AppendNotLinkedException notLinked(String streamId, int n, Appended appended,
                                                      LinkPasses.Linked linked) {
        return new AppendNotLinkedException(streamId, appended.version() - n + 1, appended.version(),
                linked.notLinked(), linked.detail());
    }

    /**
     * A committed append that did not take its {@code $all} positions itself: linked on this thread when there is
     * no background linker; otherwise handed to it and, in LINKED mode, waited for (one pass links everyone
     * waiting). In COMMITTED mode it returns at once with positions 0, after waiting for room when this server
     * already has {@code maxUnlinkedAppends} appends waiting. The append has committed whatever happens here, so
     * nothing here throws: an append without positions (a timeout, an interrupt, which keeps its flag, a linking
     * failure, a set-aside) comes back with a {@code notLinked} reason, which the caller turns into an
     * {@link AppendNotLinkedException} in LINKED mode.
     */
    private LinkPasses.Linked deferred(String streamId, Appended appended, UUID first, UUID last) {
        if (loop == null) {
            return linkQuietly(appended, first, last);
        }
        CompletableFuture<LinkPasses.Linked> done = loop.awaitLinked(appended.appendId(), first, last);
        long timeoutMs = linking.linkTimeout().toMillis();
        LinkPasses.Linked none = LinkPasses.Linked.notLinked(appended.appendId(), AppendNotLinkedException.Reason.PENDING,
                "no linker pass linked it within " + timeoutMs + " ms (eventstore.link-timeout-ms); it waits in"
                        + " jes_unlinked and is linked later");
        try {
            if (linking.mode() == LinkSettings.Mode.COMMITTED) {
                if (!loop.awaitRoom(linking.maxUnlinkedAppends(), linking.linkTimeout())) {
                    LOG.warning("JES0307W this server still has " + loop.waiting() + " appends waiting for $all"
                            + " positions (eventstore.max-unlinked-appends " + linking.maxUnlinkedAppends() + ") after "
                            + timeoutMs + " ms; the append to stream '" + streamId + "' returns anyway");
                }
                return new LinkPasses.Linked(appended.appendId(), 0, 0, 0); // returns at its commit, by choice
            }
            LinkPasses.Linked linked = done.get(timeoutMs, TimeUnit.MILLISECONDS);
            return linked != null ? linked : linkQuietly(appended, first, last); // the linker closed meanwhile
        } catch (TimeoutException e) {
            loop.forget(appended.appendId());
            LOG.warning("JES0306W the append to stream '" + streamId + "' (up to version " + appended.version()
                    + ") committed but got no $all positions within " + timeoutMs + " ms"
                    + " (eventstore.link-timeout-ms); it is linked later");
            return none;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            loop.forget(appended.appendId());
            return LinkPasses.Linked.notLinked(appended.appendId(), AppendNotLinkedException.Reason.PENDING,
                    "the thread waiting for its positions was interrupted; it is linked later");
        } catch (ExecutionException e) {
            return none; // never completed exceptionally
        }
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
    private LinkPasses.Linked linkQuietly(Appended appended, UUID first, UUID last) {
        try {
            return passes.linkThrough(appended.appendId(), first, last);
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "JES0304W appended events committed but not yet linked into $all (the next"
                    + " append links them): " + e.getMessage(), e);
            return LinkPasses.Linked.notLinked(appended.appendId(), AppendNotLinkedException.Reason.PENDING,
                    "linking it failed (" + e.getMessage() + "); it waits in jes_unlinked and is linked later");
        }
    }

    public AppendResult link(String streamId, ExpectedVersion expected, List<UUID> eventIds) {
        if (eventIds.isEmpty()) {
            return append(streamId, expected, List.of());
        }
        UUID[] ids = eventIds.toArray(UUID[]::new);
        NamedStatement statement = sql.withStream("link-events", streamCte(expected));
        return tx.write("linking events to stream '" + streamId + "'", c -> {
            try {
                Array idArray = c.createArrayOf("uuid", ids);
                NamedStatement missing = sql.named("find-missing-events");
                try (PreparedStatement ps = c.prepareStatement(missing.jdbc())) {
                    try (ResultSet rs = missing.bind(ps).array("event_ids", idArray).ready().executeQuery()) {
                        if (rs.next()) {
                            throw new EventNotFoundException(rs.getObject(1, UUID.class), streamId);
                        }
                    }
                }
                try (PreparedStatement ps = c.prepareStatement(statement.jdbc())) {
                    bindStream(statement.bind(ps), streamId, expected).array("event_ids", idArray).ready();
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

    /** The CTE that takes the stream's row for an expected version (append-stream-*.sql). */
    private static String streamCte(ExpectedVersion expected) {
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

    /** Binds the inputs of the stream CTE: the stream, and the expected version of an exact one. */
    private static NamedStatement.Binding bindStream(NamedStatement.Binding inputs, String streamId,
                                                     ExpectedVersion expected) throws SQLException {
        inputs.text("stream_uuid", streamId);
        if (expected instanceof ExpectedVersion.Exactly exactly && exactly.version() > 0) {
            inputs.bigint("expected_version", exactly.version());
        }
        return inputs;
    }

    /** The statement wrote nothing: read the stream's current state to say why. */
    private RuntimeException refusal(Connection c, String streamId, ExpectedVersion expected) throws SQLException {
        StreamRow row = StreamRow.find(c, sql.named("query-stream"), streamId);
        StreamRow.check(streamId, expected, row);
        // The condition holds now, so it failed only against a writer that has since committed.
        return new org.jeventstore.WrongExpectedVersionException(streamId, expected, row == null ? 0 : row.version());
    }

    private Columns columns(String streamId, List<EventData> events, DataFormat format) {
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
            ids[i] = e.eventId() != null ? e.eventId() : EventIds.next();
            types[i] = e.eventType() != null ? e.eventType() : serializer.typeName(e.data());
            causation[i] = e.causationId();
            correlation[i] = e.correlationId();
            data[i] = serializer.toJson(e.data());
            // no metadata is stored as Elixir stores nil metadata in this column type (DataColumns.absentMetadata)
            metadata[i] = e.metadata().isEmpty() ? DataColumns.absentMetadata(format) : serializer.toJson(e.metadata());
        }
        return new Columns(ids, types, causation, correlation, data, metadata);
    }
}
