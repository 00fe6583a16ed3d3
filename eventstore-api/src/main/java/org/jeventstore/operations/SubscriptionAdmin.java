package org.jeventstore.operations;

import java.time.OffsetDateTime;
import java.util.List;
import java.util.UUID;

/**
 * What an operator may do to a store's persistent subscriptions and appends: reset a subscription's checkpoint,
 * delete it, list, replay and skip its parked events, retry set-aside appends. Obtained from the store
 * ({@code PostgresEventStore.admin()}; in the container: {@code @Inject SubscriptionAdmin}). A subscription is
 * named by its stream and name; a partitioned one's partitions go with it.
 */
public interface SubscriptionAdmin {

    /** What {@link #resetSubscription} did. */
    public enum ResetOutcome {
        RESET,
        /** No subscription of that name on that stream. */
        NOT_FOUND,
        /** A server runs it: stop it there first, so that no holder keeps delivering from its old position. */
        RUNNING,
        /**
         * The position is past the stream's current end: the events later appended up to it would be skipped, so
         * nothing is changed.
         */
        BEYOND_HEAD
    }

    /**
     * Moves a subscription's checkpoint to {@code position} (the last event it counts as handled; 0 = from the
     * start), backward or forward, but only while no server runs it: the reset holds the subscription's lock for
     * its transaction, so a server cannot take the subscription halfway and resume from the old checkpoint; and it
     * advances the subscription's fencing epoch, so that a holder whose lock session died unnoticed (its handler
     * still running) can no longer save its old position over the reset.
     */
    ResetOutcome resetSubscription(String streamId, String name, long position);

    /**
     * Forgets a subscription's checkpoint (and stops it if it runs on this server); a server that still runs it
     * creates it again from its start position.
     */
    void deleteSubscription(String streamId, String name);

    /**
     * An event parked by a subscription ({@code maxAttempts} with {@code OnExhausted.PARK}).
     *
     * @param eventNumber   its number in the subscription's stream (its {@code $all} position for {@code $all})
     * @param eventType     its type; {@code originalStream}/{@code originalVersion}: where it was appended (null
     *                      when it is no longer stored)
     * @param partitionKey  its key under {@code partitionBy} (as text), or null
     * @param attempts      failed attempts before it was parked (0: held behind {@code heldBehind}, never handled)
     * @param errorType     the last failure's exception class, and {@code errorMessage} its message
     * @param status        {@code parked}, {@code replay} (asked for, the holder delivers it) or {@code skipped}
     *                      (with {@code skipReason}, {@code skippedBy}, {@code skippedAt})
     */
    public record ParkedEvent(long eventNumber, UUID eventId, String eventType, String originalStream,
                              Long originalVersion, String partitionKey, int attempts, String errorType,
                              String errorMessage, Long heldBehind, OffsetDateTime parkedAt, String status,
                              String skipReason, String skippedBy, OffsetDateTime skippedAt) {
    }

    /** Most parked events one call lists. */
    int MAX_PARKED_PAGE = 1000;

    /**
     * A subscription's parked and skipped events in event order, after {@code after} (0 = from the first), at most
     * {@code limit} (1 to {@link #MAX_PARKED_PAGE}); empty when there is no such subscription (see
     * {@link #subscriptionExists}).
     */
    List<ParkedEvent> parkedEvents(String streamId, String name, long after, int limit);

    /** Whether the store has a persistent subscription of that name on that stream. */
    boolean subscriptionExists(String streamId, String name);

    /**
     * Asks for a subscription's parked events to be delivered again; returns how many, or -1 when there is no
     * such subscription. The server holding the subscription (with {@code maxAttempts} set) finds the request
     * within its {@code retryInterval} and replays them in event order before it delivers live events again;
     * handled ones leave the list; one that fails {@code maxAttempts} times again is parked again with its new
     * failure (and, with {@code parkHoldsKey}, the rest of its key stays parked behind it).
     */
    long replayParked(String streamId, String name);

    /** What {@link #skipParked} did. */
    public enum SkipOutcome {
        SKIPPED,
        /** No subscription of that name on that stream. */
        NOT_FOUND,
        /** The subscription has no parked (or replaying) event with that id: never parked, replayed or skipped. */
        NOT_PARKED
    }

    /**
     * Gives a parked event up for good: its row stays, marked skipped with {@code reason}, {@code user} and the
     * time, and no longer holds back its key (the holder notices within its {@code retryInterval}).
     */
    SkipOutcome skipParked(String streamId, String name, UUID eventId, String reason, String user);

    /**
     * Has the linker try set-aside appends again (JES0305E): the one with {@code setAsideId} together with every
     * other set-aside append of its stream, or every set-aside append when {@code setAsideId} is 0. They go back
     * with their ids, so each stream's appends are linked in their order. Fix what kept them from being linked
     * first (the error is in {@code jes_set_aside}): one that fails again is set aside again.
     *
     * @return the ids moved back (empty when there was nothing to move)
     */
    List<Long> retrySetAside(long setAsideId);
}
