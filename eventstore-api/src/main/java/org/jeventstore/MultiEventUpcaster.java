package org.jeventstore;

import java.util.List;

/**
 * Turns the JSON of one event of (type, revision) into events of other types or revisions, into several events,
 * or into none: for a type that was split, merged into another, or retired. Registered like an
 * {@link EventUpcaster} ({@link Upcaster}, or {@code PostgresEventStore.Builder#upcaster}); each event it returns
 * goes on through the upcasters of its own type and revision.
 *
 * <p>Unlike an {@code EventUpcaster} it changes what a read returns (the types, the number of events), so it runs
 * when the event is read, not when its data is first asked for. The events it makes share the stored event's
 * number, stream, stream version and timestamps; the first keeps its id, the others get ids derived from it (the
 * same at every read). A subscription treats the stored event as one: its handler gets the events one after the
 * other, and the stored event is acknowledged when the handler has returned for all of them; an event turned into
 * none is acknowledged without a call and counted (README, "Evolving events").
 */
@FunctionalInterface
public interface MultiEventUpcaster {

    /**
     * The events {@code event} stands for today, in order; an empty list for none. Each has a type and a revision
     * of its own (not the input's own type and revision, which would never end).
     *
     * @throws RuntimeException any: the read fails with an {@link UpcastException} naming the event, its type and
     *                          revision and this upcaster
     */
    List<JsonEvent> upcast(JsonEvent event);
}
