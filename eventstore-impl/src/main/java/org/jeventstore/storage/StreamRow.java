package org.jeventstore.storage;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import org.jeventstore.ExpectedVersion;
import org.jeventstore.StreamDeletedException;
import org.jeventstore.StreamExistsException;
import org.jeventstore.StreamInfo;
import org.jeventstore.StreamNotFoundException;
import org.jeventstore.WrongExpectedVersionException;

/** A row of the streams table. */
record StreamRow(long id, String uuid, long version, OffsetDateTime createdAt, OffsetDateTime deletedAt) {

    StreamInfo info() {
        return new StreamInfo(uuid, version, createdAt, deletedAt);
    }

    /** Reads the stream's row ({@code query-stream} or {@code lock-stream}); {@code null} when absent. */
    static StreamRow find(Connection c, NamedStatement statement, String streamId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(statement.jdbc())) {
            try (ResultSet rs = statement.bind(ps).text("stream_uuid", streamId).ready().executeQuery()) {
                if (!rs.next()) {
                    return null;
                }
                return new StreamRow(rs.getLong(1), rs.getString(2), rs.getLong(3),
                        rs.getObject(4, OffsetDateTime.class), rs.getObject(5, OffsetDateTime.class));
            }
        }
    }

    /**
     * Throws the exception that says why {@code expected} does not hold for a stream in state {@code row}
     * ({@code null} = absent); returns normally when it holds.
     */
    static void check(String streamId, ExpectedVersion expected, StreamRow row) {
        if (row != null && row.deletedAt() != null) {
            throw new StreamDeletedException(streamId);
        }
        long actual = row == null ? 0 : row.version();
        if (expected instanceof ExpectedVersion.NoStream) {
            if (row != null) {
                throw new StreamExistsException(streamId, actual);
            }
        } else if (expected instanceof ExpectedVersion.StreamExists) {
            if (row == null) {
                throw new StreamNotFoundException(streamId);
            }
        } else if (expected instanceof ExpectedVersion.Exactly exactly && actual != exactly.version()) {
            throw new WrongExpectedVersionException(streamId, expected, actual);
        }
    }
}
