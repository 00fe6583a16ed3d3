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
}
