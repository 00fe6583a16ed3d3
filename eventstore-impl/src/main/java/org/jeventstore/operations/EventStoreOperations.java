package org.jeventstore.operations;

import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.jeventstore.Subscription;
import org.jeventstore.SubscriptionState;
import org.jeventstore.notifications.NotificationListener;
import org.jeventstore.storage.LinkPasses;
import org.jeventstore.storage.SchemaManager;
import org.jeventstore.storage.Sql;
import org.jeventstore.storage.Transactions;
import org.jeventstore.subscriptions.Subscriptions;

/**
 * What an operator (or a console, or a health check) wants to know about a running store, and the few
 * administrative actions on it: readiness, the {@code $all} link backlog, the servers of the cluster and the
 * subscription locks each holds, every persistent subscription with checkpoint, holder and lag. Obtained from
 * {@code PostgresEventStore.operations()} (in the container: {@code @Inject EventStoreOperations}).
 *
 * <p>Everything here reads the database as it is now; nothing is cached.
 */
public final class EventStoreOperations {

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

    private final Sql sql;
    private final Transactions tx;
    private final LinkPasses passes;
    private final SchemaManager schema;
    private final Subscriptions subscriptions;
    private final NotificationListener listener;
    private final boolean hardDeletes;
    /** What the container's checks at start found wrong with the server's setup: summary and detail. */
    private volatile String[] setupProblem;
    private final java.util.function.BiFunction<String, String, String> skipped;

    /**
     * For {@code PostgresEventStore}; applications call {@code store.operations()}.
     *
     * @param skipped what a subscription (stream, name) running here skipped without its handler (events of
     *                unknown types, events upcast to none), as text for its state; {@code null} for nothing
     */
    public EventStoreOperations(Sql sql, Transactions tx, LinkPasses passes, SchemaManager schema,
                                Subscriptions subscriptions, NotificationListener listener, boolean hardDeletes,
                                java.util.function.BiFunction<String, String, String> skipped) {
        this.skipped = skipped;
        this.sql = sql;
        this.tx = tx.local();
        this.passes = passes;
        this.schema = schema;
        this.subscriptions = subscriptions;
        this.listener = listener;
        this.hardDeletes = hardDeletes;
    }

    /**
     * Marks this server not ready for a reason of its setup that no retry mends (the driver where the application
     * cannot see it, say): {@code summary} names nothing internal (it goes to an open probe), {@code detail} says
     * what to change. Readiness stays DOWN with it until the application restarts.
     */
    public void reportSetupProblem(String summary, String detail) {
        setupProblem = new String[] {summary, detail};
    }

    /**
     * Ready when the server's setup is sound (see {@link #reportSetupProblem}; a notification listener that
     * stopped for good counts), the database answers and holds the current schema.
     */
    public Readiness readiness() {
        String[] setup = setupProblem;
        if (setup != null) {
            return new Readiness(false, "misconfigured: " + setup[0], setup[1]);
        }
        String listenerFailure = listener == null ? null : listener.failure();
        if (listenerFailure != null) {
            return new Readiness(false, "misconfigured: the notification listener stopped (see the log, JES0109E)",
                    listenerFailure);
        }
        try {
            boolean valid = tx.onConnection("checking the database connection", c -> c.isValid(5));
            if (!valid) {
                return new Readiness(false, "database unreachable", "database connection is not valid");
            }
        } catch (RuntimeException e) {
            return new Readiness(false, "database unreachable", "database unreachable: " + e.getMessage());
        }
        SchemaManager.Status status;
        try {
            status = schema.status();
            if (status == SchemaManager.Status.UNSUPPORTED) {
                String problem = schema.columnsProblem();
                if (problem != null) {
                    return new Readiness(false, "schema cannot be served", problem);
                }
            }
        } catch (RuntimeException e) {
            return new Readiness(false, "schema check failed", "schema check failed: " + e.getMessage());
        }
        if (status != SchemaManager.Status.CURRENT) {
            return new Readiness(false, "schema not current", "schema " + sql.schema() + " is " + status
                    + " (expected version " + SchemaManager.CURRENT_VERSION + ")");
        }
        return new Readiness(true, "ready", "ready");
    }

    /** Since when the notification listener has been reconnecting; {@code null} while connected (or none). */
    public Instant listenerDownSince() {
        return listener == null ? null : listener.disconnectedSince();
    }

    /**
     * Since when the subscriptions' advisory-lock connection has been down; {@code null} while it works (or the
     * store has no subscriptions).
     */
    public Instant lockConnectionDownSince() {
        return subscriptions == null ? null : subscriptions.lockConnectionDownSince();
    }

    public LinkBacklog linkBacklog() {
        LinkPasses.Backlog b = passes.backlog();
        return new LinkBacklog(b.appends(), b.oldestMillis(), b.setAside());
    }

    /** Whether {@code DeleteMode.HARD} is enabled ({@code eventstore.hard-deletes}). */
    /**
     * Has the linker try set-aside appends again (JES0305E): the one with {@code setAsideId} together with every
     * other set-aside append of its stream, or every set-aside append when {@code setAsideId} is 0. They go back
     * with their ids, so each stream's appends are linked in their order. Fix what kept them from being linked
     * first (the error is in {@code jes_set_aside}): one that fails again is set aside again.
     *
     * @return the ids moved back (empty when there was nothing to move)
     */
    public List<Long> retrySetAside(long setAsideId) {
        if (setAsideId < 0) {
            throw new org.jeventstore.InvalidRequestException("a set-aside append's id is > 0 (0 for all), was "
                    + setAsideId);
        }
        return passes.retrySetAside(setAsideId);
    }

    public boolean hardDeletesEnabled() {
        return hardDeletes;
    }

    /** The servers up now, oldest first, each with the subscriptions it holds. */
    public List<ServerInfo> servers() {
        Map<Long, String> names = new HashMap<>();
        List<SubscriptionInfo> all = subscriptions();
        for (SubscriptionInfo s : all) {
            names.put(lockKey(s.id()), s.streamId() + "/" + s.name());
        }
        int self = subscriptions == null ? 0 : subscriptions.lockSessionPid();
        return tx.onConnection("listing the servers of schema " + sql.schema(), c -> {
            int namespace = namespace(c);
            List<ServerInfo> out = new ArrayList<>();
            if (namespace == 0) {
                return out;
            }
            try (PreparedStatement ps = c.prepareStatement(sql.get("list-servers"))) {
                ps.setInt(1, namespace);
                ps.setInt(2, namespace);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        int pid = rs.getInt(1);
                        String address = rs.getString(2) + (rs.getObject(3) == null ? "" : ":" + rs.getInt(3));
                        List<String> holds = new ArrayList<>();
                        Array keys = rs.getArray(5);
                        for (Object k : (Object[]) keys.getArray()) {
                            holds.add(names.getOrDefault(((Number) k).longValue(), "lock " + k));
                        }
                        out.add(new ServerInfo(pid, address, rs.getObject(4, OffsetDateTime.class),
                                pid != 0 && pid == self, holds));
                    }
                }
            }
            return out;
        });
    }

    /** A partitioned subscription's row counts the parked events of all its partitions (each row its own too). */
    private static List<SubscriptionInfo> withPartitionsParked(List<SubscriptionInfo> rows) {
        List<SubscriptionInfo> out = new ArrayList<>(rows.size());
        for (SubscriptionInfo r : rows) {
            long parked = r.parked();
            for (SubscriptionInfo p : rows) {
                if (p.streamId().equals(r.streamId()) && org.jeventstore.subscriptions.PartitionName.isPartitionOf(p.name(), r.name())) {
                    parked += p.parked();
                }
            }
            out.add(parked == r.parked() ? r : new SubscriptionInfo(r.id(), r.streamId(), r.name(), r.checkpoint(),
                    r.head(), r.lagEvents(), r.lagMillis(), r.holderPid(), r.localState(), parked));
        }
        return out;
    }

    /** Every persistent subscription in the store (running on any server or none). */
    public List<SubscriptionInfo> subscriptions() {
        Map<String, Subscription> local = new HashMap<>();
        if (subscriptions != null) {
            for (Subscription s : subscriptions.running()) {
                local.put(s.streamId() + "\u0000" + s.name(), s);
            }
        }
        return tx.onConnection("listing the subscriptions of schema " + sql.schema(), c -> {
            int namespace = namespace(c);
            List<SubscriptionInfo> out = new ArrayList<>();
            if (namespace == 0) {
                return out;
            }
            try (PreparedStatement ps = c.prepareStatement(sql.get("list-subscriptions"))) {
                ps.setInt(1, namespace);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        String stream = rs.getString(2);
                        String name = rs.getString(3);
                        long checkpoint = rs.getLong(4);
                        long head = rs.getLong(5);
                        OffsetDateTime oldest = rs.getObject(6, OffsetDateTime.class);
                        long lagMillis = oldest == null ? 0
                                : Math.max(0, Duration.between(oldest.toInstant(), Instant.now()).toMillis());
                        Subscription running = local.get(stream + "\u0000" + name);
                        String state = running == null ? null : describe(running.state());
                        int abandoned = running == null ? 0 : subscriptions.abandonedCalls(stream, name);
                        if (abandoned > 0) {
                            state += ", " + abandoned + " call(s) abandoned past handlerTimeout still running";
                        }
                        String standby = running == null ? null : subscriptions.standbyReason(stream, name);
                        if (standby != null) {
                            state += " (" + standby + ")";
                        }
                        String skippedHere = running == null ? null : skipped.apply(stream, name);
                        if (skippedHere != null) {
                            state += ", " + skippedHere;
                        }
                        out.add(new SubscriptionInfo(rs.getLong(1), stream, name, checkpoint, head,
                                Math.max(0, head - checkpoint), lagMillis, rs.getInt(7), state, rs.getLong(8)));
                    }
                }
            }
            return withPartitionsParked(out);
        });
    }

    /**
     * Forgets a subscription's checkpoint (and stops it if it runs on this server); a server that still runs it
     * creates it again from its start position.
     */
    public void deleteSubscription(String streamId, String name) {
        if (subscriptions == null) {
            throw new org.jeventstore.InvalidRequestException("this store was built without notifications:"
                    + " it has no subscriptions");
        }
        subscriptions.delete(streamId, name);
    }

    /** Where an event was appended. */
    public record EventLocation(java.util.UUID eventId, String streamId, long streamVersion) {
    }

    /** Where the event with this id was appended, if it is stored. */
    public java.util.Optional<EventLocation> findEvent(java.util.UUID eventId) {
        return tx.onConnection("finding event " + eventId, c -> {
            try (PreparedStatement ps = c.prepareStatement(sql.get("find-event"))) {
                ps.setObject(1, eventId);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? java.util.Optional.of(new EventLocation(eventId, rs.getString(1), rs.getLong(2)))
                            : java.util.Optional.<EventLocation>empty();
                }
            }
        });
    }

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
    public ResetOutcome resetSubscription(String streamId, String name, long position) {
        if (position < 0) {
            throw new org.jeventstore.InvalidRequestException("a subscription's position is >= 0, was " + position);
        }
        return tx.write("resetting subscription '" + name + "' on '" + streamId + "' to " + position, c -> {
            // a partitioned subscription is reset whole: its row and every partition's
            List<Long> ids = subscriptionIds(c, streamId, name);
            if (ids.isEmpty()) {
                return ResetOutcome.NOT_FOUND;
            }
            for (long id : ids) {
                try (PreparedStatement ps = c.prepareStatement(sql.get("lock-subscription-for-reset"))) {
                    ps.setInt(1, namespace(c));
                    ps.setInt(2, (int) lockKey(id));
                    try (ResultSet rs = ps.executeQuery()) {
                        rs.next();
                        if (!rs.getBoolean(1)) {
                            return ResetOutcome.RUNNING;
                        }
                    }
                }
            }
            try (PreparedStatement ps = c.prepareStatement(sql.get("query-stream"))) {
                ps.setString(1, streamId);
                try (ResultSet rs = ps.executeQuery()) {
                    long head = rs.next() ? rs.getLong("stream_version") : 0;
                    if (position > head) {
                        // events appended up to that position later would never be delivered
                        return ResetOutcome.BEYOND_HEAD;
                    }
                }
            }
            for (long id : ids) {
                try (PreparedStatement ps = c.prepareStatement(sql.get("fence-subscription"))) {
                    ps.setLong(1, id);
                    ps.executeUpdate();
                }
                try (PreparedStatement ps = c.prepareStatement(sql.get("reset-subscription"))) {
                    ps.setLong(1, position);
                    ps.setLong(2, id);
                    ps.executeUpdate();
                }
            }
            return ResetOutcome.RESET;
        });
    }

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
    public record ParkedEvent(long eventNumber, java.util.UUID eventId, String eventType, String originalStream,
                              Long originalVersion, String partitionKey, int attempts, String errorType,
                              String errorMessage, Long heldBehind, OffsetDateTime parkedAt, String status,
                              String skipReason, String skippedBy, OffsetDateTime skippedAt) {
    }

    /** Most parked events one call lists. */
    public static final int MAX_PARKED_PAGE = 1000;

    /**
     * A subscription's parked and skipped events in event order, after {@code after} (0 = from the first), at most
     * {@code limit} (1 to {@link #MAX_PARKED_PAGE}); empty when there is no such subscription (see
     * {@link #subscriptionExists}).
     */
    public List<ParkedEvent> parkedEvents(String streamId, String name, long after, int limit) {
        if (limit < 1 || limit > MAX_PARKED_PAGE) {
            throw new org.jeventstore.InvalidRequestException("limit must be between 1 and " + MAX_PARKED_PAGE
                    + ", was " + limit);
        }
        return tx.onConnection("listing the parked events of subscription '" + name + "' on '" + streamId + "'", c -> {
            List<ParkedEvent> out = new ArrayList<>();
            List<Long> ids = subscriptionIds(c, streamId, name);
            if (ids.isEmpty()) {
                return out;
            }
            try (PreparedStatement ps = c.prepareStatement(sql.get("list-parked"))) {
                ps.setArray(1, c.createArrayOf("bigint", ids.toArray()));
                ps.setLong(2, after);
                ps.setInt(3, limit);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add(new ParkedEvent(rs.getLong(1), rs.getObject(2, java.util.UUID.class), rs.getString(3),
                                rs.getString(4), rs.getObject(5, Long.class), rs.getString(6), rs.getInt(7),
                                rs.getString(8), rs.getString(9), rs.getObject(10, Long.class),
                                rs.getObject(11, OffsetDateTime.class), rs.getString(12), rs.getString(13),
                                rs.getString(14), rs.getObject(15, OffsetDateTime.class)));
                    }
                }
            }
            return out;
        });
    }

    /** Whether the store has a persistent subscription of that name on that stream. */
    public boolean subscriptionExists(String streamId, String name) {
        return tx.onConnection("finding subscription '" + name + "' on '" + streamId + "'",
                c -> !subscriptionIds(c, streamId, name).isEmpty());
    }

    /**
     * Asks for a subscription's parked events to be delivered again; returns how many, or -1 when there is no
     * such subscription. The server holding the subscription (with {@code maxAttempts} set) finds the request
     * within its {@code retryInterval} and replays them in event order before it delivers live events again;
     * handled ones leave the list; one that fails {@code maxAttempts} times again is parked again with its new
     * failure (and, with {@code parkHoldsKey}, the rest of its key stays parked behind it).
     */
    public long replayParked(String streamId, String name) {
        return tx.write("asking to replay the parked events of '" + name + "' on '" + streamId + "'", c -> {
            List<Long> ids = subscriptionIds(c, streamId, name);
            if (ids.isEmpty()) {
                return -1L;
            }
            try (PreparedStatement ps = c.prepareStatement(sql.get("request-replay"))) {
                ps.setArray(1, c.createArrayOf("bigint", ids.toArray()));
                return (long) ps.executeUpdate();
            }
        });
    }

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
    public SkipOutcome skipParked(String streamId, String name, java.util.UUID eventId, String reason, String user) {
        if (reason == null || reason.isBlank()) {
            throw new org.jeventstore.InvalidRequestException("skipping a parked event needs a reason");
        }
        if (reason.length() > 1000) {
            throw new org.jeventstore.InvalidRequestException("a skip reason is at most 1000 characters, was "
                    + reason.length());
        }
        if (eventId == null) {
            throw new org.jeventstore.InvalidRequestException("skipping a parked event needs its event id");
        }
        return tx.write("skipping parked event " + eventId + " of '" + name + "' on '" + streamId + "'", c -> {
            List<Long> ids = subscriptionIds(c, streamId, name);
            if (ids.isEmpty()) {
                return SkipOutcome.NOT_FOUND;
            }
            try (PreparedStatement ps = c.prepareStatement(sql.get("skip-parked"))) {
                ps.setString(1, reason);
                ps.setString(2, user);
                ps.setArray(3, c.createArrayOf("bigint", ids.toArray()));
                ps.setObject(4, eventId);
                return ps.executeUpdate() == 1 ? SkipOutcome.SKIPPED : SkipOutcome.NOT_PARKED;
            }
        });
    }

    /**
     * The subscription's row id and, for a partitioned subscription, its partitions' ({@code <name>#<k>/<n>}):
     * an operator names the subscription, its parked events and checkpoints live in all of them. Empty when none.
     */
    private List<Long> subscriptionIds(Connection c, String streamId, String name) throws SQLException {
        List<Long> ids = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(sql.get("find-subscription-family"))) {
            ps.setString(1, streamId);
            ps.setString(2, name);
            ps.setString(3, name);
            ps.setString(4, name);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    String found = rs.getString(2);
                    if (found.equals(name) || org.jeventstore.subscriptions.PartitionName.isPartitionOf(found, name)) {
                        ids.add(rs.getLong(1));
                    }
                }
            }
        }
        return ids;
    }

    private static String describe(SubscriptionState state) {
        return state == SubscriptionState.CATCHING_UP || state == SubscriptionState.SUBSCRIBED ? "active"
                : state.name().toLowerCase();
    }

    /** The advisory-lock namespace (the subscriptions table's oid); 0 while the schema has none. */
    private int namespace(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql.get("subscriptions-table-oid"))) {
            ps.setString(1, sql.schema().quoted() + ".subscriptions");
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                long oid = rs.getLong(1);
                return rs.wasNull() ? 0 : (int) oid;
            }
        }
    }

    /** As AdvisoryLocks keys a subscription's lock. */
    private static long lockKey(long subscriptionId) {
        return subscriptionId > Integer.MAX_VALUE ? subscriptionId % Integer.MAX_VALUE : subscriptionId;
    }
}
