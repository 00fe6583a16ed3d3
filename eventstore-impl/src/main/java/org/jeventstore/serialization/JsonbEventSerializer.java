package org.jeventstore.serialization;

import jakarta.json.bind.Jsonb;
import jakarta.json.bind.JsonbConfig;
import jakarta.json.bind.JsonbException;
import jakarta.json.bind.spi.JsonbProvider;
import java.lang.ref.WeakReference;
import java.util.Map;
import java.util.WeakHashMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
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
 *
 * <p>A serializer may outlive the class loaders of the classes it serves (a store in a library that several
 * deployments share, or a long-lived store reading classes of a module that is redeployed), so it holds them
 * only weakly: the type names' classes through weak references, and JSON-B's models of them (a JSON-B instance
 * caches a model of every class it has bound, for good) in a JSON-B instance per class loader that only that
 * loader's classes hold. An old deployment's loader is thus collected with its classes; the classes of the
 * serializer's own class loader and of the loaders above it share one JSON-B instance.
 */
public final class JsonbEventSerializer implements EventSerializer {

    /** JSON-B for values of the JDK's classes (maps, lists, strings) and of classes that live as long as this. */
    private final Jsonb jsonb;
    /** Makes the JSON-B instance of another class loader's classes; {@code null}: {@link #jsonb} serves all. */
    private final Supplier<Jsonb> perLoader;
    /**
     * The JSON-B instance for each class. A ClassValue keeps its values in the class itself, so the instance of a
     * deployment's classes is reachable only from them and goes with them; looking it up is a field read or two.
     */
    private final ClassValue<Jsonb> jsonbOf = new ClassValue<>() {
        @Override
        protected Jsonb computeValue(Class<?> type) {
            return jsonbFor(type.getClassLoader());
        }
    };
    /**
     * The JSON-B instance of each class loader other than this class's and its ancestors, so that the classes of
     * one loader share one; weak both ways: the instance is held strongly only by the loader's classes ({@link
     * #jsonbOf}).
     */
    private final Map<ClassLoader, WeakReference<Jsonb>> loaderJsonb = new WeakHashMap<>();
    /**
     * The class of each type name, held weakly: a class stays reachable as long as its class loader is (which
     * holds all its classes), so an entry clears only when its deployment is gone.
     */
    private final Map<String, WeakReference<Class<?>>> types = new ConcurrentHashMap<>();
    /**
     * The old names of registered classes ({@link EventType#aliases()}): each maps to its class (weakly, as
     * {@link #types}) and to the class's current name, which reads report. Empty unless a class has aliases, so
     * the lookup every read makes costs nothing then.
     */
    private final Map<String, Alias> aliases = new ConcurrentHashMap<>();
    /**
     * Type names a class loader could not resolve, per loader: in an EAR one module's loader may miss a class
     * another module's sees, so a miss is only remembered for the loader that missed.
     */
    private final Map<ClassLoader, Map<String, Boolean>> unresolvable =
            java.util.Collections.synchronizedMap(new java.util.WeakHashMap<>());
    private volatile java.util.List<String> allowedPackages = java.util.List.of();

    /** JSON-B's default configuration, from the JSON-B implementation this thread finds. */
    public JsonbEventSerializer() {
        JsonbProvider provider = JsonbProvider.provider();
        this.perLoader = () -> provider.create().withConfig(new JsonbConfig()).build();
        this.jsonb = perLoader.get();
    }

    /**
     * Binds every class with {@code jsonb}, whose configuration this serializer cannot copy: the classes it binds
     * stay in its caches as long as it lives, so give each deployment its own.
     */
    public JsonbEventSerializer(Jsonb jsonb) {
        this.jsonb = jsonb;
        this.perLoader = null;
    }

    /** The JSON-B instance that binds {@code type}. */
    private Jsonb jsonb(Class<?> type) {
        return perLoader == null ? jsonb : jsonbOf.get(type);
    }

    private Jsonb jsonbFor(ClassLoader loader) {
        if (outlivesThis(loader)) {
            return jsonb;
        }
        synchronized (loaderJsonb) {
            WeakReference<Jsonb> known = loaderJsonb.get(loader);
            Jsonb found = known != null ? known.get() : null;
            if (found == null) {
                // never closed: with no adapters or serializers of the application configured, closing a JSON-B
                // instance releases nothing that collecting it does not
                found = perLoader.get();
                loaderJsonb.put(loader, new WeakReference<>(found));
            }
            return found;
        }
    }

    /** Whether classes of {@code loader} live at least as long as this serializer: its own loader's and above. */
    private static boolean outlivesThis(ClassLoader loader) {
        for (ClassLoader own = JsonbEventSerializer.class.getClassLoader(); own != null; own = own.getParent()) {
            if (own == loader) {
                return true;
            }
        }
        return loader == null;
    }

    /** An old name of a class: the class (weakly) and the name it is read as. */
    private record Alias(WeakReference<Class<?>> type, String current) {
    }

    /**
     * {@inheritDoc}
     *
     * <p>The class's {@link EventType#aliases()} are registered with it: events stored under them read as the
     * class, reported under its current name. A name is one type's: an alias that another class (of another
     * name) has as its name or alias is refused, as is a blank alias or one that repeats the class's own name.
     */
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
        String name = nameOf(type);
        EventType annotation = type.getAnnotation(EventType.class);
        if (annotation != null && annotation.revision() < 1) {
            throw new ConfigurationException("event type " + type.getName() + ": @EventType revision must be >= 1,"
                    + " was " + annotation.revision());
        }
        Alias holder = aliases.get(name);
        Class<?> aliasOf = holder == null ? null : holder.type().get();
        if (aliasOf != null && !sameClass(aliasOf, type)) {
            throw new ConfigurationException("event type name '" + name + "' of " + type.getName() + " is an alias"
                    + " of " + aliasOf.getName() + " (current name '" + holder.current() + "'): a stored name can"
                    + " be read as one type only");
        }
        for (String alias : annotation == null ? new String[0] : annotation.aliases()) {
            checkAlias(type, name, alias);
        }
        // The first class keeps the name: reads must not change class because another module registered later.
        keep(name, type);
        for (String alias : annotation == null ? new String[0] : annotation.aliases()) {
            aliases.compute(alias, (a, known) -> known != null && known.type().get() != null ? known
                    : new Alias(new WeakReference<>(type), name));
        }
        return this;
    }

    private void checkAlias(Class<?> type, String name, String alias) {
        if (alias == null || alias.isBlank()) {
            throw new ConfigurationException("event type " + type.getName() + ": @EventType aliases must not be"
                    + " blank");
        }
        if (alias.equals(name)) {
            throw new ConfigurationException("event type " + type.getName() + ": alias '" + alias + "' is its own"
                    + " current name");
        }
        Class<?> named = known(alias);
        if (named != null && !sameClass(named, type)) {
            throw new ConfigurationException("event type " + type.getName() + ": alias '" + alias + "' is the"
                    + " current name of " + named.getName() + ": a stored name can be read as one type only");
        }
        Alias other = aliases.get(alias);
        Class<?> otherType = other == null ? null : other.type().get();
        if (otherType != null && !sameClass(otherType, type)) {
            throw new ConfigurationException("event type " + type.getName() + ": alias '" + alias + "' is already"
                    + " an alias of " + otherType.getName() + ": a stored name can be read as one type only");
        }
    }

    /** Copies of one class in two modules of an EAR are one event type. */
    private static boolean sameClass(Class<?> a, Class<?> b) {
        return a == b || a.getName().equals(b.getName());
    }

    @Override
    public String currentName(String storedName) {
        if (aliases.isEmpty()) {
            return storedName;
        }
        Alias alias = aliases.get(storedName);
        if (alias == null) {
            return storedName;
        }
        if (alias.type().get() == null) {
            aliases.remove(storedName, alias); // its deployment is gone
            return storedName;
        }
        return alias.current();
    }

    @Override
    public Class<?> classOf(String typeName) {
        return resolve(typeName);
    }

    @Override
    public boolean knows(String typeName) {
        return resolve(typeName) != null;
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
            bound = jsonb(type).fromJson(jsonb(data.getClass()).toJson(data), type);
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
        WeakReference<Class<?>> known = types.get(name);
        if (known == null || known.get() == null) {
            register(type); // with its aliases: old events of a class this server writes read as it too
        }
        return name;
    }

    /** Maps {@code name} to {@code type} unless a class still alive has it. */
    private void keep(String name, Class<?> type) {
        types.compute(name, (n, known) -> known != null && known.get() != null ? known : new WeakReference<>(type));
    }

    /** The class {@code name} maps to, if any and still alive. */
    private Class<?> known(String name) {
        WeakReference<Class<?>> known = types.get(name);
        if (known == null) {
            return null;
        }
        Class<?> type = known.get();
        if (type == null) {
            types.remove(name, known); // its deployment is gone
        }
        return type;
    }

    @Override
    public String toJson(Object value) {
        try {
            return jsonb(value.getClass()).toJson(value);
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

    /** The class is resolved now, as {@link #deferredFromJson(String, String)} does; the JSON is asked for later. */
    @Override
    public Supplier<Object> deferredFromJson(String typeName, Supplier<String> json) {
        Class<?> type = resolve(typeName);
        return () -> fromJson(type, typeName, json.get());
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
                return jsonb(type).fromJson(json, type);
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
        Class<?> known = known(typeName);
        if (known != null) {
            return known;
        }
        if (!aliases.isEmpty()) {
            Alias alias = aliases.get(typeName);
            Class<?> aliased = alias == null ? null : alias.type().get();
            if (aliased != null) {
                return aliased;
            }
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
                types.put(typeName, new WeakReference<>(loaded));
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
