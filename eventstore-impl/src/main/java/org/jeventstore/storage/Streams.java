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
            StreamRow row = StreamRow.find(c, sql.named("query-stream"), streamId);
            if (row == null) {
                throw new StreamNotFoundException(streamId);
            }
            return row.info();
        });
    }

    public Page<StreamInfo> paginate(StreamQuery q) {
        String order = COLUMNS.get(q.sortBy()) + (q.ascending() ? " ASC" : " DESC");
        NamedStatement statement = NamedStatement.parse("paginate-streams.sql",
                sql.get("paginate-streams").replace("${order}", order));
        return tx.onConnection("listing streams", c -> {
            try (PreparedStatement ps = c.prepareStatement(statement.jdbc())) {
                statement.bind(ps).text("search", q.search()).integer("limit", q.pageSize())
                        .bigint("offset", (long) (q.pageNumber() - 1) * q.pageSize()).ready();
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
        NamedStatement statement = NamedStatement.parse("paginate-streams.sql",
                sql.get("paginate-streams").replace("${order}", "stream_id ASC"));
        try (PreparedStatement ps = c.prepareStatement(statement.jdbc())) {
            try (ResultSet rs = statement.bind(ps).text("search", search).integer("limit", 1).bigint("offset", 0)
                    .ready().executeQuery()) {
                return rs.next() ? rs.getLong(5) : 0;
            }
        }
    }

    /** Deletes a stream under its row lock, after checking {@code expected} against the locked state. */
    public void delete(String streamId, ExpectedVersion expected, DeleteMode mode) {
        tx.write("deleting stream '" + streamId + "'", c -> {
            StreamRow row = StreamRow.find(c, sql.named("lock-stream"), streamId);
            if (row == null) {
                throw new StreamNotFoundException(streamId);
            }
            StreamRow.check(streamId, expected, row);
            if (mode == DeleteMode.SOFT) {
                NamedStatement soft = sql.named("soft-delete-stream");
                try (PreparedStatement ps = c.prepareStatement(soft.jdbc())) {
                    soft.bind(ps).bigint("stream_id", row.id()).ready().executeUpdate();
                }
                return null;
            }
            try (PreparedStatement ps = c.prepareStatement(sql.get("enable-hard-deletes"))) {
                ps.executeQuery().close();
            }
            NamedStatement hard = sql.named("hard-delete-stream");
            try (PreparedStatement ps = c.prepareStatement(hard.jdbc())) {
                try (ResultSet rs = hard.bind(ps).bigint("stream_id", row.id()).ready().executeQuery()) {
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
