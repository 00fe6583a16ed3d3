package org.jeventstore.serialization;

import java.util.Map;

/** Turns event data and metadata into JSON text and back, and maps Java classes to stored type names. */
public interface EventSerializer {

    /** The stored type name of this data's class. */
    String typeName(Object data);

    String toJson(Object value);

    /**
     * The data of an event of {@code typeName}: an instance of its class when this server knows it, otherwise the
     * plain JSON value (maps, lists, strings, numbers, booleans). Never fails for an unknown type.
     */
    Object fromJson(String typeName, String json);

    /** Metadata as a map; empty for {@code null}. */
    Map<String, Object> metadataFromJson(String json);
}
