package org.jeventstore;

import java.util.Map;
import java.util.Objects;
import java.util.UUID;

/**
 * An event to append.
 *
 * @param eventId       the event's id; {@code null} means one is generated at append (time-ordered: a UUID
 *                      version 7, so that appends insert next to each other in the indexes on event ids)
 * @param eventType     the stored type name; {@code null} means derived from the data's class
 *                      ({@link EventType} or the class name)
 * @param data          the payload, serialized as JSON
 * @param metadata      optional metadata, serialized as a JSON object
 * @param causationId   optional id of the event or command that caused this one
 * @param correlationId optional id correlating a flow of events
 */
public record EventData(UUID eventId, String eventType, Object data, Map<String, ?> metadata,
                        UUID causationId, UUID correlationId) {

    public EventData {
        Objects.requireNonNull(data, "event data must not be null");
        if (eventType != null && eventType.isBlank()) {
            throw new IllegalArgumentException("event type must not be blank");
        }
        metadata = metadata == null ? Map.of() : Map.copyOf(metadata);
    }

    /** An event whose id is generated and whose type comes from the data's class. */
    public static EventData of(Object data) {
        return new EventData(null, null, data, Map.of(), null, null);
    }

    public static EventData of(String eventType, Object data) {
        return new EventData(null, eventType, data, Map.of(), null, null);
    }

    public EventData withEventId(UUID id) {
        return new EventData(id, eventType, data, metadata, causationId, correlationId);
    }

    public EventData withMetadata(Map<String, ?> meta) {
        return new EventData(eventId, eventType, data, meta, causationId, correlationId);
    }

    public EventData withCausationId(UUID id) {
        return new EventData(eventId, eventType, data, metadata, id, correlationId);
    }

    public EventData withCorrelationId(UUID id) {
        return new EventData(eventId, eventType, data, metadata, causationId, id);
    }
}
