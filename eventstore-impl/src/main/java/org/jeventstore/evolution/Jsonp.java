package org.jeventstore.evolution;

import jakarta.json.JsonException;
import jakarta.json.JsonObject;
import jakarta.json.JsonReader;
import jakarta.json.JsonValue;
import jakarta.json.spi.JsonProvider;
import java.io.StringReader;
import org.jeventstore.SerializationException;

/**
 * JSON-P for upcasters, looked up once: {@code Json.createReader} and friends look the provider up again at every
 * call. Loaded only by a store that has upcasters, so a store without them needs no JSON-P implementation.
 */
final class Jsonp {

    static final JsonProvider PROVIDER = JsonProvider.provider();

    private Jsonp() {
    }

    /** Any JSON value; text that is not JSON is a SerializationException naming {@code what}. */
    static JsonValue parse(String json, String what) {
        try (JsonReader reader = PROVIDER.createReader(new StringReader(json))) {
            return reader.readValue();
        } catch (JsonException e) {
            throw new SerializationException(what + " cannot be parsed: " + e.getMessage(), e);
        }
    }

    /**
     * Stored metadata as upcasters see it: an object without the store's revision key (JSON null and no metadata
     * are the empty object; a value that is not an object is {@code {"value": v}}, as metadata maps read it).
     */
    static JsonObject metadata(String json) {
        if (json == null || json.isEmpty()) {
            return JsonValue.EMPTY_JSON_OBJECT;
        }
        JsonValue value = parse(json, "stored metadata JSON");
        if (value instanceof JsonObject o) {
            return withoutRevision(o);
        }
        if (value.getValueType() == JsonValue.ValueType.NULL) {
            return JsonValue.EMPTY_JSON_OBJECT;
        }
        return PROVIDER.createObjectBuilder().add("value", value).build();
    }

    static JsonObject withoutRevision(JsonObject metadata) {
        return metadata.containsKey(Evolution.REVISION_KEY)
                ? PROVIDER.createObjectBuilder(metadata).remove(Evolution.REVISION_KEY).build() : metadata;
    }
}
