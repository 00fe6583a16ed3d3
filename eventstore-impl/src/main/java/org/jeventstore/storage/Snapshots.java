package org.jeventstore.storage;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.util.Optional;
import org.jeventstore.SerializationException;
import org.jeventstore.SnapshotData;
import org.jeventstore.serialization.EventSerializer;

/** One snapshot per source id, replaced on each record. */
public final class Snapshots {

    private final Sql sql;
    private final Transactions tx;
    private final EventSerializer serializer;

    public Snapshots(Sql sql, Transactions tx, EventSerializer serializer) {
        this.sql = sql;
        this.tx = tx;
        this.serializer = serializer;
    }

    public void record(SnapshotData s) {
        String type = s.sourceType() != null ? s.sourceType() : serializer.typeName(s.data());
        String data = serializer.toJson(s.data());
        String metadata = s.metadata().isEmpty() ? null : serializer.toJson(s.metadata());
        String what = "recording snapshot of '" + s.sourceId() + "'";
        tx.write(what, c -> {
            try (PreparedStatement ps = c.prepareStatement(sql.get("record-snapshot"))) {
                ps.setString(1, s.sourceId());
                ps.setLong(2, s.sourceVersion());
                ps.setString(3, type);
                ps.setString(4, data);
                ps.setString(5, metadata);
                return ps.executeUpdate();
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
        return tx.read("reading snapshot of '" + sourceId + "'", c -> {
            try (PreparedStatement ps = c.prepareStatement(sql.get("read-snapshot"))) {
                ps.setString(1, sourceId);
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) {
                        return Optional.empty();
                    }
                    String type = rs.getString(3);
                    return Optional.of(new SnapshotData(rs.getString(1), rs.getLong(2), type,
                            serializer.fromJson(type, rs.getString(4)), serializer.metadataFromJson(rs.getString(5)),
                            rs.getObject(6, OffsetDateTime.class)));
                }
            }
        });
    }

    public void delete(String sourceId) {
        tx.singleStatement("deleting snapshot of '" + sourceId + "'", c -> {
            try (PreparedStatement ps = c.prepareStatement(sql.get("delete-snapshot"))) {
                ps.setString(1, sourceId);
                return ps.executeUpdate();
            }
        });
    }
}
