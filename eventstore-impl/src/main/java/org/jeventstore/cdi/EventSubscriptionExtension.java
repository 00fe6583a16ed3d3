package org.jeventstore.cdi;

import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.spi.AfterBeanDiscovery;
import jakarta.enterprise.inject.spi.DeploymentException;
import jakarta.enterprise.inject.spi.Extension;
import jakarta.enterprise.inject.spi.ObserverMethod;
import jakarta.enterprise.inject.spi.ProcessAnnotatedType;
import jakarta.enterprise.inject.spi.ProcessObserverMethod;
import jakarta.enterprise.inject.spi.WithAnnotations;
import java.lang.annotation.Annotation;
import java.lang.reflect.Type;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.jeventstore.EventSubscription;
import org.jeventstore.EventType;
import org.jeventstore.RecordedEvent;
import org.jeventstore.StartFrom;

/**
 * Finds every observer method qualified {@code @EventSubscription} at deployment, checks the declarations, and
 * remembers one subscription per name for the runtime to start. A bad declaration fails the deployment with a
 * message naming the method: an asynchronous observer (it could not acknowledge), one name declared with
 * different streams or options, an invalid option, a payload observer of a type that is not a concrete class.
 */
public class EventSubscriptionExtension implements Extension {

    /** One named subscription and what its observers declared. */
    public record Declaration(String name, String stream, EventSubscription annotation, String declaredBy,
                              boolean recordedEventObserver, java.util.Set<Class<?>> payloadTypes) {
    }

    /**
     * A bean declared {@code @Upcaster}: the runtime registers it with the store before any subscription starts.
     *
     * @param type  the type it reads (its {@code @Upcaster})
     * @param api   the interface it is looked up by ({@code EventUpcaster} or {@code MultiEventUpcaster})
     */
    public record UpcasterBean(String type, int revision, Class<?> beanClass, Class<?> api,
                               jakarta.enterprise.inject.spi.Bean<?> bean) {
    }

    private final Map<String, Declaration> declarations = new LinkedHashMap<>();
    private final List<UpcasterBean> upcasters = new ArrayList<>();
    private final List<String> problems = new ArrayList<>();
    // synchronized: a container may fire the discovery events of several archives at once
    private final java.util.Set<Class<?>> annotatedEventTypes =
            Collections.synchronizedSet(new java.util.LinkedHashSet<>());
    /** The class loaders of the application's bean archives (where configured event classes are looked up). */
    private final java.util.Set<ClassLoader> classLoaders = Collections.synchronizedSet(new java.util.LinkedHashSet<>());

    /** Every class annotated {@code @EventType} in a bean archive that discovers all its classes. */
    <T> void eventType(@Observes @WithAnnotations(EventType.class) ProcessAnnotatedType<T> event) {
        Class<T> type = event.getAnnotatedType().getJavaClass();
        if (type.isAnnotationPresent(EventType.class) && concrete(type)) {
            annotatedEventTypes.add(type);
        }
    }

    <T> void archive(@Observes ProcessAnnotatedType<T> event) {
        ClassLoader loader = event.getAnnotatedType().getJavaClass().getClassLoader();
        if (loader != null) {
            classLoaders.add(loader);
        }
    }

    <T> void upcaster(@Observes jakarta.enterprise.inject.spi.ProcessManagedBean<T> event) {
        Class<?> type = event.getAnnotatedBeanClass().getJavaClass();
        org.jeventstore.Upcaster declared = event.getAnnotatedBeanClass().getAnnotation(org.jeventstore.Upcaster.class);
        if (declared != null) {
            recordUpcaster(declared, type, event.getBean());
        }
    }

    /**
     * Records an {@code @Upcaster} bean of class {@code type}; a bean that implements neither upcaster interface,
     * declares an invalid type or revision, or a second upcaster of one type and revision, fails the deployment.
     */
    void recordUpcaster(org.jeventstore.Upcaster declared, Class<?> type, jakarta.enterprise.inject.spi.Bean<?> bean) {
        String where = type.getName() + " (@Upcaster(type = \"" + declared.type() + "\", revision = "
                + declared.revision() + "))";
        boolean single = org.jeventstore.EventUpcaster.class.isAssignableFrom(type);
        boolean multi = org.jeventstore.MultiEventUpcaster.class.isAssignableFrom(type);
        if (!single && !multi) { // both at once cannot compile: their upcast methods differ only in return type
            problems.add(where + ": an @Upcaster bean implements EventUpcaster (to the next revision) or"
                    + " MultiEventUpcaster (to other types, several events or none); this one implements neither");
            return;
        }
        if (declared.type() == null || declared.type().isBlank() || declared.revision() < 1) {
            problems.add(where + ": type must not be blank and revision must be >= 1");
            return;
        }
        for (UpcasterBean other : upcasters) {
            if (other.type().equals(declared.type()) && other.revision() == declared.revision()) {
                problems.add(where + ": type '" + declared.type() + "' revision " + declared.revision()
                        + " has an upcaster already, " + other.beanClass().getName() + " (one per type and revision;"
                        + " chain them by revision)");
                return;
            }
        }
        upcasters.add(new UpcasterBean(declared.type(), declared.revision(), type,
                single ? org.jeventstore.EventUpcaster.class : org.jeventstore.MultiEventUpcaster.class, bean));
    }

    /** The {@code @Upcaster} beans found, in discovery order. */
    public List<UpcasterBean> upcasters() {
        return Collections.unmodifiableList(upcasters);
    }

    <T, X> void observer(@Observes ProcessObserverMethod<T, X> event) {
        ObserverMethod<T> method = event.getObserverMethod();
        for (Annotation q : method.getObservedQualifiers()) {
            if (q instanceof EventSubscription es) {
                record(es, method);
            }
        }
    }

    void record(EventSubscription es, ObserverMethod<?> method) {
        String where = describe(method);
        if (es.name() == null || es.name().isBlank()) {
            problems.add(where + ": @EventSubscription needs a non-blank name");
            return;
        }
        if (method.isAsync()) {
            problems.add(where + ": @EventSubscription(name = \"" + es.name() + "\") must be observed with @Observes,"
                    + " not @ObservesAsync: the method's normal return is the acknowledgement");
            return;
        }
        String invalid = invalidOption(es);
        if (invalid != null) {
            problems.add(where + ": @EventSubscription(name = \"" + es.name() + "\"): " + invalid);
            return;
        }
        Type observed = method.getObservedType();
        boolean recorded = observed == RecordedEvent.class;
        if (!recorded && !(observed instanceof Class<?>)) {
            problems.add(where + ": an @EventSubscription payload observer must observe a plain class, not "
                    + observed.getTypeName());
            return;
        }
        if (!recorded && !concrete((Class<?>) observed)) {
            // Its events' type names are those of classes it does not name: an event whose class this server
            // does not know would come back as a JSON value, match nothing, and be acknowledged unseen.
            problems.add(where + ": an @EventSubscription payload observer must observe a concrete event class,"
                    + " not the interface, abstract class, array or primitive " + observed.getTypeName() + " (observe"
                    + " each event class, or RecordedEvent)");
            return;
        }
        java.util.Set<Class<?>> payload = recorded ? java.util.Set.of() : java.util.Set.of((Class<?>) observed);
        Declaration previous = declarations.get(es.name());
        if (previous == null) {
            declarations.put(es.name(), new Declaration(es.name(), es.stream(), es, where, recorded, payload));
            return;
        }
        if (!sameOptions(previous.annotation(), es)) {
            problems.add("@EventSubscription(name = \"" + es.name() + "\") is declared with different stream or"
                    + " options by " + previous.declaredBy() + " and " + where);
            return;
        }
        java.util.Set<Class<?>> types = new java.util.HashSet<>(previous.payloadTypes());
        types.addAll(payload);
        declarations.put(es.name(), new Declaration(es.name(), es.stream(), previous.annotation(),
                previous.declaredBy(), previous.recordedEventObserver() || recorded, java.util.Set.copyOf(types)));
    }

    /** The declaration problems found so far (each fails the deployment). */
    List<String> problems() {
        return Collections.unmodifiableList(problems);
    }

    void validate(@Observes AfterBeanDiscovery event) {
        for (String problem : problems) {
            event.addDefinitionError(new DeploymentException("jeventstore: " + problem));
        }
    }

    /** The subscriptions declared by observer methods, by name. */
    public Map<String, Declaration> declarations() {
        return Collections.unmodifiableMap(declarations);
    }

    /** The concrete classes annotated {@code @EventType} found in the application's bean archives. */
    public java.util.Set<Class<?>> annotatedEventTypes() {
        synchronized (annotatedEventTypes) {
            return new java.util.LinkedHashSet<>(annotatedEventTypes);
        }
    }

    /** The class loaders of the application's bean archives, in the order they were met. */
    java.util.Set<ClassLoader> classLoaders() {
        synchronized (classLoaders) {
            return new java.util.LinkedHashSet<>(classLoaders);
        }
    }

    /** Every class a subscription observer observes: the store registers them, so it reads them from the start. */
    public java.util.Set<Class<?>> payloadTypes() {
        java.util.Set<Class<?>> all = new java.util.LinkedHashSet<>();
        for (Declaration d : declarations.values()) {
            all.addAll(d.payloadTypes());
        }
        return all;
    }

    private static boolean concrete(Class<?> type) {
        return !type.isInterface() && !type.isArray() && !type.isPrimitive()
                && !java.lang.reflect.Modifier.isAbstract(type.getModifiers());
    }

    private static String invalidOption(EventSubscription es) {
        try {
            StartFrom.parse(es.startFrom());
        } catch (IllegalArgumentException e) {
            return e.getMessage();
        }
        if (!es.partitionBy().isEmpty() && !es.partitionBy().equals("stream")) {
            return "partitionBy must be \"stream\" or empty, was \"" + es.partitionBy() + "\"";
        }
        if (es.stream() == null || es.stream().isBlank()) {
            return "stream must not be blank";
        }
        if (es.concurrencyLimit() < 1 || es.bufferSize() < 1 || es.maxQueueSize() < 1 || es.checkpointThreshold() < 1
                || es.retryIntervalMs() < 1) {
            return "concurrencyLimit, bufferSize, maxQueueSize, checkpointThreshold and retryIntervalMs must all be"
                    + " >= 1";
        }
        if (es.checkpointAfterMs() < 0) {
            return "checkpointAfterMs must be >= 1, or 0 for off, was " + es.checkpointAfterMs();
        }
        if (es.serverConcurrency() < 0) {
            return "serverConcurrency must be >= 1, or 0 for no limit, was " + es.serverConcurrency();
        }
        if (es.maxAttempts() < 0) {
            return "maxAttempts must be >= 1, or 0 for unlimited, was " + es.maxAttempts();
        }
        if (es.handlerTimeoutMs() < 0) {
            return "handlerTimeoutMs must be >= 1, or 0 for no deadline, was " + es.handlerTimeoutMs();
        }
        return null;
    }

    private static boolean sameOptions(EventSubscription a, EventSubscription b) {
        return Objects.equals(a.stream(), b.stream()) && Objects.equals(a.startFrom(), b.startFrom())
                && a.concurrencyLimit() == b.concurrencyLimit() && a.partitionBy().equals(b.partitionBy())
                && a.bufferSize() == b.bufferSize()
                && a.maxQueueSize() == b.maxQueueSize() && a.checkpointThreshold() == b.checkpointThreshold()
                && a.checkpointAfterMs() == b.checkpointAfterMs() && a.retryIntervalMs() == b.retryIntervalMs()
                && a.maxAttempts() == b.maxAttempts() && a.onExhausted() == b.onExhausted()
                && a.parkHoldsKey() == b.parkHoldsKey() && a.serverConcurrency() == b.serverConcurrency()
                && a.handlerTimeoutMs() == b.handlerTimeoutMs() && a.unknownTypes() == b.unknownTypes();
    }

    private static String describe(ObserverMethod<?> method) {
        return method.getBeanClass().getName() + " (observer of " + method.getObservedType().getTypeName() + ")";
    }
}
