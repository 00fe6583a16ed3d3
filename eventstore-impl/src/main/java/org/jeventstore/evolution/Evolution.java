package org.jeventstore.evolution;

import jakarta.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Supplier;
import org.jeventstore.ConfigurationException;
import org.jeventstore.EventData;
import org.jeventstore.EventType;
import org.jeventstore.EventUpcaster;
import org.jeventstore.InvalidRequestException;
import org.jeventstore.JsonEvent;
import org.jeventstore.MultiEventUpcaster;
import org.jeventstore.RecordedEvent;
import org.jeventstore.SerializationException;
import org.jeventstore.UpcastException;
import org.jeventstore.Upcaster;
import org.jeventstore.serialization.EventSerializer;

/**
 * How stored events become what a read returns today (ARCHITECTURE decision 11: evolution happens at read time,
 * stored events are never rewritten). Three things, in this order:
 * <ol>
 *   <li>the stored type name is replaced by the name it is read as: the current name of the class listing it
 *       among its {@link EventType#aliases()} (the serializer knows those), or of a programmatic alias;</li>
 *   <li>the stored revision (metadata key {@value #REVISION_KEY}; 1 without it) is found without parsing the
 *       metadata ({@link RevisionScan});</li>
 *   <li>the upcasters registered for (type, revision) run, in revision order. A chain of {@link EventUpcaster}s
 *       only changes the JSON, so it runs lazily, when the event's data or metadata is first asked for. A chain
 *       that reaches a {@link MultiEventUpcaster} changes the event's type or the number of events, which a read
 *       must know: such an event is read as a pending one ({@link #pending}) whose data is the stored JSON, and
 *       {@link #expand} turns it into the events it stands for (reads do so before returning; subscriptions
 *       before calling the handler, so that their checkpoints count stored events).</li>
 * </ol>
 * Data bound to a class must be at the class's revision: an event that no chain brings there fails at
 * {@code data()} with an {@link UpcastException} rather than filling the class with another shape.
 *
 * <p>The upcasters are fixed when the store is built; reading is thread-safe.
 */
public final class Evolution {

    /**
     * The metadata key of an event's revision. Prefixed as jeventstore's own tables are ({@code jes_}), so it meets
     * none of the keys Elixir EventStore or Commanded write (they store metadata as the application gives it) nor
     * the trace context this store writes ({@code traceparent}, {@code tracestate}); an Elixir reader gets it as
     * one more entry of the metadata map and ignores it.
     */
    public static final String REVISION_KEY = "jes_revision";
    /**
     * One upcaster, registered for the type and revision it reads.
     *
     * @param upcaster an {@link EventUpcaster} or a {@link MultiEventUpcaster}
     * @param name     how errors name it (its class, or the CDI bean's class)
     */
    public record Registration(String type, int revision, Object upcaster, String name) {

        public Registration {
            if (type == null || type.isBlank()) {
                throw new ConfigurationException("an upcaster's type must not be null or blank (upcaster " + name + ")");
            }
            if (revision < 1) {
                throw new ConfigurationException("upcaster " + name + " of type '" + type + "': revision must be >= 1,"
                        + " was " + revision);
            }
            if (!(upcaster instanceof EventUpcaster) && !(upcaster instanceof MultiEventUpcaster)) {
                throw new ConfigurationException("upcaster " + name + " of type '" + type + "' revision " + revision
                        + " implements neither " + EventUpcaster.class.getName() + " nor "
                        + MultiEventUpcaster.class.getName());
            }
        }

        /** {@code bean}, registered for the type and revision its class's {@link Upcaster} declares. */
        public static Registration of(Object bean) {
            if (bean == null) {
                throw new ConfigurationException("an upcaster must not be null");
            }
            return of(bean, bean.getClass());
        }

        /** {@code bean}, registered as {@code declaring}'s {@link Upcaster} says (a CDI bean's class, not its proxy). */
        public static Registration of(Object bean, Class<?> declaring) {
            Upcaster declared = declaring.getAnnotation(Upcaster.class);
            if (declared == null) {
                throw new ConfigurationException("upcaster " + declaring.getName() + " has no @" + Upcaster.class
                        .getSimpleName() + "(type = ..., revision = ...): give it one, or register it with its type"
                        + " and revision");
            }
            return new Registration(declared.type(), declared.revision(), bean, declaring.getName());
        }

        boolean multi() {
            return upcaster instanceof MultiEventUpcaster;
        }
    }

    private final EventSerializer serializer;
    private final Map<String, String> aliases;
    private final UpcasterChains chains;
    private final boolean anyMulti;
    private final ClassValue<Integer> revisions = new ClassValue<>() {
        @Override
        protected Integer computeValue(Class<?> type) {
            EventType annotation = type.getAnnotation(EventType.class);
            return annotation == null ? 1 : annotation.revision();
        }
    };

    /**
     * @param aliases   stored names read as other names, for types without a class here (classes declare theirs
     *                  with {@link EventType#aliases()}, which {@code serializer} resolves)
     * @param upcasters at most one per type and revision, each registered for a name that is no alias
     * @throws ConfigurationException naming the upcasters or aliases that conflict
     */
    public Evolution(EventSerializer serializer, Map<String, String> aliases, Collection<Registration> upcasters) {
        this.serializer = serializer;
        this.aliases = Map.copyOf(aliases);
        for (Map.Entry<String, String> alias : this.aliases.entrySet()) {
            if (this.aliases.containsKey(alias.getValue())) {
                throw new ConfigurationException("alias '" + alias.getKey() + "' names '" + alias.getValue()
                        + "', itself an alias of '" + this.aliases.get(alias.getValue()) + "': name the current type");
            }
        }
        this.chains = new UpcasterChains(upcasters, this::currentName);
        this.anyMulti = chains.anyMulti();
    }

    /** No aliases, no upcasters: reads as stored, under the names the serializer gives. */
    public static Evolution none(EventSerializer serializer) {
        return new Evolution(serializer, Map.of(), List.of());
    }

    /** Whether some upcaster may change the type or number of events a read returns ({@link #expand}). */
    public boolean expands() {
        return anyMulti;
    }

    /** The name events stored under {@code storedName} are read as. */
    public String currentName(String storedName) {
        String alias = aliases.isEmpty() ? null : aliases.get(storedName);
        return alias != null ? alias : serializer.currentName(storedName);
    }

    /** Whether events of {@code typeName} (as read) are read into a class of this server. */
    public boolean knows(String typeName) {
        return serializer.knows(typeName);
    }

    /** The revision of {@code type}'s JSON shape: its {@link EventType#revision()}, 1 without one. */
    public int revisionOf(Class<?> type) {
        return revisions.get(type);
    }

    // --------------------------------------------------------------------------------------------------- writes

    /**
     * {@code events} with their revision in their metadata: an event whose data is an instance of a class at a
     * revision above 1 (and whose type is the class's own name) carries {@value #REVISION_KEY}. A value the
     * caller put there is kept when it is a whole number of at least 1 and agrees with the class.
     *
     * @throws InvalidRequestException naming the event when the caller's value is not a whole number of at least
     *                                 1, or contradicts the revision of the data's class
     */
    public List<EventData> withRevisions(String streamId, List<EventData> events) {
        List<EventData> out = null;
        for (int i = 0; i < events.size(); i++) {
            EventData e = events.get(i);
            int revision = revisionOf(e.data().getClass());
            Object given = e.metadata().get(REVISION_KEY);
            if (given == null && revision == 1) {
                continue; // the usual case: nothing to write, nothing to check
            }
            boolean ownType = e.eventType() == null || e.eventType().equals(serializer.typeNameOf(e.data().getClass()));
            if (given != null) {
                int value = revisionValue(given);
                if (value < 1 || (ownType && revision > 1 && value != revision)) {
                    throw new InvalidRequestException("event " + i + " to append to stream '" + streamId + "': metadata "
                            + REVISION_KEY + " must be a whole number >= 1" + (ownType && revision > 1
                            ? " agreeing with revision " + revision + " of " + e.data().getClass().getName() : "")
                            + ", was " + given);
                }
                continue;
            }
            if (revision > 1 && ownType) {
                if (out == null) {
                    out = new ArrayList<>(events);
                }
                Map<String, Object> metadata = new LinkedHashMap<>(e.metadata());
                metadata.put(REVISION_KEY, revision);
                out.set(i, e.withMetadata(metadata));
            }
        }
        return out == null ? events : out;
    }

    private static int revisionValue(Object value) {
        if (value instanceof Integer || value instanceof Long || value instanceof Short) {
            long v = ((Number) value).longValue();
            return v >= 1 && v <= Integer.MAX_VALUE ? (int) v : 0;
        }
        if (value instanceof java.math.BigDecimal d) {
            try {
                return d.intValueExact();
            } catch (ArithmeticException e) {
                return 0;
            }
        }
        if (value instanceof java.math.BigInteger b) {
            return b.bitLength() < 32 ? b.intValue() : 0;
        }
        return 0;
    }

    // ---------------------------------------------------------------------------------------------------- reads

    /**
     * The event of one stored row, read as today's code reads it. Nothing is parsed here unless a
     * {@link MultiEventUpcaster} applies (and even then only at {@link #expand}); the data's class is chosen now.
     */
    public RecordedEvent read(long number, UUID id, String stream, long version, String storedType, String dataJson,
                              String metadataJson, UUID causation, UUID correlation, OffsetDateTime created) {
        String type = currentName(storedType);
        int scanned = RevisionScan.revision(metadataJson);
        if (scanned == RevisionScan.UNREADABLE) {
            Where where = new Where(id, stream, version, storedType, 0);
            Supplier<Object> fail = () -> {
                throw new SerializationException("reading " + where.describe() + " failed: its metadata key "
                        + REVISION_KEY + " is not a whole number >= 1 (metadata " + clip(metadataJson) + ")", null);
            };
            return RecordedEvent.deferred(number, id, stream, version, type, fail,
                    () -> { fail.get(); return Map.of(); }, causation, correlation, created, 0, storedType, 0);
        }
        int stored = scanned == RevisionScan.ABSENT ? 1 : scanned;
        Where where = new Where(id, stream, version, storedType, stored);
        Supplier<Map<String, Object>> metadata = named(storedMetadata(metadataJson, scanned != RevisionScan.ABSENT),
                where);
        UpcasterChains.Plan plan = chains.planFor(type, stored);
        if (plan == null) {
            Supplier<Object> data = checked(serializer.deferredFromJson(type, dataJson), type, stored, where);
            return RecordedEvent.deferred(number, id, stream, version, type, named(data, where), metadata, causation,
                    correlation, created, stored, storedType, stored, serializer::bind); // data(Class), unregistered
        }
        if (plan.multi()) {
            Unexpanded pending = new Unexpanded(type, stored, dataJson, metadataJson);
            return RecordedEvent.deferred(number, id, stream, version, type, () -> pending, metadata, causation,
                    correlation, created, stored, storedType, stored);
        }
        UpcasterChains.Chain chain = chains.chain(where, type, stored, dataJson, metadataJson, plan);
        Supplier<Object> data = checked(serializer.deferredFromJson(type, () -> chain.get().data().toString()), type,
                plan.endRevision(), where);
        return RecordedEvent.deferred(number, id, stream, version, type, named(data, where),
                named(() -> metadataMap(chain.get().metadata()), where), causation, correlation, created,
                plan.endRevision(), storedType, stored, serializer::bind);
    }

    /**
     * Whether {@code event} was read with a {@link MultiEventUpcaster} still to run: its data is the stored JSON,
     * and {@link #expand} gives the events it stands for. Decided by its type and revision, never by its data.
     */
    public boolean pending(RecordedEvent event) {
        if (!anyMulti) {
            return false;
        }
        UpcasterChains.Plan plan = chains.planFor(event.eventType(), event.revision());
        return plan != null && plan.multi();
    }

    /**
     * The events {@code event} stands for: itself, unless it is {@link #pending}; then what its upcasters make of
     * it (any number, none included), each going on through the upcasters of its own type and revision. They share
     * its number, stream, version, causation, correlation and time; the first keeps its id, the others get ids
     * derived from it and their place (UUID version 3 of {@code "<id>/<index>"}), the same at every read.
     *
     * @throws UpcastException when an upcaster fails or returns what it may not
     */
    public List<RecordedEvent> expand(RecordedEvent event) {
        if (!pending(event)) {
            return List.of(event);
        }
        Unexpanded stored = (Unexpanded) event.data();
        Where where = new Where(event.eventId(), event.streamId(), event.streamVersion(), event.storedType(),
                event.storedRevision());
        List<JsonEvent> parts = chains.expand(where, stored.type(), stored.revision(), stored.dataJson(),
                stored.metadataJson());
        List<RecordedEvent> out = new ArrayList<>(parts.size());
        for (int k = 0; k < parts.size(); k++) {
            JsonEvent part = parts.get(k);
            UUID id = k == 0 ? event.eventId()
                    : UUID.nameUUIDFromBytes((event.eventId() + "/" + k).getBytes(StandardCharsets.UTF_8));
            String text = part.data().toString();
            Supplier<Object> data = checked(serializer.deferredFromJson(part.type(), text), part.type(),
                    part.revision(), where);
            JsonObject partMetadata = part.metadata();
            out.add(RecordedEvent.deferred(event.eventNumber(), id, event.streamId(), event.streamVersion(),
                    part.type(), named(data, where), named(() -> metadataMap(partMetadata), where),
                    event.causationId(), event.correlationId(), event.createdAt(), part.revision(), event.storedType(),
                    event.storedRevision(), serializer::bind));
        }
        return out;
    }

    /** {@link #expand} of each event, in order; {@code reverse}: each event's parts last first (backward reads). */
    public List<RecordedEvent> expandAll(List<RecordedEvent> events, boolean reverse) {
        if (!anyMulti) {
            return events;
        }
        List<RecordedEvent> out = null;
        for (int i = 0; i < events.size(); i++) {
            RecordedEvent e = events.get(i);
            if (!pending(e)) {
                if (out != null) {
                    out.add(e);
                }
                continue;
            }
            if (out == null) {
                out = new ArrayList<>(events.subList(0, i));
            }
            List<RecordedEvent> parts = expand(e);
            if (reverse) {
                parts = new ArrayList<>(parts);
                java.util.Collections.reverse(parts);
            }
            out.addAll(parts);
        }
        return out == null ? events : out;
    }

    /**
     * {@code data}, bound only when {@code revision} is the revision of the class it binds to (when it binds to
     * one): a class fed another revision's shape would read defaults where fields moved.
     */
    private Supplier<Object> checked(Supplier<Object> data, String type, int revision, Where where) {
        return () -> {
            Class<?> target = serializer.classOf(type);
            if (target != null) {
                int wanted = revisionOf(target);
                if (wanted != revision) {
                    throw new UpcastException("reading " + where.describe() + " failed: it is read as type '" + type
                            + "' revision " + revision + ", but " + target.getName() + " reads revision " + wanted
                            + (revision < wanted ? ", and no upcaster is registered for ('" + type + "', " + revision
                            + "): register one (@Upcaster(type = \"" + type + "\", revision = " + revision + "))"
                            : ": it was written by a newer version of the class; deploy that version here"),
                            null, where.id(), type, revision, null);
                }
            }
            return data.get();
        };
    }

    /** {@code parse}, whose SerializationExceptions (not an upcaster's, which name the event) name the event. */
    private static <T> Supplier<T> named(Supplier<T> parse, Where where) {
        return () -> {
            try {
                return parse.get();
            } catch (UpcastException e) {
                throw e;
            } catch (SerializationException e) {
                throw new SerializationException("reading " + where.describe() + " failed: " + e.getMessage(), e);
            }
        };
    }

    /** The stored metadata as a map, without the revision key when it has one. */
    private Supplier<Map<String, Object>> storedMetadata(String json, boolean hasRevision) {
        Supplier<Map<String, Object>> parse = serializer.deferredMetadataFromJson(json);
        if (!hasRevision) {
            return parse;
        }
        return () -> {
            Map<String, Object> map = parse.get();
            if (!map.containsKey(REVISION_KEY)) {
                return map;
            }
            Map<String, Object> copy = new LinkedHashMap<>(map);
            copy.remove(REVISION_KEY);
            return copy;
        };
    }

    private Map<String, Object> metadataMap(JsonObject metadata) {
        return metadata.isEmpty() ? Map.of() : serializer.metadataFromJson(metadata.toString());
    }

    private static String clip(String text) {
        return text == null ? "null" : text.length() <= 200 ? text : text.substring(0, 200) + "...";
    }

    /**
     * The data of a {@link #pending} event: its stored JSON, for {@link #expand}. Never handed to an application:
     * reads expand pending events before returning them, and subscriptions before calling the handler.
     */
    record Unexpanded(String type, int revision, String dataJson, String metadataJson) {
        @Override
        public String toString() {
            return "stored JSON of type '" + type + "' revision " + revision + " still to upcast (Evolution.expand)";
        }
    }
}
