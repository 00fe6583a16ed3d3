package org.jeventstore.serialization;

import jakarta.json.bind.Jsonb;
import jakarta.json.bind.JsonbBuilder;
import jakarta.json.bind.JsonbException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.jeventstore.ConfigurationException;
import org.jeventstore.EventType;
import org.jeventstore.SerializationException;

/**
 * JSON-B serialization. A type name is the class's {@link EventType} value or its fully qualified name. Reading
 * resolves a type name to a class registered here ({@link #register}, and every class this instance has written),
 * or, for a class name in a package allowed with {@link #allowPackages}, a class the reading thread's class loader
 * can load; otherwise data stays a plain JSON value. An {@code @EventType} name can only be resolved by
 * registration: nothing maps it back to a class.
 *
 * <p>Type names are data: whoever can append chooses them. Loading and binding any class a name asks for would
 * let a writer pick which class every reading server initializes and fills, so no class outside the registered
 * ones and the allowed packages is ever loaded by name.
 *
 * <p>Registered classes are held as they are, not looked up by name, so a class of any module of an EAR can be
 * registered with the one serializer its library holds.
 */
public final class JsonbEventSerializer implements EventSerializer {

    private final Jsonb jsonb;
    private final Map<String, Class<?>> types = new ConcurrentHashMap<>();
    /**
     * Type names a class loader could not resolve, per loader: in an EAR one module's loader may miss a class
     * another module's sees, so a miss is only remembered for the loader that missed.
     */
    private final Map<ClassLoader, Map<String, Boolean>> unresolvable =
            java.util.Collections.synchronizedMap(new java.util.WeakHashMap<>());
    private volatile java.util.List<String> allowedPackages = java.util.List.of();

    public JsonbEventSerializer() {
        this(JsonbBuilder.create());
    }

    public JsonbEventSerializer(Jsonb jsonb) {
        this.jsonb = jsonb;
    }

    @Override
    public JsonbEventSerializer register(Class<?> type) {
        if (type == null) {
            throw new ConfigurationException("an event type to register must not be null");
        }
        if (type.isInterface() || type.isPrimitive() || type.isArray()
                || java.lang.reflect.Modifier.isAbstract(type.getModifiers())) {
            throw new ConfigurationException("event type " + type.getTypeName() + " cannot be registered: events"
                    + " are read into a concrete class, not an interface, abstract class, array or primitive");
        }
        // The first class keeps the name: reads must not change class because another module registered later.
        types.putIfAbsent(nameOf(type), type);
        return this;
    }

    /** Registers each of {@code types} (see {@link #register(Class)}). */
    public JsonbEventSerializer register(Class<?>... types) {
        for (Class<?> type : types) {
            register(type);
        }
        return this;
    }

    @Override
    public String typeNameOf(Class<?> type) {
        return nameOf(type);
    }

    @Override
    public <T> T bind(Object data, Class<T> type) {
        if (type.isInstance(data)) {
            return type.cast(data);
        }
        if (data == null) {
            throw new SerializationException("null data does not bind to " + type.getName(), null);
        }
        T bound;
        try {
            bound = jsonb.fromJson(jsonb.toJson(data), type);
        } catch (RuntimeException e) {
            // JSON-B implementations differ in what they throw for a misfit (a constructor's own exception, say)
            throw new SerializationException("data of " + data.getClass().getName() + " does not bind to "
                    + type.getName() + ": " + e.getMessage(), e);
        }
        if (!type.isInstance(bound)) {
            throw new SerializationException("data of " + data.getClass().getName() + " does not bind to "
                    + type.getName() + " (JSON-B gave " + (bound == null ? "null" : bound.getClass().getName())
                    + ")", null);
        }
        return bound;
    }

    static String nameOf(Class<?> type) {
        EventType annotation = type.getAnnotation(EventType.class);
        return annotation != null ? annotation.value() : type.getName();
    }

    @Override
    public String typeName(Object data) {
        Class<?> type = data.getClass();
        String name = nameOf(type);
        types.putIfAbsent(name, type);
        return name;
    }

    @Override
    public String toJson(Object value) {
        try {
            return jsonb.toJson(value);
        } catch (JsonbException | IllegalArgumentException e) {
            throw new SerializationException("cannot serialize " + value.getClass().getName() + " to JSON: "
                    + e.getMessage(), e);
        }
    }

    @Override
    public Object fromJson(String typeName, String json) {
        return fromJson(resolve(typeName), typeName, json);
    }

    /** The class is resolved now, with this thread's class loader, as {@link #fromJson} would; JSON-B runs later. */
    @Override
    public java.util.function.Supplier<Object> deferredFromJson(String typeName, String json) {
        Class<?> type = resolve(typeName);
        return () -> fromJson(type, typeName, json);
    }

    @Override
    public java.util.function.Supplier<Map<String, Object>> deferredMetadataFromJson(String json) {
        if (json == null || json.isEmpty()) {
            return Map::of;
        }
        return () -> metadataFromJson(json);
    }

    private Object fromJson(Class<?> type, String typeName, String json) {
        if (type != null) {
            try {
                return jsonb.fromJson(json, type);
            } catch (JsonbException e) {
                // The class no longer matches what was stored: hand out the JSON value rather than fail the read.
            }
        }
        return parse(json, "stored JSON of type '" + typeName + "'");
    }

    /** Any JSON value as maps, lists, strings, numbers; text that is not JSON is a SerializationException. */
    private Object parse(String json, String what) {
        try {
            return jsonb.fromJson(json, Object.class);
        } catch (JsonbException e) {
            throw new SerializationException(what + " cannot be parsed: " + e.getMessage(), e);
        }
    }

    @Override
    @SuppressWarnings("unchecked")
    public Map<String, Object> metadataFromJson(String json) {
        if (json == null || json.isEmpty()) {
            return Map.of();
        }
        Object value = parse(json, "stored metadata JSON");
        if (value == null) {
            // JSON null (another writer may store it): no metadata.
            return Map.of();
        }
        return value instanceof Map<?, ?> map ? (Map<String, Object>) map : Map.of("value", value);
    }

    /**
     * Lets a stored class name in one of these packages (or their subpackages) be loaded by name, for classes an
     * application reads before this server has written or registered them. None by default.
     */
    public JsonbEventSerializer allowPackages(java.util.Collection<String> packages) {
        java.util.List<String> prefixes = new java.util.ArrayList<>();
        for (String p : packages) {
            String trimmed = p.trim();
            if (trimmed.isEmpty()) {
                continue;
            }
            if (!trimmed.matches("[\\p{javaJavaIdentifierStart}][\\p{javaJavaIdentifierPart}.]*")
                    || trimmed.endsWith(".")) {
                throw new IllegalArgumentException("not a Java package name: '" + p + "'");
            }
            prefixes.add(trimmed + ".");
        }
        allowedPackages = java.util.List.copyOf(prefixes);
        return this;
    }

    private boolean loadableByName(String typeName) {
        for (String prefix : allowedPackages) {
            if (typeName.startsWith(prefix)) {
                return true;
            }
        }
        return false;
    }

    private Class<?> resolve(String typeName) {
        Class<?> known = types.get(typeName);
        if (known != null) {
            return known;
        }
        if (!loadableByName(typeName)) {
            return null;
        }
        ClassLoader context = Thread.currentThread().getContextClassLoader();
        ClassLoader loader = context != null ? context : getClass().getClassLoader();
        Map<String, Boolean> misses = unresolvable.computeIfAbsent(loader, l -> new ConcurrentHashMap<>());
        if (misses.containsKey(typeName)) {
            return null;
        }
        try {
            Class<?> loaded = Class.forName(typeName, false, loader);
            // Only a class that names itself this way: an @EventType class is known by its annotation value.
            if (nameOf(loaded).equals(typeName)) {
                types.put(typeName, loaded);
                return loaded;
            }
        } catch (ClassNotFoundException | LinkageError e) {
            // not a class of this application: read as a JSON value
        }
        if (misses.size() < 10_000) {
            misses.put(typeName, Boolean.TRUE);
        }
        return null;
    }
}
