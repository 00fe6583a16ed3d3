package org.jeventstore.serialization;

import java.util.Map;
import java.util.function.Supplier;
import org.jeventstore.EventStoreException;
import org.jeventstore.SerializationException;

/**
 * Keeps the store's promise that callers only ever see {@link EventStoreException}s: whatever an
 * {@link EventSerializer} (JSON-B underneath, or one of the application's) throws while turning data into JSON or
 * back reaches the caller as a {@link SerializationException}, also when a deferred read is parsed later.
 */
public final class GuardedSerializer implements EventSerializer {

    private final EventSerializer serializer;

    public GuardedSerializer(EventSerializer serializer) {
        this.serializer = serializer;
    }

    /** Runs {@code call}; a RuntimeException that is not the store's own becomes a SerializationException. */
    private static <T> T guarded(Supplier<T> call, Supplier<String> what) {
        try {
            return call.get();
        } catch (EventStoreException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new SerializationException(what.get() + ": " + e, e);
        }
    }

    /** A deferred parse guarded both when it is made and when it is run. */
    private static <T> Supplier<T> guardedLater(Supplier<Supplier<T>> make, Supplier<String> what) {
        Supplier<T> parse = guarded(make, what);
        return () -> guarded(parse, what);
    }

    private static Supplier<String> reading(String typeName) {
        return () -> "stored JSON of type '" + typeName + "' cannot be read";
    }

    private static final Supplier<String> READING_METADATA = () -> "stored metadata JSON cannot be read";

    @Override
    public String typeName(Object data) {
        return guarded(() -> serializer.typeName(data), () -> "cannot name the type of " + data.getClass().getName());
    }

    @Override
    public String toJson(Object value) {
        return guarded(() -> serializer.toJson(value),
                () -> "cannot serialize " + value.getClass().getName() + " to JSON");
    }

    @Override
    public Object fromJson(String typeName, String json) {
        return guarded(() -> serializer.fromJson(typeName, json), reading(typeName));
    }

    @Override
    public Supplier<Object> deferredFromJson(String typeName, String json) {
        return guardedLater(() -> serializer.deferredFromJson(typeName, json), reading(typeName));
    }

    @Override
    public Supplier<Object> deferredFromJson(String typeName, Supplier<String> json) {
        return guardedLater(() -> serializer.deferredFromJson(typeName, json), reading(typeName));
    }

    /** A lookup: whatever it throws is a defect of the serializer, passed as it is. */
    @Override
    public String currentName(String storedName) {
        return serializer.currentName(storedName);
    }

    @Override
    public Class<?> classOf(String typeName) {
        return serializer.classOf(typeName);
    }

    @Override
    public boolean knows(String typeName) {
        return serializer.knows(typeName);
    }

    @Override
    public Supplier<Map<String, Object>> deferredMetadataFromJson(String json) {
        return guardedLater(() -> serializer.deferredMetadataFromJson(json), READING_METADATA);
    }

    @Override
    public Map<String, Object> metadataFromJson(String json) {
        return guarded(() -> serializer.metadataFromJson(json), READING_METADATA);
    }

    @Override
    public String typeNameOf(Class<?> type) {
        return guarded(() -> serializer.typeNameOf(type), () -> "cannot name the type " + type.getName());
    }

    /** Registration is configuration, not serialization: its exceptions pass as they are. */
    @Override
    public EventSerializer register(Class<?> type) {
        serializer.register(type);
        return this;
    }

    @Override
    public <T> T bind(Object data, Class<T> type) {
        return guarded(() -> serializer.bind(data, type), () -> "cannot bind "
                + (data == null ? "null" : data.getClass().getName()) + " to " + type.getName());
    }
}
