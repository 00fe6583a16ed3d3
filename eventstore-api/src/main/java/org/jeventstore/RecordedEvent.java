package org.jeventstore;

import java.time.OffsetDateTime;
import java.util.AbstractMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import java.util.function.BiFunction;
import java.util.function.Supplier;

/**
 * An event as read back from the store.
 *
 * <p>The store's reads hand out events whose data and metadata are parsed from their stored JSON only when
 * {@link #data()}, {@link #data(Class)} or {@link #metadata()} is first called (once; the result is kept), so a
 * reader that looks only at numbers, ids, streams or types pays nothing for the payloads it skips. Which class
 * the data is read into is settled when the event is read, as before; only the parsing waits.
 *
 * @param eventNumber   its position in what was read: the stream version, the {@code $all} position,
 *                      or the position of a link in the stream that links it
 * @param eventId       the event's id
 * @param streamId      the stream the event was originally appended to
 * @param streamVersion the event's version in that original stream
 * @param eventType     the type name it is read as: the stored one, or the current name of the class the stored
 *                      name is an alias of, or the type an upcaster made it
 * @param data          the payload: an instance of the type's class when this server knows it, otherwise the
 *                      JSON value as maps, lists, strings, numbers and booleans
 * @param metadata      the metadata (empty when none)
 * @param createdAt     when the event was appended (UTC)
 * @param revision      the revision of its type the data is read as (1 unless the type was revised: see
 *                      {@link EventType#revision()})
 * @param storedType    the type name stored with the event; {@link #eventType()} differs when the stored name is an
 *                      alias ({@link EventType#aliases()}) or an upcaster made the event another type
 * @param storedRevision the revision stored with the event (its metadata key {@code jes_revision}; 1 without it);
 *                      {@link #revision()} differs when upcasters brought the data up. 0 when the stored value is
 *                      not a whole number &gt;= 1: {@code data()} and {@code metadata()} then fail, naming it
 */
public record RecordedEvent(long eventNumber, UUID eventId, String streamId, long streamVersion,
                            String eventType, Object data, Map<String, Object> metadata,
                            UUID causationId, UUID correlationId, OffsetDateTime createdAt,
                            int revision, String storedType, int storedRevision) {

    public RecordedEvent {
        storedType = storedType == null ? eventType : storedType;
    }

    /** An event read as it was stored: revision 1, under its stored type name. */
    public RecordedEvent(long eventNumber, UUID eventId, String streamId, long streamVersion, String eventType,
                         Object data, Map<String, Object> metadata, UUID causationId, UUID correlationId,
                         OffsetDateTime createdAt) {
        this(eventNumber, eventId, streamId, streamVersion, eventType, data, metadata, causationId, correlationId,
                createdAt, 1, eventType, 1);
    }

    /*
     * Laziness inside a record: the data and metadata components of a deferred event hold a private placeholder
     * that parses on first use, and the two accessors (and equals, hashCode, toString) go through it. The record
     * stays a record for its callers (JSON-B and Jackson serialize it through its accessors, as before), and
     * the placeholder never leaves this class.
     */

    /**
     * An event whose data and metadata are produced by {@code data} and {@code metadata} when first asked for.
     * Each supplier is called at most once when it succeeds (its result is kept and the supplier dropped); one
     * that throws is called again at the next access, and its exception reaches the caller of the accessor.
     */
    public static RecordedEvent deferred(long eventNumber, UUID eventId, String streamId, long streamVersion,
                                         String eventType, Supplier<?> data,
                                         Supplier<? extends Map<String, Object>> metadata,
                                         UUID causationId, UUID correlationId, OffsetDateTime createdAt) {
        return deferred(eventNumber, eventId, streamId, streamVersion, eventType, data, metadata, causationId,
                correlationId, createdAt, 1, eventType, 1);
    }

    /** As above, for an event read as {@code eventType} at {@code revision}, stored as the other two. */
    public static RecordedEvent deferred(long eventNumber, UUID eventId, String streamId, long streamVersion,
                                         String eventType, Supplier<?> data,
                                         Supplier<? extends Map<String, Object>> metadata,
                                         UUID causationId, UUID correlationId, OffsetDateTime createdAt,
                                         int revision, String storedType, int storedRevision) {
        return deferred(eventNumber, eventId, streamId, streamVersion, eventType, data, metadata, causationId,
                correlationId, createdAt, revision, storedType, storedRevision, null);
    }

    /**
     * As above, with the store's way of reading data into a class ({@code binder}: the data as parsed and a class,
     * to an instance of that class), which {@link #data(Class)} uses when the data is not already an instance of
     * the class asked for: an event of a type this server has not registered reads as a JSON value, and still
     * reads into its class.
     */
    public static RecordedEvent deferred(long eventNumber, UUID eventId, String streamId, long streamVersion,
                                         String eventType, Supplier<?> data,
                                         Supplier<? extends Map<String, Object>> metadata,
                                         UUID causationId, UUID correlationId, OffsetDateTime createdAt,
                                         int revision, String storedType, int storedRevision,
                                         BiFunction<Object, Class<?>, ?> binder) {
        return new RecordedEvent(eventNumber, eventId, streamId, streamVersion, eventType,
                new Deferred<>(Objects.requireNonNull(data, "data"), binder),
                new DeferredMetadata(Objects.requireNonNull(metadata, "metadata")),
                causationId, correlationId, createdAt, revision, storedType, storedRevision);
    }

    /** Whether the event is read as another type or revision than it was stored as (renamed or upcast). */
    public boolean evolved() {
        return revision != storedRevision || !Objects.equals(eventType, storedType);
    }

    /** The payload (parsed now if this event was read and nobody has asked for it yet). */
    @Override
    public Object data() {
        return data instanceof Deferred<?> d ? d.get() : data;
    }

    /** The metadata (parsed now if this event was read and nobody has asked for it yet); empty when none. */
    @Override
    public Map<String, Object> metadata() {
        return metadata instanceof DeferredMetadata d ? d.value.get() : metadata;
    }

    /**
     * The data as an instance of {@code type}: the data itself when it is one; otherwise, for an event the store
     * read, the data read into {@code type} through its JSON (so an event whose type this server has not
     * registered, which reads as a JSON value, still reads into its class; the result is kept for the next call
     * with the same class).
     *
     * @throws SerializationException naming the event when the data does not fit {@code type} (JSON of another
     *                                shape), or when this event has no store to read it with (built by hand) and
     *                                its data is of another class
     */
    public <T> T data(Class<T> type) {
        Objects.requireNonNull(type, "type");
        Object value = data();
        if (type.isInstance(value)) {
            return type.cast(value);
        }
        if (data instanceof Deferred<?> d && d.binder != null) {
            try {
                return type.cast(d.bound(value, type));
            } catch (SerializationException e) {
                throw new SerializationException("event " + eventId + " (stream '" + streamId + "', version "
                        + streamVersion + ", type '" + eventType + "') does not read into " + type.getName() + ": "
                        + e.getMessage(), e);
            }
        }
        throw new SerializationException("event " + eventId + " of type '" + eventType + "' has data of "
                + (value == null ? "null" : value.getClass().getName()) + ", not " + type.getName()
                + (value instanceof Map || value instanceof java.util.List ? ": its type is not registered on this"
                + " server; register " + type.getName() + " (EventStore.registerEventTypes, or"
                + " eventstore.serialization.event-types)" : ""), null);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof RecordedEvent e && eventNumber == e.eventNumber && streamVersion == e.streamVersion
                && Objects.equals(eventId, e.eventId) && Objects.equals(streamId, e.streamId)
                && Objects.equals(eventType, e.eventType) && Objects.equals(data(), e.data())
                && Objects.equals(metadata(), e.metadata()) && Objects.equals(causationId, e.causationId)
                && Objects.equals(correlationId, e.correlationId) && Objects.equals(createdAt, e.createdAt)
                && revision == e.revision && storedRevision == e.storedRevision
                && Objects.equals(storedType, e.storedType);
    }

    @Override
    public int hashCode() {
        return Objects.hash(eventNumber, eventId, streamId, streamVersion, eventType, data(), metadata(),
                causationId, correlationId, createdAt, revision, storedType, storedRevision);
    }

    @Override
    public String toString() {
        return "RecordedEvent[eventNumber=" + eventNumber + ", eventId=" + eventId + ", streamId=" + streamId
                + ", streamVersion=" + streamVersion + ", eventType=" + eventType + ", data=" + data()
                + ", metadata=" + metadata() + ", causationId=" + causationId + ", correlationId=" + correlationId
                + ", createdAt=" + createdAt + ", revision=" + revision + ", storedType=" + storedType
                + ", storedRevision=" + storedRevision + "]";
    }

    /** A value computed once on first use; the events of a read page may be handed to other threads. */
    private static final class Deferred<T> {
        private Supplier<? extends T> source;
        private T value;
        /** Reads the value into another class; {@code null} for an event not read from a store. */
        final BiFunction<Object, Class<?>, ?> binder;
        private Class<?> boundType;
        private Object bound;

        Deferred(Supplier<? extends T> source) {
            this(source, null);
        }

        Deferred(Supplier<? extends T> source, BiFunction<Object, Class<?>, ?> binder) {
            this.source = source;
            this.binder = binder;
        }

        synchronized T get() {
            if (source != null) {
                value = source.get();
                source = null; // lets the stored JSON go
            }
            return value;
        }

        /** {@code value} read into {@code type}, kept for the next call with the same class. */
        synchronized Object bound(Object value, Class<?> type) {
            if (boundType != type) {
                bound = binder.apply(value, type);
                boundType = type;
            }
            return bound;
        }
    }

    /**
     * The metadata component's placeholder: it must be a {@code Map} to sit in the component, but the accessor
     * hands out the parsed map itself; these methods only serve code that reaches the field reflectively.
     */
    private static final class DeferredMetadata extends AbstractMap<String, Object> {
        final Deferred<Map<String, Object>> value;

        DeferredMetadata(Supplier<? extends Map<String, Object>> source) {
            this.value = new Deferred<>(source);
        }

        @Override
        public Set<Entry<String, Object>> entrySet() {
            return value.get().entrySet();
        }
    }
}
