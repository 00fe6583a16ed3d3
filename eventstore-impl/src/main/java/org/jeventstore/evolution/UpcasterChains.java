package org.jeventstore.evolution;

import jakarta.json.JsonObject;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.jeventstore.ConfigurationException;
import org.jeventstore.EventUpcaster;
import org.jeventstore.JsonEvent;
import org.jeventstore.MultiEventUpcaster;
import org.jeventstore.SerializationException;
import org.jeventstore.UpcastException;
import org.jeventstore.evolution.Evolution.Registration;

/**
 * The upcasters of one store, by the type and revision each reads, and how they run: from a stored (type, revision)
 * a chain of {@link EventUpcaster}s each bringing the JSON one revision up (run lazily, see {@link Chain}), until
 * no upcaster is registered or a {@link MultiEventUpcaster} is reached, which may turn the event into events of other
 * types, any number, each going on through its own chain ({@link #follow}). Fixed when the store is built.
 */
final class UpcasterChains {

    /** The most upcaster calls one stored event may take: a bound on types upcast into each other in a cycle. */
    static final int MAX_STEPS = 1_000;

    /**
     * What happens to the events of one (type, revision) that has an upcaster: a chain of EventUpcasters only (run
     * lazily, ending at {@code endRevision}), or a chain that reaches a MultiEventUpcaster (run at the read).
     */
    record Plan(boolean multi, int endRevision, List<Registration> steps) {
    }

    private final Map<String, Map<Integer, Registration>> upcasters;
    private final Map<String, Map<Integer, Plan>> plans;
    private final boolean anyMulti;
    /** The name a type is read as (an alias becomes its current name): what a MultiEventUpcaster's results get. */
    private final UnaryOperator<String> currentName;

    /**
     * @throws ConfigurationException naming the upcasters registered twice for one type and revision, or for an
     *                                alias
     */
    UpcasterChains(Collection<Registration> registrations, UnaryOperator<String> currentName) {
        this.currentName = currentName;
        Map<String, Map<Integer, Registration>> byType = new HashMap<>();
        for (Registration r : registrations) {
            String current = currentName.apply(r.type());
            if (!current.equals(r.type())) {
                throw new ConfigurationException("upcaster " + r.name() + " is registered for type '" + r.type()
                        + "', an alias of '" + current + "': events stored under an alias are read, and upcast, as"
                        + " the current name; register it for ('" + current + "', " + r.revision() + ")");
            }
            Registration before = byType.computeIfAbsent(r.type(), t -> new HashMap<>()).putIfAbsent(r.revision(), r);
            if (before != null) {
                throw new ConfigurationException("two upcasters for type '" + r.type() + "' revision " + r.revision()
                        + ": " + before.name() + " and " + r.name() + " (one per type and revision; chain them by"
                        + " revision)");
            }
        }
        this.upcasters = Map.copyOf(byType);
        Map<String, Map<Integer, Plan>> planned = new HashMap<>();
        boolean multi = false;
        for (Map.Entry<String, Map<Integer, Registration>> type : byType.entrySet()) {
            Map<Integer, Plan> ofType = new HashMap<>();
            for (int revision : type.getValue().keySet()) {
                Plan plan = plan(type.getValue(), revision);
                ofType.put(revision, plan);
                multi |= plan.multi();
            }
            planned.put(type.getKey(), Map.copyOf(ofType));
        }
        this.plans = Map.copyOf(planned);
        this.anyMulti = multi;
    }

    private static Plan plan(Map<Integer, Registration> ofType, int revision) {
        List<Registration> steps = new ArrayList<>();
        int r = revision;
        for (Registration step = ofType.get(r); step != null; step = ofType.get(r)) {
            if (step.multi()) {
                return new Plan(true, r, List.of());
            }
            steps.add(step);
            r++;
        }
        return new Plan(false, r, List.copyOf(steps));
    }

    /** Whether some chain reaches a MultiEventUpcaster. */
    boolean anyMulti() {
        return anyMulti;
    }

    /** What happens to events stored as {@code type} at {@code revision}; null when no upcaster reads them. */
    Plan planFor(String type, int revision) {
        Map<Integer, Plan> ofType = plans.isEmpty() ? null : plans.get(type);
        return ofType == null ? null : ofType.get(revision);
    }

    private Registration step(String type, int revision) {
        Map<Integer, Registration> ofType = upcasters.get(type);
        return ofType == null ? null : ofType.get(revision);
    }

    /** The events a pending stored event stands for: every chain run from it to its end. */
    List<JsonEvent> expand(Where where, String type, int revision, String dataJson, String metadataJson) {
        List<JsonEvent> parts = new ArrayList<>(2);
        follow(start(where, type, revision, dataJson, metadataJson), parts, new int[] {MAX_STEPS}, where);
        return parts;
    }

    /** A lazy chain of EventUpcasters ({@code plan} is not multi). */
    Chain chain(Where where, String type, int revision, String dataJson, String metadataJson, Plan plan) {
        return new Chain(where, type, revision, dataJson, metadataJson, plan.steps());
    }

    /** The stored event with its JSON, as upcasters get it. */
    private static JsonEvent start(Where where, String type, int revision, String dataJson, String metadataJson) {
        try {
            return new JsonEvent(type, revision, Jsonp.parse(dataJson, "stored JSON of type '" + type + "'"),
                    Jsonp.metadata(metadataJson));
        } catch (SerializationException e) {
            throw new SerializationException("reading " + where.describe() + " failed: " + e.getMessage(), e);
        }
    }

    /** Runs the upcasters from {@code event} on, adding the events they end with to {@code out}. */
    private void follow(JsonEvent event, List<JsonEvent> out, int[] budget, Where where) {
        JsonEvent current = event;
        while (true) {
            if (--budget[0] < 0) {
                throw new UpcastException("upcasting " + where.describe() + " took more than " + MAX_STEPS
                        + " upcaster calls (at type '" + current.type() + "' revision " + current.revision()
                        + "): do upcasters turn types into each other in a cycle?", null, where.id(), current.type(),
                        current.revision(), null);
            }
            Registration step = step(current.type(), current.revision());
            if (step == null) {
                out.add(current);
                return;
            }
            if (!step.multi()) {
                current = single(step, current, where);
                continue;
            }
            for (JsonEvent result : multi(step, current, where)) {
                follow(result, out, budget, where);
            }
            return;
        }
    }

    private static JsonEvent single(Registration step, JsonEvent in, Where where) {
        JsonEvent out;
        try {
            out = ((EventUpcaster) step.upcaster()).upcast(in);
        } catch (RuntimeException e) {
            throw failed(step, in, where, "failed: " + e, e);
        }
        if (out == null) {
            throw failed(step, in, where, "returned null", null);
        }
        if (!out.type().equals(in.type()) || out.revision() != in.revision() + 1) {
            throw failed(step, in, where, "returned type '" + out.type() + "' revision " + out.revision() + ", not the"
                    + " next revision of the same type (JsonEvent.next); a MultiEventUpcaster makes other types", null);
        }
        return revisionless(out, out.type());
    }

    private List<JsonEvent> multi(Registration step, JsonEvent in, Where where) {
        List<JsonEvent> results;
        try {
            results = ((MultiEventUpcaster) step.upcaster()).upcast(in);
        } catch (RuntimeException e) {
            throw failed(step, in, where, "failed: " + e, e);
        }
        if (results == null) {
            throw failed(step, in, where, "returned null (an empty list turns the event into none)", null);
        }
        List<JsonEvent> out = new ArrayList<>(results.size());
        for (JsonEvent result : results) {
            if (result == null) {
                throw failed(step, in, where, "returned a null event", null);
            }
            String type = currentName.apply(result.type());
            if (type.equals(in.type()) && result.revision() == in.revision()) {
                throw failed(step, in, where, "returned an event of its own type and revision, which it would"
                        + " upcast again for ever", null);
            }
            out.add(revisionless(result, type));
        }
        return out;
    }

    /** {@code event} under {@code type}, without a revision key an upcaster may have copied into its metadata. */
    private static JsonEvent revisionless(JsonEvent event, String type) {
        JsonObject metadata = Jsonp.withoutRevision(event.metadata());
        return metadata == event.metadata() && type.equals(event.type()) ? event
                : new JsonEvent(type, event.revision(), event.data(), metadata);
    }

    private static UpcastException failed(Registration step, JsonEvent in, Where where, String what,
                                          Throwable cause) {
        return new UpcastException("upcasting " + where.describe() + " failed in upcaster " + step.name()
                + " of type '" + in.type() + "' revision " + in.revision() + ": it " + what, cause, where.id(),
                in.type(), in.revision(), step.name());
    }

    /** A chain of {@link EventUpcaster}s, run once, when data or metadata is first asked for. */
    static final class Chain {
        private final Where where;
        private final String type;
        private final int revision;
        private final List<Registration> steps;
        private String dataJson;
        private String metadataJson;
        private JsonEvent result;

        private Chain(Where where, String type, int revision, String dataJson, String metadataJson,
                      List<Registration> steps) {
            this.where = where;
            this.type = type;
            this.revision = revision;
            this.dataJson = dataJson;
            this.metadataJson = metadataJson;
            this.steps = steps;
        }

        /** The event at the end of the chain; a failure is thrown again at the next call, which runs it again. */
        synchronized JsonEvent get() {
            if (result == null) {
                JsonEvent event = start(where, type, revision, dataJson, metadataJson);
                for (Registration step : steps) {
                    event = single(step, event, where);
                }
                result = event;
                dataJson = null; // lets the stored text go
                metadataJson = null;
            }
            return result;
        }
    }
}
