package org.jeventstore.serialization;

import java.util.Map;
import java.util.function.Supplier;

/** Turns event data and metadata into JSON text and back, and maps Java classes to stored type names. */
public interface EventSerializer {

    /** The stored type name of this data's class. */
    String typeName(Object data);

    /** The type name events of {@code type} are stored under (what {@link #typeName} gives its instances). */
    String typeNameOf(Class<?> type);

    /**
     * Makes {@code type} readable by its type name before this server has written one: events of that name then
     * read as instances of {@code type}. A server that only reads a type (a projector) must register it. When two
     * classes are registered under one name, reads give the first; {@link #bind} still turns data into the other.
     *
     * @throws org.jeventstore.ConfigurationException when {@code type} cannot be instantiated from JSON
     *                                                (an interface, an abstract class, an array, a primitive)
     */
    EventSerializer register(Class<?> type);

    /**
     * {@code data} as read (an instance of some class, or a JSON value) as an instance of {@code type}: the data
     * itself when it already is one, otherwise converted through its JSON form.
     *
     * @throws org.jeventstore.SerializationException when it does not bind to {@code type} (null data, or JSON
     *                                                of another shape than the class)
     */
    <T> T bind(Object data, Class<T> type);

    String toJson(Object value);

    /**
     * The data of an event of {@code typeName}: an instance of its class when this server knows it, otherwise the
     * plain JSON value (maps, lists, strings, numbers, booleans). Never fails for an unknown type.
     */
    Object fromJson(String typeName, String json);

    /** Metadata as a map; empty for {@code null}. */
    Map<String, Object> metadataFromJson(String json);

    /**
     * {@link #fromJson} for a read whose caller may never look at the data: the class is chosen now, the parsing
     * may wait until the supplier is called (reads hand events out with their data unparsed). By default it
     * parses now, so a serializer of the application's keeps failing where it failed before: at the read.
     */
    default Supplier<Object> deferredFromJson(String typeName, String json) {
        Object value = fromJson(typeName, json);
        return () -> value;
    }

    /** {@link #metadataFromJson} whose parsing may wait until the supplier is called; parses now by default. */
    default Supplier<Map<String, Object>> deferredMetadataFromJson(String json) {
        Map<String, Object> value = metadataFromJson(json);
        return () -> value;
    }

    /**
     * The type name events stored under {@code storedName} are read as: the current name ({@code @EventType}
     * value) of the class that lists it among its {@code aliases}, otherwise {@code storedName} itself. Called for
     * every event read, before anything else: keep it a lookup.
     */
    default String currentName(String storedName) {
        return storedName;
    }

    /**
     * The class events of {@code typeName} are read into, or {@code null} when they read as JSON values (or the
     * serializer does not say). Used to check an upcast event's revision against the class's.
     */
    default Class<?> classOf(String typeName) {
        return null;
    }

    /**
     * Whether events of {@code typeName} are read into a class of this server rather than as JSON values: what a
     * subscription's unknown-types policy asks. A serializer of the application's that does not override this
     * knows every name, so the policy never applies to it.
     */
    default boolean knows(String typeName) {
        return true;
    }

    /**
     * {@link #deferredFromJson(String, String)} for JSON that is itself produced later (by upcasters): the class is
     * chosen now where the serializer can, the JSON is asked for and parsed when the supplier is called.
     */
    default Supplier<Object> deferredFromJson(String typeName, Supplier<String> json) {
        return () -> fromJson(typeName, json.get());
    }
}
