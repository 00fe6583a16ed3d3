package org.jeventstore.cdi;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jeventstore.RecordedEvent;
import org.jeventstore.SerializationException;
import org.jeventstore.serialization.EventSerializer;

/**
 * Which payload observers of one subscription an event goes to, and as what.
 *
 * <p>An observer of class {@code C} declares the events stored under {@code C}'s type name: each of them must
 * reach it as a {@code C}. Data that came back as something else (the serializer did not know the name, or
 * another module's copy of the class holds it) is bound to {@code C} through its JSON; data that does not bind
 * refuses the event with an exception, so that it is not acknowledged but delivered again, like a failing
 * observer. "No instance of the class" therefore never passes for "handled". Events of a type that no observer
 * declared are not for these observers: they reach none of them and are acknowledged. An observer also gets
 * events of other types whose data is an instance of its class (a subclass), as CDI would deliver them.
 */
final class PayloadRouting {

    /** One observed class and the payload to fire to its observers. */
    record Target(Class<?> type, Object payload) {
    }

    private final String subscription;
    private final Set<Class<?>> observed;
    private final Map<String, List<Class<?>>> declaredBy = new HashMap<>();
    private final EventSerializer serializer;

    PayloadRouting(String subscription, Set<Class<?>> observed, EventSerializer serializer) {
        this.subscription = subscription;
        this.observed = Set.copyOf(observed);
        this.serializer = serializer;
        for (Class<?> type : observed) {
            declaredBy.computeIfAbsent(serializer.typeNameOf(type), n -> new ArrayList<>()).add(type);
        }
    }

    /**
     * The observers' payloads for {@code event}, all bound before any observer is called (a refused event then
     * reaches no observer before it binds).
     *
     * @throws SerializationException when the event's type is declared by an observed class its data does not
     *                                bind to; the message names subscription, stream, event number, type and class
     */
    List<Target> route(RecordedEvent event) {
        Object data = event.data();
        List<Class<?>> declaring = declaredBy.getOrDefault(event.eventType(), List.of());
        List<Target> targets = new ArrayList<>(1);
        for (Class<?> type : observed) {
            if (type.isInstance(data)) {
                targets.add(new Target(type, data));
            } else if (declaring.contains(type)) {
                targets.add(new Target(type, bind(event, type)));
            }
        }
        return targets;
    }

    private Object bind(RecordedEvent event, Class<?> type) {
        try {
            return serializer.bind(event.data(), type);
        } catch (RuntimeException e) {
            throw new SerializationException("subscription '" + subscription + "': event " + event.eventNumber()
                    + " of stream '" + event.streamId() + "' (version " + event.streamVersion() + ") has type '"
                    + event.eventType() + "', which the observed class " + type.getName() + " declares, but its"
                    + " data (" + (event.data() == null ? "null" : event.data().getClass().getName())
                    + ") does not bind to that class: " + e.getMessage() + ". Not acknowledged: it is delivered"
                    + " again until it binds (fix the class or the observer)", e);
        }
    }
}
