package org.jeventstore;

import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.stream.Stream;

/**
 * A PostgreSQL event store: streams of events with optimistic concurrency, and the global log {@code $all}.
 *
 * <p>In a Jakarta EE server, {@code @Inject EventStore}. Every write joins the caller's JTA transaction when
 * there is one (and commits on its own otherwise).
 *
 * <p>{@code $all} is gapless: a reader never sees position N+1 before N. Each stream's events are in {@code $all}
 * in their stream order, and an append made after reading a committed event (of any stream, also one not yet in
 * {@code $all}) comes after it in {@code $all}: cause before effect. By default an append returns only once its
 * events are in {@code $all} (its {@link AppendResult} carries the positions, and a read of {@code $all} right
 * after sees them); a store may be configured to return at the commit instead (positions 0, in {@code $all} a few
 * milliseconds later). Inside a JTA transaction the positions come when the container commits, which then waits
 * for them. A transaction that appended while the {@code $all} row was free holds that row until it ends, and the
 * other appends reach {@code $all} only after it: keep transactions that append short.
 *
 * <p>Versions and positions start at 1. Reads take a start (inclusive) and a maximum count.
 */
public interface EventStore {

    /** The id of the global log: every appended event, in an order that keeps each stream's and cause before effect. */
    String ALL = "$all";

    /**
     * Appends events to a stream, atomically. An empty list is a no-op that still checks {@code expected}. Stream
     * ids are at most 2,000 bytes in UTF-8.
     */
    AppendResult appendToStream(String streamId, ExpectedVersion expected, List<EventData> events);

    /**
     * Links existing events into another stream: each keeps its id, original stream and version, and takes the
     * next version in {@code streamId}. Linking an event twice into one stream fails with
     * {@link DuplicateEventException}; an unknown id with {@link EventNotFoundException}.
     */
    AppendResult linkToStream(String streamId, ExpectedVersion expected, List<UUID> eventIds);

    /** Reads up to {@code count} events from version {@code start} upward. */
    List<RecordedEvent> readStreamForward(String streamId, long start, int count);

    /** Reads up to {@code count} events from version {@code start} downward; {@code start = -1} is the end. */
    List<RecordedEvent> readStreamBackward(String streamId, long start, int count);

    /** Reads {@code $all} from position {@code start} upward. */
    List<RecordedEvent> readAllForward(long start, int count);

    /** Reads {@code $all} from position {@code start} downward; {@code start = -1} is the end. */
    List<RecordedEvent> readAllBackward(long start, int count);

    /**
     * A lazy stream of a stream's events from {@code start} upward, fetched in pages of {@code batchSize}.
     * Stepping over gaps left by hard deletes, it neither skips nor repeats an event.
     */
    Stream<RecordedEvent> streamForward(String streamId, long start, int batchSize);

    /** A lazy stream of a stream's events from {@code start} (-1 = end) downward. */
    Stream<RecordedEvent> streamBackward(String streamId, long start, int batchSize);

    /** A lazy stream of {@code $all} from {@code start} upward. */
    Stream<RecordedEvent> streamAllForward(long start, int batchSize);

    /** A lazy stream of {@code $all} from {@code start} (-1 = end) downward. */
    Stream<RecordedEvent> streamAllBackward(long start, int batchSize);

    /**
     * A stream's version and timestamps; {@link StreamNotFoundException} when it does not exist,
     * {@link StreamDeletedException} when it is soft deleted (as Elixir's {@code stream_info}; a soft-deleted stream
     * still shows in {@link #paginateStreams}, with its deletion time).
     */
    StreamInfo streamInfo(String streamId);

    /**
     * Lists streams, a page at a time, as Elixir's {@code paginate_streams}: {@code $all} (the stream with the
     * lowest internal id) and soft-deleted streams included. A listing that matches nothing still has one page.
     */
    Page<StreamInfo> paginateStreams(StreamQuery query);

    /** Deletes a stream, soft or hard (see {@link DeleteMode}); {@code $all} cannot be deleted. */
    void deleteStream(String streamId, ExpectedVersion expected, DeleteMode mode);

    /** Records a snapshot, replacing the source's previous one. */
    void recordSnapshot(SnapshotData snapshot);

    /** The source's snapshot, if there is one. */
    Optional<SnapshotData> readSnapshot(String sourceId);

    /** Deletes the source's snapshot; no error when there is none. */
    void deleteSnapshot(String sourceId);

    /**
     * A transient subscription: live events of {@code streamId} (or {@code $all}) appended from now on, on every
     * server, handed to {@code listener} (never on the notification thread). No checkpoint, no lock, no ack.
     *
     * @param selector only events it accepts are handed over; {@code null} for all
     */
    Subscription subscribe(String streamId, Predicate<RecordedEvent> selector, Consumer<RecordedEvent> listener);

    /**
     * A persistent subscription to one stream: delivers every event at least once and in order, resuming after
     * its checkpoint. Across all servers, only the one holding the subscription's lock delivers; the others stand
     * by and take over when it stops.
     */
    Subscription subscribeToStream(String streamId, String name, SubscriptionHandler handler,
                                   SubscriptionOptions options);

    /** A persistent subscription to {@code $all}. */
    default Subscription subscribeToAll(String name, SubscriptionHandler handler, SubscriptionOptions options) {
        return subscribeToStream(ALL, name, handler, options);
    }

    /** Removes a persistent subscription's stored checkpoint; a later subscription of that name starts afresh. */
    void deleteSubscription(String streamId, String name);

    /**
     * Makes event classes readable by their type names from now on: the events stored under a registered class's
     * type name ({@link EventType}, or its class name) read as instances of it, whoever wrote them. A server that
     * reads a type it never appends (a projector, a query) registers it before reading. In a container these are
     * registered at start already: the payload classes of {@code @EventSubscription} observers, classes annotated
     * {@link EventType} in a bean archive that discovers all its classes, and the classes named in
     * {@code eventstore.serialization.event-types}. The first class registered under a name keeps it.
     * ({@link RecordedEvent#data(Class)} reads an event into a class also when its type is not registered.)
     *
     * @throws ConfigurationException for a class events cannot be read into (an interface, an abstract class,
     *                                an array, a primitive)
     */
    void registerEventTypes(Class<?>... types);
}
