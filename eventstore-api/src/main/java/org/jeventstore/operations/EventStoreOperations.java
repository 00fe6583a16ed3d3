package org.jeventstore.operations;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.jeventstore.operations.SubscriptionAdmin;

/**
 * What an operator (or a console, or a health check) wants to know about a running store: readiness, the
 * {@code $all} link backlog, the servers of the cluster and the subscription locks each holds, every persistent
 * subscription with checkpoint, holder and lag, where an event was appended. A read-only view: the actions on
 * subscriptions are {@link SubscriptionAdmin}. Obtained from the store ({@code PostgresEventStore.operations()};
 * in the container: {@code @Inject EventStoreOperations}).
 *
 * <p>Everything here reads the database as it is now; nothing is cached.
 */
public interface EventStoreOperations {

    /** Whether the store can serve: a {@code summary} that names nothing internal, and the operator's detail. */
    public record Readiness(boolean ready, String summary, String detail) {
    }

    /** Committed appends waiting for {@code $all} positions, the age of the oldest, appends set aside. */
    public record LinkBacklog(long appends, long oldestMillis, long setAside) {
    }

    /**
     * A server of the cluster: the database session holding its presence lock.
     *
     * @param thisServer whether it is the server answering
     * @param holds      the subscriptions ({@code stream/name}) whose lock it holds
     */
    public record ServerInfo(int sessionPid, String address, OffsetDateTime upSince, boolean thisServer,
                             List<String> holds) {
    }

    /**
     * A persistent subscription.
     *
     * @param holderPid  the session ({@link ServerInfo#sessionPid()}) holding its lock; 0 when none does
     * @param lagEvents  events in its stream after its checkpoint
     * @param lagMillis  how long the oldest of those has waited; 0 when none waits
     * @param localState its state on this server ({@code null} when it does not run here): {@code active},
     *                   {@code standby}, {@code halted} (an event exhausted its attempts under STOP), ...; followed
     *                   by the number of handler calls abandoned past {@code handlerTimeout} that still run here,
     *                   and by what it acknowledged here without its handler (events of unknown types skipped,
     *                   events upcasters turned into none)
     * @param parked     its parked events waiting for an operator (or being replayed); skipped ones not counted
     */
    public record SubscriptionInfo(long id, String streamId, String name, long checkpoint, long head,
                                   long lagEvents, long lagMillis, int holderPid, String localState, long parked) {
    }

    /** Where an event was appended. */
    public record EventLocation(UUID eventId, String streamId, long streamVersion) {
    }

    /**
     * Ready when the server's setup is sound (a notification listener that stopped for good counts), the database
     * answers and holds the current schema.
     */
    Readiness readiness();

    /** Since when the notification listener has been reconnecting; {@code null} while connected (or none). */
    Instant listenerDownSince();

    /**
     * Since when the subscriptions' advisory-lock connection has been down; {@code null} while it works (or the
     * store has no subscriptions).
     */
    Instant lockConnectionDownSince();

    LinkBacklog linkBacklog();

    /** Whether {@code DeleteMode.HARD} is enabled ({@code eventstore.hard-deletes}). */
    boolean hardDeletesEnabled();

    /** The servers up now, oldest first, each with the subscriptions it holds. */
    List<ServerInfo> servers();

    /** Every persistent subscription in the store (running on any server or none). */
    List<SubscriptionInfo> subscriptions();

    /** Where the event with this id was appended, if it is stored. */
    Optional<EventLocation> findEvent(UUID eventId);
}
