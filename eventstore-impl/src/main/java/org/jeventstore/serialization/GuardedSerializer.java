package org.jeventstore.serialization;

import java.util.Map;
import java.util.function.Supplier;
import org.jeventstore.EventStoreException;
import org.jeventstore.SerializationException;

/**
 * Keeps the store's promise that callers only ever see {@link EventStoreException}s: whatever an
 * {@link EventSerializer} (JSON-B underneath, or one of the application's) throws while turning data into JSON or
 * back reaches the caller as a {@link SerializationException}.
 */
public final class GuardedSerializer implements EventSerializer {

    private final EventSerializer serializer;

    public GuardedSerializer(EventSerializer serializer) {
        this.serializer = serializer;
    }

    @Override
    public String typeName(Object data) {
        try {
            return serializer.typeName(data);
        } catch (EventStoreException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new SerializationException("cannot name the type of " + data.getClass().getName() + ": " + e, e);
        }
    }

    @Override
    public String toJson(Object value) {
        try {
            return serializer.toJson(value);
        } catch (EventStoreException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new SerializationException("cannot serialize " + value.getClass().getName() + " to JSON: " + e, e);
        }
    }

    @Override
    public Object fromJson(String typeName, String json) {
        try {
            return serializer.fromJson(typeName, json);
        } catch (EventStoreException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new SerializationException("stored JSON of type '" + typeName + "' cannot be read: " + e, e);
        }
    }

    @Override
    public Supplier<Object> deferredFromJson(String typeName, String json) {
        Supplier<Object> parse;
        try {
            parse = serializer.deferredFromJson(typeName, json);
        } catch (EventStoreException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new SerializationException("stored JSON of type '" + typeName + "' cannot be read: " + e, e);
        }
        return () -> {
            try {
                return parse.get();
            } catch (EventStoreException e) {
                throw e;
            } catch (RuntimeException e) {
                throw new SerializationException("stored JSON of type '" + typeName + "' cannot be read: " + e, e);
            }
        };
    }

    @Override
    public Supplier<Object> deferredFromJson(String typeName, Supplier<String> json) {
        Supplier<Object> parse;
        try {
            parse = serializer.deferredFromJson(typeName, json);
        } catch (EventStoreException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new SerializationException("stored JSON of type '" + typeName + "' cannot be read: " + e, e);
        }
        return () -> {
            try {
                return parse.get();
            } catch (EventStoreException e) {
                throw e;
            } catch (RuntimeException e) {
                throw new SerializationException("stored JSON of type '" + typeName + "' cannot be read: " + e, e);
            }
        };
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
        Supplier<Map<String, Object>> parse;
        try {
            parse = serializer.deferredMetadataFromJson(json);
        } catch (EventStoreException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new SerializationException("stored metadata JSON cannot be read: " + e, e);
        }
        return () -> {
            try {
                return parse.get();
            } catch (EventStoreException e) {
                throw e;
            } catch (RuntimeException e) {
                throw new SerializationException("stored metadata JSON cannot be read: " + e, e);
            }
        };
    }

    @Override
    public Map<String, Object> metadataFromJson(String json) {
        try {
            return serializer.metadataFromJson(json);
        } catch (EventStoreException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new SerializationException("stored metadata JSON cannot be read: " + e, e);
        }
    }

    @Override
    public String typeNameOf(Class<?> type) {
        try {
            return serializer.typeNameOf(type);
        } catch (EventStoreException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new SerializationException("cannot name the type " + type.getName() + ": " + e, e);
        }
    }

    /** Registration is configuration, not serialization: its exceptions pass as they are. */
    @Override
    public EventSerializer register(Class<?> type) {
        serializer.register(type);
        return this;
    }

    @Override
    public <T> T bind(Object data, Class<T> type) {
        try {
            return serializer.bind(data, type);
        } catch (EventStoreException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new SerializationException("cannot bind " + (data == null ? "null" : data.getClass().getName())
                    + " to " + type.getName() + ": " + e, e);
        }
    }
}
