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
import org.jeventstore.EventStore;
import org.jeventstore.RecordedEvent;
import org.jeventstore.StreamDeletedException;
import org.jeventstore.StreamNotFoundException;
import org.jeventstore.serialization.EventSerializer;

/** Reads streams and {@code $all}, as pages or as lazy streams that page on demand. */
public final class EventReader {

    private static final long ALL_STREAM_ID = 0;

    private final Sql sql;
    private final Transactions tx;
    private final EventSerializer serializer;

    public EventReader(Sql sql, Transactions tx, EventSerializer serializer) {
        this.sql = sql;
        this.tx = tx;
        this.serializer = serializer;
    }

    /** Reads a page; {@code forward} from {@code start} up, otherwise from {@code start} (-1 = end) down. */
    public List<RecordedEvent> read(String streamId, long start, int count, boolean forward) {
        if (count == 0) {
            return List.of();
        }
        return tx.read("reading stream '" + streamId + "'", c -> {
            long internalId = internalId(c, streamId);
            return page(c, internalId, start, count, forward);
        });
    }

    /** A lazy stream over a whole stream, fetching {@code batchSize} events per round trip. */
    public Stream<RecordedEvent> stream(String streamId, long start, int batchSize, boolean forward) {
        long internalId = tx.read("reading stream '" + streamId + "'", c -> internalId(c, streamId));
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
                page = tx.read("reading stream '" + streamId + "'", c -> page(c, internalId, next, batchSize, forward));
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
        StreamRow row = StreamRow.find(c, sql.get("query-stream"), streamId);
        if (row == null) {
            throw new StreamNotFoundException(streamId);
        }
        if (row.deletedAt() != null) {
            throw new StreamDeletedException(streamId);
        }
        return row.id();
    }

    private List<RecordedEvent> page(Connection c, long internalId, long start, int count, boolean forward)
            throws SQLException {
        long from = forward ? Math.max(start, 1) : (start < 0 ? Long.MAX_VALUE : start);
        try (PreparedStatement ps = c.prepareStatement(sql.get(forward ? "read-events-forward" : "read-events-backward"))) {
            ps.setLong(1, internalId);
            ps.setLong(2, from);
            ps.setInt(3, count);
            ps.setFetchSize(count);
            try (ResultSet rs = ps.executeQuery()) {
                List<RecordedEvent> events = new ArrayList<>(Math.min(count, 10_000));
                while (rs.next()) {
                    events.add(recorded(rs));
                }
                return events;
            }
        }
    }

    private RecordedEvent recorded(ResultSet rs) throws SQLException {
        String type = rs.getString(5);
        return new RecordedEvent(rs.getLong(1), rs.getObject(2, UUID.class), rs.getString(3), rs.getLong(4), type,
                serializer.fromJson(type, rs.getString(8)), serializer.metadataFromJson(rs.getString(9)),
                rs.getObject(6, UUID.class), rs.getObject(7, UUID.class), rs.getObject(10, OffsetDateTime.class));
    }
}
