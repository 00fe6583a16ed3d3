package org.jeventstore.storage;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.UUID;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;
import org.jeventstore.DataFormat;
import org.jeventstore.EventStore;
import org.jeventstore.RecordedEvent;
import org.jeventstore.SerializationException;
import org.jeventstore.StreamDeletedException;
import org.jeventstore.StreamNotFoundException;
import org.jeventstore.evolution.Evolution;
import org.jeventstore.serialization.EventSerializer;

/** Reads streams and {@code $all}, as pages or as lazy streams that page on demand. */
public final class EventReader {

    private static final long ALL_STREAM_ID = 0;
    /** Column of a page row's first event field. */
    private static final int EVENT = 1;

    private final Sql sql;
    private final Transactions tx;
    private final Evolution evolution;
    private final DataColumns columns;

    /**
     * @param evolution how a stored row becomes the event a read returns (aliases, revisions, upcasters); events
     *                  an upcaster would split or drop come back pending ({@link Evolution#pending}): callers that
     *                  hand events to applications expand them ({@link Evolution#expand})
     */
    public EventReader(Sql sql, Transactions tx, Evolution evolution, DataColumns columns) {
        this.sql = sql;
        this.tx = tx;
        this.evolution = evolution;
        this.columns = columns;
    }

    /** Reads a page; {@code forward} from {@code start} up, otherwise from {@code start} (-1 = end) down. */
    public List<RecordedEvent> read(String streamId, long start, int count, boolean forward) {
        if (count == 0) {
            return List.of();
        }
        DataFormat format = columns.format();
        return tx.onConnection("reading stream '" + streamId + "'",
                c -> page(c, streamId, null, start, count, forward, format));
    }

    /** A lazy stream over a whole stream, fetching {@code batchSize} events per round trip. */
    public Stream<RecordedEvent> stream(String streamId, long start, int batchSize, boolean forward) {
        DataFormat format = columns.format();
        long internalId = tx.onConnection("reading stream '" + streamId + "'", c -> internalId(c, streamId));
        Iterator<RecordedEvent> pages = new Iterator<>() {
            private List<RecordedEvent> page = List.of();
            private int index;
            private long next = start;
            private boolean exhausted;

            @Override
            public boolean hasNext() {
                if (index < page.size()) {
                    return true;
                }
                if (exhausted) {
                    return false;
                }
                page = tx.onConnection("reading stream '" + streamId + "'",
                        c -> page(c, streamId, internalId, next, batchSize, forward, format));
                index = 0;
                exhausted = page.size() < batchSize;
                if (!page.isEmpty()) {
                    long last = page.get(page.size() - 1).eventNumber();
                    // The next page starts after the last event read, so gaps from hard deletes are stepped over
                    // and nothing is read twice.
                    next = forward ? last + 1 : last - 1;
                    exhausted |= !forward && next < 1;
                }
                return !page.isEmpty();
            }

            @Override
            public RecordedEvent next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                return page.get(index++);
            }
        };
        return StreamSupport.stream(
                Spliterators.spliteratorUnknownSize(pages, Spliterator.ORDERED | Spliterator.NONNULL), false);
    }

    private long internalId(Connection c, String streamId) throws SQLException {
        if (EventStore.ALL.equals(streamId)) {
            return ALL_STREAM_ID;
        }
        StreamRow row = StreamRow.find(c, sql.named("query-stream"), streamId);
        if (row == null) {
            throw new StreamNotFoundException(streamId);
        }
        if (row.deletedAt() != null) {
            throw new StreamDeletedException(streamId);
        }
        return row.id();
    }

    /**
     * One page in one round trip: the statement finds the stream itself (by name; by {@code internalId} when a lazy
     * read knows it already; {@code $all} is stream 0, read by its own statement, see read-all-forward.sql). Only an empty page by name takes a second round trip, to
     * tell an empty page from a stream that is missing or soft deleted.
     */
    private List<RecordedEvent> page(Connection c, String streamId, Long internalId, long start, int count,
                                     boolean forward, DataFormat format) throws SQLException {
        long from = forward ? Math.max(start, 1) : (start < 0 ? Long.MAX_VALUE : start);
        boolean all = EventStore.ALL.equals(streamId);
        NamedStatement statement = sql.named((all ? "read-all-" : internalId != null ? "read-stream-by-id-"
                : "read-stream-") + (forward ? "forward" : "backward"));
        List<RecordedEvent> events = new ArrayList<>(Math.min(count, 10_000));
        try (PreparedStatement ps = c.prepareStatement(statement.jdbc())) {
            NamedStatement.Binding inputs = statement.bind(ps).bigint("from", from).integer("count", count);
            if (all) {
                inputs.bigint("all_stream_id", ALL_STREAM_ID);
            } else if (internalId != null) {
                inputs.bigint("stream_id", internalId);
            } else {
                inputs.text("stream_uuid", streamId);
            }
            inputs.ready();
            ps.setFetchSize(count);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    events.add(recorded(rs, format));
                }
            }
        }
        if (events.isEmpty() && !all && internalId == null) {
            internalId(c, streamId); // throws when the stream is missing or deleted
        }
        return events;
    }

    /**
     * The event of the current row. Its data and metadata are parsed when first asked for, so a reader that filters
     * by stream or type, or a handler that ignores an event, pays nothing for them ({@link Evolution#read}: the
     * upcasters of an older revision run then too). What can be checked without parsing is checked here and fails
     * the read: bytea bytes that are Erlang terms or not UTF-8 ({@link DataColumns#json}). JSON that does not parse
     * fails at {@code data()} or {@code metadata()}, naming the event (as an application's serializer that parses
     * at once, which {@link EventSerializer#deferredFromJson} keeps by default, fails here). In a jsonb column
     * PostgreSQL has checked the JSON; a bytea column holds what its writers (this store, Elixir's JsonSerializer)
     * wrote.
     */
    private RecordedEvent recorded(ResultSet rs, DataFormat format) throws SQLException {
        String type = rs.getString(EVENT + 4);
        UUID id = rs.getObject(EVENT + 1, UUID.class);
        String stream = rs.getString(EVENT + 2);
        long version = rs.getLong(EVENT + 3);
        long number = rs.getLong(EVENT);
        UUID causation = rs.getObject(EVENT + 5, UUID.class);
        UUID correlation = rs.getObject(EVENT + 6, UUID.class);
        OffsetDateTime created = rs.getObject(EVENT + 9, OffsetDateTime.class);
        try {
            String dataJson = columns.json(rs, EVENT + 7, format);
            String metadataJson = columns.metadataJson(rs, EVENT + 8, format);
            return evolution.read(number, id, stream, version, type, dataJson, metadataJson, causation, correlation,
                    created);
        } catch (SerializationException e) {
            throw new SerializationException("reading event " + id + " (stream '" + stream + "', version " + version
                    + ", type '" + type + "') failed: " + e.getMessage(), e);
        }
    }
}
