package org.jeventstore.web;

import jakarta.json.Json;
import jakarta.json.JsonArray;
import jakarta.json.JsonException;
import jakarta.json.JsonNumber;
import jakarta.json.JsonObject;
import jakarta.json.JsonReader;
import jakarta.json.JsonString;
import jakarta.json.JsonValue;
import jakarta.json.stream.JsonParsingException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.jeventstore.EventData;
import org.jeventstore.InvalidRequestException;

/**
 * Reads an append's body: at most the configured bytes, then strictly the documented shape. Every refusal says
 * what was wrong and where (the event's index, the field), never the parser's own text.
 */
final class AppendBody {

    private static final Set<String> FIELDS = Set.of("eventId", "eventType", "data", "metadata", "causationId",
            "correlationId");

    private AppendBody() {
    }

    static List<EventData> read(InputStream body, HttpLimits limits) {
        return parse(readBounded(body, limits.maxBodyBytes()), limits.maxEventsPerAppend());
    }

    /** The body's bytes, refusing with 413 as soon as it passes {@code max}, without reading further. */
    static byte[] readBounded(InputStream body, int max) {
        if (body == null) {
            return new byte[0];
        }
        try {
            byte[] bytes = body.readNBytes(max + 1);
            if (bytes.length > max) {
                throw new RequestProblem(413, "request body is larger than " + max
                        + " bytes (eventstore.http.max-body-bytes)");
            }
            return bytes;
        } catch (IOException e) {
            throw new UncheckedIOException("could not read the request body", e);
        }
    }

    static List<EventData> parse(byte[] bytes, int maxEvents) {
        if (bytes.length == 0) {
            throw new InvalidRequestException("request body is empty: expected a JSON array of events");
        }
        JsonValue value;
        try (JsonReader reader = Json.createReader(new ByteArrayInputStream(bytes))) {
            value = reader.readValue();
        } catch (JsonParsingException e) {
            var at = e.getLocation();
            throw new InvalidRequestException("request body is not valid JSON"
                    + (at == null ? "" : " (line " + at.getLineNumber() + ", column " + at.getColumnNumber() + ")"));
        } catch (JsonException | IllegalStateException | StackOverflowError e) {
            throw new InvalidRequestException("request body is not valid JSON");
        }
        if (value.getValueType() != JsonValue.ValueType.ARRAY) {
            throw new InvalidRequestException("request body must be a JSON array of events, was a JSON "
                    + value.getValueType().name().toLowerCase());
        }
        JsonArray array = value.asJsonArray();
        if (array.isEmpty()) {
            throw new InvalidRequestException("request body is an empty array: append at least one event");
        }
        if (array.size() > maxEvents) {
            throw new InvalidRequestException("an append takes at most " + maxEvents
                    + " events (eventstore.http.max-events-per-append), got " + array.size());
        }
        List<EventData> events = new ArrayList<>(array.size());
        for (int i = 0; i < array.size(); i++) {
            events.add(event(array.get(i), "events[" + i + "]"));
        }
        return events;
    }

    private static EventData event(JsonValue value, String where) {
        if (value.getValueType() != JsonValue.ValueType.OBJECT) {
            throw new InvalidRequestException(where + " must be a JSON object, was a JSON "
                    + value.getValueType().name().toLowerCase());
        }
        JsonObject o = value.asJsonObject();
        for (String key : o.keySet()) {
            if (!FIELDS.contains(key)) {
                throw new InvalidRequestException(where + " has an unknown field '" + clip(key) + "' (known: "
                        + String.join(", ", new java.util.TreeSet<>(FIELDS)) + ")");
            }
        }
        String type = storable(string(o, "eventType", where, true));
        if (type.isBlank()) {
            throw new InvalidRequestException(where + ".eventType must not be blank");
        }
        JsonValue data = o.get("data");
        if (data == null || data.getValueType() == JsonValue.ValueType.NULL) {
            throw new InvalidRequestException(where + ".data is required (any JSON value but null)");
        }
        Map<String, Object> metadata = Map.of();
        JsonValue meta = o.get("metadata");
        if (meta != null && meta.getValueType() != JsonValue.ValueType.NULL) {
            if (meta.getValueType() != JsonValue.ValueType.OBJECT) {
                throw new InvalidRequestException(where + ".metadata must be a JSON object");
            }
            metadata = new LinkedHashMap<>();
            for (Map.Entry<String, JsonValue> e : meta.asJsonObject().entrySet()) {
                if (e.getValue().getValueType() == JsonValue.ValueType.NULL) {
                    throw new InvalidRequestException(where + ".metadata." + clip(e.getKey()) + " must not be null");
                }
                metadata.put(e.getKey(), plain(e.getValue()));
            }
        }
        return new EventData(uuid(o, "eventId", where), type, plain(data), metadata, uuid(o, "causationId", where),
                uuid(o, "correlationId", where));
    }

    private static String string(JsonObject o, String field, String where, boolean required) {
        JsonValue v = o.get(field);
        if (v == null || v.getValueType() == JsonValue.ValueType.NULL) {
            if (required) {
                throw new InvalidRequestException(where + "." + field + " is required (a string)");
            }
            return null;
        }
        if (v.getValueType() != JsonValue.ValueType.STRING) {
            throw new InvalidRequestException(where + "." + field + " must be a string");
        }
        return ((JsonString) v).getString();
    }

    private static UUID uuid(JsonObject o, String field, String where) {
        String text = string(o, field, where, false);
        if (text == null) {
            return null;
        }
        try {
            UUID id = UUID.fromString(text);
            if (!id.toString().equalsIgnoreCase(text)) {
                throw new IllegalArgumentException("not canonical");
            }
            return id;
        } catch (IllegalArgumentException e) {
            throw new InvalidRequestException(where + "." + field + " must be a UUID like "
                    + "123e4567-e89b-12d3-a456-426614174000, was '" + clip(text) + "'");
        }
    }

    /** A JSON value as maps, lists, strings, numbers and booleans, the way the store writes any other data. */
    static Object plain(JsonValue v) {
        switch (v.getValueType()) {
            case OBJECT: {
                Map<String, Object> map = new LinkedHashMap<>();
                v.asJsonObject().forEach((k, x) -> map.put(storable(k), plain(x)));
                return map;
            }
            case ARRAY: {
                List<Object> list = new ArrayList<>();
                v.asJsonArray().forEach(x -> list.add(plain(x)));
                return list;
            }
            case STRING:
                return storable(((JsonString) v).getString());
            case NUMBER:
                return storable(((JsonNumber) v).bigDecimalValue());
            case TRUE:
                return Boolean.TRUE;
            case FALSE:
                return Boolean.FALSE;
            default:
                return null;
        }
    }

    /** PostgreSQL stores no U+0000 in text or jsonb: refused here, as bad input, rather than by the database. */
    static String storable(String text) {
        if (text.indexOf('\u0000') >= 0) {
            throw new InvalidRequestException("JSON strings and keys must not contain \\u0000 (PostgreSQL cannot"
                    + " store it)");
        }
        return text;
    }

    /** jsonb numbers are PostgreSQL numerics: at most 131,072 digits before the point and 16,383 after. */
    static java.math.BigDecimal storable(java.math.BigDecimal number) {
        if (number.scale() > 16_383 || number.precision() - number.scale() > 131_072) {
            throw new InvalidRequestException("a JSON number is out of range (PostgreSQL numeric: at most 131072"
                    + " digits before the decimal point and 16383 after)");
        }
        return number;
    }

    /** Caller-supplied text in a message, cut short so a message never grows with the request. */
    static String clip(String text) {
        return text.length() <= 64 ? text : text.substring(0, 64) + "...";
    }
}
