package org.jeventstore.storage;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.util.Optional;
import org.jeventstore.DataFormat;
import org.jeventstore.SerializationException;
import org.jeventstore.SnapshotData;
import org.jeventstore.serialization.EventSerializer;

/** One snapshot per source id, replaced on each record. */
public final class Snapshots {

    private final Sql sql;
    private final Transactions tx;
    private final EventSerializer serializer;
    private final DataColumns columns;

    public Snapshots(Sql sql, Transactions tx, EventSerializer serializer, DataColumns columns) {
        this.sql = sql;
        this.tx = tx;
        this.serializer = serializer;
        this.columns = columns;
    }

    public void record(SnapshotData s) {
        String type = s.sourceType() != null ? s.sourceType() : serializer.typeName(s.data());
        String data = serializer.toJson(s.data());
        // as Elixir stores a snapshot's nil metadata in this column type (DataColumns.absentMetadata)
        String metadata = s.metadata().isEmpty() ? DataColumns.absentMetadata(columns.format()) : serializer.toJson(s.metadata());
        String what = "recording snapshot of '" + s.sourceId() + "'";
        NamedStatement statement = sql.named("record-snapshot"); // before the transaction: may detect the column type
        tx.write(what, c -> {
            try (PreparedStatement ps = c.prepareStatement(statement.jdbc())) {
                return statement.bind(ps).text("source_uuid", s.sourceId()).bigint("source_version", s.sourceVersion())
                        .text("source_type", type).text("data", data).text("metadata", metadata).ready()
                        .executeUpdate();
            } catch (SQLException e) {
                SerializationException json = SqlErrors.jsonRefused(what, e);
                if (json != null) {
                    throw json;
                }
                throw e;
            }
        });
    }

    public Optional<SnapshotData> read(String sourceId) {
        DataFormat format = columns.format();
        return tx.onConnection("reading snapshot of '" + sourceId + "'", c -> {
            NamedStatement st = sql.named("read-snapshot");
            try (PreparedStatement ps = c.prepareStatement(st.jdbc())) {
                try (ResultSet rs = st.bind(ps).text("source_uuid", sourceId).ready().executeQuery()) {
                    if (!rs.next()) {
                        return Optional.empty();
                    }
                    String type = rs.getString(3);
                    try {
                        return Optional.of(new SnapshotData(rs.getString(1), rs.getLong(2), type,
                                serializer.fromJson(type, columns.json(rs, 4, format)),
                                serializer.metadataFromJson(columns.metadataJson(rs, 5, format)),
                                rs.getObject(6, OffsetDateTime.class)));
                    } catch (SerializationException e) {
                        throw new SerializationException("reading the snapshot of '" + sourceId + "' (type '" + type
                                + "') failed: " + e.getMessage(), e);
                    }
                }
            }
        });
    }

    public void delete(String sourceId) {
        tx.singleStatement("deleting snapshot of '" + sourceId + "'", c -> {
            NamedStatement st = sql.named("delete-snapshot");
            try (PreparedStatement ps = c.prepareStatement(st.jdbc())) {
                return st.bind(ps).text("source_uuid", sourceId).ready().executeUpdate();
            }
        });
    }
}
