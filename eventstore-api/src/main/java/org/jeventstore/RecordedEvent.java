package org.jeventstore;

import java.time.OffsetDateTime;
import java.util.Map;
import java.util.UUID;

/**
 * An event as read back from the store.
 *
 * @param eventNumber   its position in what was read: the stream version, the {@code $all} position,
 *                      or the position of a link in the stream that links it
 * @param eventId       the event's id
 * @param streamId      the stream the event was originally appended to
 * @param streamVersion the event's version in that original stream
 * @param eventType     the stored type name
 * @param data          the payload: an instance of the type's class when this server knows it, otherwise the
 *                      JSON value as maps, lists, strings, numbers and booleans
 * @param metadata      the metadata (empty when none)
 * @param createdAt     when the event was appended (UTC)
 */
public record RecordedEvent(long eventNumber, UUID eventId, String streamId, long streamVersion,
                            String eventType, Object data, Map<String, Object> metadata,
                            UUID causationId, UUID correlationId, OffsetDateTime createdAt) {

    /** The data cast to {@code type}; fails with a clear message when it is of another type. */
    public <T> T data(Class<T> type) {
        if (!type.isInstance(data)) {
            throw new ClassCastException("event " + eventId + " of type '" + eventType + "' has data of "
                    + (data == null ? "null" : data.getClass().getName()) + ", not " + type.getName());
        }
        return type.cast(data);
    }
}
