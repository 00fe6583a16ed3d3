package org.jeventstore;

import java.time.OffsetDateTime;
import java.util.Map;
import java.util.Objects;

/**
 * A snapshot of some source's state (an aggregate, say), at a version of that source.
 *
 * @param sourceId      the source's id; one snapshot is kept per source
 * @param sourceVersion the source's version the snapshot was taken at
 * @param sourceType    the stored type name; {@code null} derives it from the data's class
 * @param data          the state, serialized as JSON
 * @param metadata      optional metadata
 * @param createdAt     when it was recorded; {@code null} when writing
 */
public record SnapshotData(String sourceId, long sourceVersion, String sourceType, Object data,
                           Map<String, ?> metadata, OffsetDateTime createdAt) {

    public SnapshotData {
        if (sourceId == null || sourceId.isBlank()) {
            throw new IllegalArgumentException("snapshot source id must not be null or blank");
        }
        if (sourceVersion < 0) {
            throw new IllegalArgumentException("snapshot source version must be >= 0, was " + sourceVersion
                    + " (source '" + sourceId + "')");
        }
        Objects.requireNonNull(data, "snapshot data must not be null");
        metadata = metadata == null ? Map.of() : Map.copyOf(metadata);
    }

    public static SnapshotData of(String sourceId, long sourceVersion, Object data) {
        return new SnapshotData(sourceId, sourceVersion, null, data, Map.of(), null);
    }
}
