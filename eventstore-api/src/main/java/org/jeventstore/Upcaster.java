package org.jeventstore;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Declares a CDI bean as the upcaster of one event type's revision: the bean implements {@link EventUpcaster}
 * (to the next revision) or {@link MultiEventUpcaster} (to other types, several events or none). The container's
 * store registers every such bean when the application starts, before any subscription runs; a bean that
 * implements neither, or a second upcaster for the same type and revision, fails the deployment.
 * <pre>
 * &#64;ApplicationScoped
 * &#64;Upcaster(type = "order-placed", revision = 1)
 * public class TotalInCents implements EventUpcaster { ... }
 * </pre>
 * Give the bean a scope ({@code @ApplicationScoped}, or {@code @Dependent}) so that it is discovered.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
public @interface Upcaster {

    /**
     * The type name whose events it reads: the name they are read as, i.e. the class's current
     * {@link EventType#value()} for events stored under one of its aliases.
     */
    String type();

    /** The revision it reads (events without a stored revision are revision 1). */
    int revision() default 1;
}
