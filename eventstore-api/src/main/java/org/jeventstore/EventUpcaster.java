package org.jeventstore;

/**
 * Brings the JSON of one event type from one revision to the next: a pure function from the stored (or already
 * upcast) data and metadata of (type, revision) to those of (type, revision + 1). Registered for the type and
 * revision it reads ({@link Upcaster} on a CDI bean, or {@code PostgresEventStore.Builder#upcaster} outside a
 * container); the upcasters of a type run in revision order, each on what the one before made.
 *
 * <p>It runs lazily: a read hands the event out with its stored JSON, and the chain runs when {@code data()} or
 * {@code metadata()} is first called (for typed subscription observers: before the data is bound to their class).
 * A reader that only looks at numbers, streams or types never runs it. It must therefore be pure: the same input
 * gives the same output, on every server and at every read, and it must not depend on when it runs.
 *
 * <pre>
 * &#64;ApplicationScoped
 * &#64;Upcaster(type = "order-placed", revision = 1)
 * public class TotalInCents implements EventUpcaster {
 *     public JsonEvent upcast(JsonEvent event) {
 *         JsonObject v1 = event.object();
 *         return event.next(Json.createObjectBuilder(v1).remove("total")
 *                 .add("totalCents", v1.getJsonNumber("total").bigDecimalValue().movePointRight(2).longValueExact())
 *                 .build());
 *     }
 * }
 * </pre>
 *
 * <p>It must return the same type at the next revision ({@link JsonEvent#next}); anything else fails the read with
 * an {@link UpcastException}. To turn an event into another type, several events or none, use a
 * {@link MultiEventUpcaster}.
 */
@FunctionalInterface
public interface EventUpcaster {

    /**
     * {@code event} (of the type and revision this upcaster is registered for) at the next revision.
     *
     * @throws RuntimeException any: the read fails with an {@link UpcastException} naming the event, its type and
     *                          revision and this upcaster (a subscription delivers it again, as when its handler
     *                          fails)
     */
    JsonEvent upcast(JsonEvent event);
}
