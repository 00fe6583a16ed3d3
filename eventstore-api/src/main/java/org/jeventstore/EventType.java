package org.jeventstore;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Names the stored event type of an event class. Without it, the fully qualified class name is used.
 * Give it when the class may move or be renamed, or when another service (Elixir, say) shares the store.
 *
 * <p>Events are written once and read for years, so a class also says what it was called and which shape of
 * its JSON it reads:
 * <pre>
 * &#64;EventType(value = "order-placed", aliases = {"OrderCreated", "Elixir.Shop.Events.OrderCreated"}, revision = 2)
 * public record OrderPlaced(String orderId, Money total) { }
 * </pre>
 * Appends write {@link #value()} (and, above revision 1, the revision into the event's metadata); reads bind
 * events stored under any of the names to the class and report them under {@link #value()}; events of an
 * older revision reach the class through upcasters ({@link Upcaster}).
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
public @interface EventType {

    /** The type name appends write. */
    String value();

    /**
     * Names events of this class were stored under before (an earlier {@code value}, a class name from before
     * {@code @EventType}, the name an Elixir service writes such as {@code Elixir.Shop.Events.OrderCreated}).
     * A read binds them to this class and reports them as {@link #value()}; appends never write them. An alias
     * is the same type under an old name: its events count revisions with the current name's.
     */
    String[] aliases() default {};

    /**
     * The revision of the JSON shape this class reads and writes (at least 1). Events written from it carry it in
     * their metadata (key {@code jes_revision}) when it is above 1; events without that key are revision 1. A read
     * brings an older revision up to this one through the upcasters registered for the type; one that cannot be
     * brought there (no upcaster for a revision in between, or a revision above this one, written by a newer
     * version of the class) fails at {@code data()} rather than bind the wrong shape.
     */
    int revision() default 1;
}
