package org.jeventstore;

import java.time.OffsetDateTime;

/**
 * A stream's state.
 *
 * @param streamId  the stream's id ({@code $all} for the global log)
 * @param version   its current version: the number of events appended or linked to it, or for
 *                  {@code $all} the last position taken
 * @param createdAt when the stream was created
 * @param deletedAt when it was soft deleted, or {@code null}
 */
public record StreamInfo(String streamId, long version, OffsetDateTime createdAt, OffsetDateTime deletedAt) {

    public boolean deleted() {
        return deletedAt != null;
    }
}
