package org.jeventstore;

import jakarta.json.JsonObject;
import jakarta.json.JsonValue;
import java.util.Objects;

/**
 * An event as upcasters see it: its type name, the revision of that type its JSON has, and its data and metadata
 * as JSON-P values (the stored JSON, or what the previous upcaster of a chain made of it). The metadata is the
 * event's own: the store's revision key is not in it, the revision is {@link #revision()}.
 *
 * @param type     the type name (never blank)
 * @param revision the revision of that type the data has (at least 1)
 * @param data     the data (any JSON value; stored events almost always hold an object: {@link #object()})
 * @param metadata the metadata; empty when the event has none
 */
public record JsonEvent(String type, int revision, JsonValue data, JsonObject metadata) {

    public JsonEvent {
        if (type == null || type.isBlank()) {
            throw new IllegalArgumentException("an event's type must not be null or blank, was "
                    + (type == null ? "null" : "'" + type + "'"));
        }
        if (revision < 1) {
            throw new IllegalArgumentException("revision of event type '" + type + "' must be >= 1, was " + revision);
        }
        Objects.requireNonNull(data, "data (JsonValue.NULL for JSON null)");
        metadata = metadata == null ? JsonValue.EMPTY_JSON_OBJECT : metadata;
    }

    /** This event at the next revision of its type, with {@code newData} and the same metadata. */
    public JsonEvent next(JsonValue newData) {
        return new JsonEvent(type, revision + 1, newData, metadata);
    }

    /** This event at the next revision of its type, with {@code newData} and {@code newMetadata}. */
    public JsonEvent next(JsonValue newData, JsonObject newMetadata) {
        return new JsonEvent(type, revision + 1, newData, newMetadata);
    }

    /** An event of {@code newType} at {@code newRevision} with {@code newData} and this event's metadata. */
    public JsonEvent as(String newType, int newRevision, JsonValue newData) {
        return new JsonEvent(newType, newRevision, newData, metadata);
    }

    /** The data as a JSON object; an {@link IllegalStateException} naming type and revision when it is not one. */
    public JsonObject object() {
        if (data instanceof JsonObject o) {
            return o;
        }
        throw new IllegalStateException("data of event type '" + type + "' revision " + revision + " is a JSON "
                + data.getValueType().name().toLowerCase(java.util.Locale.ROOT) + ", not an object");
    }
}
