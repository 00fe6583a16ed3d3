package org.jeventstore.storage;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.jeventstore.DeleteMode;
import org.jeventstore.ExpectedVersion;
import org.jeventstore.Page;
import org.jeventstore.StorageException;
import org.jeventstore.StreamDeletedException;
import org.jeventstore.StreamInfo;
import org.jeventstore.StreamNotFoundException;
import org.jeventstore.StreamQuery;

/** Stream information, listing and deletion. */
public final class Streams {

    private static final Map<StreamQuery.SortBy, String> COLUMNS = Map.of(
            StreamQuery.SortBy.STREAM_ID, "stream_id",
            StreamQuery.SortBy.STREAM_UUID, "stream_uuid",
            StreamQuery.SortBy.STREAM_VERSION, "stream_version",
            StreamQuery.SortBy.CREATED_AT, "created_at",
            StreamQuery.SortBy.DELETED_AT, "deleted_at");

    private final Sql sql;
    private final Transactions tx;

    public Streams(Sql sql, Transactions tx) {
        this.sql = sql;
        this.tx = tx;
    }

    /** A live stream's info: {@link StreamDeletedException} once soft deleted, as Elixir's {@code stream_info}. */
    public StreamInfo info(String streamId) {
        StreamInfo info = find(streamId);
        if (info.deleted()) {
            throw new StreamDeletedException(streamId);
        }
        return info;
    }

    /** A stream's row, soft deleted or not; {@link StreamNotFoundException} when it does not exist. */
    public StreamInfo find(String streamId) {
        return tx.onConnection("reading stream info of '" + streamId + "'", c -> {
            StreamRow row = StreamRow.find(c, sql.get("query-stream"), streamId);
            if (row == null) {
                throw new StreamNotFoundException(streamId);
            }
            return row.info();
        });
    }

    public Page<StreamInfo> paginate(StreamQuery q) {
        String order = COLUMNS.get(q.sortBy()) + (q.ascending() ? " ASC" : " DESC");
        String statement = sql.get("paginate-streams").replace("${order}", order);
        return tx.onConnection("listing streams", c -> {
            try (PreparedStatement ps = c.prepareStatement(statement)) {
                ps.setString(1, q.search());
                ps.setString(2, q.search());
                ps.setInt(3, q.pageSize());
                ps.setLong(4, (long) (q.pageNumber() - 1) * q.pageSize());
                List<StreamInfo> entries = new ArrayList<>();
                long total = 0;
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        entries.add(new StreamInfo(rs.getString(1), rs.getLong(2),
                                rs.getObject(3, OffsetDateTime.class), rs.getObject(4, OffsetDateTime.class)));
                        total = rs.getLong(5);
                    }
                }
                if (entries.isEmpty() && q.pageNumber() > 1) {
                    total = count(c, q.search());
                }
                return new Page<>(entries, q.pageNumber(), q.pageSize(), total);
            }
        });
    }

    private long count(java.sql.Connection c, String search) throws SQLException {
        String statement = sql.get("paginate-streams").replace("${order}", "stream_id ASC");
        try (PreparedStatement ps = c.prepareStatement(statement)) {
            ps.setString(1, search);
            ps.setString(2, search);
            ps.setInt(3, 1);
            ps.setLong(4, 0);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getLong(5) : 0;
            }
        }
    }

    /** Deletes a stream under its row lock, after checking {@code expected} against the locked state. */
    public void delete(String streamId, ExpectedVersion expected, DeleteMode mode) {
        tx.write("deleting stream '" + streamId + "'", c -> {
            StreamRow row = StreamRow.find(c, sql.get("lock-stream"), streamId);
            if (row == null) {
                throw new StreamNotFoundException(streamId);
            }
            StreamRow.check(streamId, expected, row);
            if (mode == DeleteMode.SOFT) {
                try (PreparedStatement ps = c.prepareStatement(sql.get("soft-delete-stream"))) {
                    ps.setLong(1, row.id());
                    ps.executeUpdate();
                }
                return null;
            }
            try (PreparedStatement ps = c.prepareStatement(sql.get("enable-hard-deletes"))) {
                ps.executeQuery().close();
            }
            try (PreparedStatement ps = c.prepareStatement(sql.get("hard-delete-stream"))) {
                for (int i = 1; i <= 5; i++) {
                    ps.setLong(i, row.id());
                }
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next() || rs.getLong(2) != 1) {
                        throw new StorageException("hard delete of stream '" + streamId + "' removed no stream row",
                                null, null);
                    }
                }
            }
            return null;
        });
    }
}
