package org.jeventstore.postgres;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import org.jeventstore.operations.SubscriptionAdmin;
import org.jeventstore.storage.LinkPasses;
import org.jeventstore.storage.NamedStatement;
import org.jeventstore.storage.Sql;
import org.jeventstore.storage.Transactions;
import org.jeventstore.subscriptions.LockKeys;
import org.jeventstore.subscriptions.PartitionName;
import org.jeventstore.subscriptions.Subscriptions;

/** The store's {@link SubscriptionAdmin}: each action one short transaction of its own. */
public final class PostgresSubscriptionAdmin implements SubscriptionAdmin {

    private final Sql sql;
    private final Transactions tx;
    private final LinkPasses passes;
    private final Subscriptions subscriptions;

    /** @param subscriptions this server's subscriptions; null for a store built without notifications */
    PostgresSubscriptionAdmin(Sql sql, Transactions tx, LinkPasses passes, Subscriptions subscriptions) {
        this.sql = sql;
        this.tx = tx.local();
        this.passes = passes;
        this.subscriptions = subscriptions;
    }

    /**
     * Moves a subscription's checkpoint to {@code position} (the last event it counts as handled; 0 = from the
     * start), backward or forward, but only while no server runs it: the reset holds the subscription's lock for
     * its transaction, so a server cannot take the subscription halfway and resume from the old checkpoint; and it
     * advances the subscription's fencing epoch, so that a holder whose lock session died unnoticed (its handler
     * still running) can no longer save its old position over the reset.
     */
    @Override
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
            NamedStatement lock = sql.named("lock-subscription-for-reset");
            for (long id : ids) {
                try (PreparedStatement ps = c.prepareStatement(lock.jdbc())) {
                    try (ResultSet rs = lock.bind(ps).integer("namespace", LockKeys.namespace(c, sql))
                            .integer("lock_key", LockKeys.of(id)).ready().executeQuery()) {
                        rs.next();
                        if (!rs.getBoolean(1)) {
                            return ResetOutcome.RUNNING;
                        }
                    }
                }
            }
            NamedStatement query = sql.named("query-stream");
            try (PreparedStatement ps = c.prepareStatement(query.jdbc())) {
                try (ResultSet rs = query.bind(ps).text("stream_uuid", streamId).ready().executeQuery()) {
                    long head = rs.next() ? rs.getLong("stream_version") : 0;
                    if (position > head) {
                        // events appended up to that position later would never be delivered
                        return ResetOutcome.BEYOND_HEAD;
                    }
                }
            }
            NamedStatement fence = sql.named("fence-subscription");
            NamedStatement reset = sql.named("reset-subscription");
            for (long id : ids) {
                try (PreparedStatement ps = c.prepareStatement(fence.jdbc())) {
                    fence.bind(ps).bigint("subscription_id", id).ready().executeUpdate();
                }
                try (PreparedStatement ps = c.prepareStatement(reset.jdbc())) {
                    reset.bind(ps).bigint("checkpoint", position).bigint("subscription_id", id).ready().executeUpdate();
                }
            }
            return ResetOutcome.RESET;
        });
    }

    /**
     * Forgets a subscription's checkpoint (and stops it if it runs on this server); a server that still runs it
     * creates it again from its start position.
     */
    @Override
    public void deleteSubscription(String streamId, String name) {
        if (subscriptions == null) {
            throw new org.jeventstore.InvalidRequestException("this store was built without notifications:"
                    + " it has no subscriptions");
        }
        subscriptions.delete(streamId, name);
    }

    /**
     * A subscription's parked and skipped events in event order, after {@code after} (0 = from the first), at most
     * {@code limit} (1 to {@link #MAX_PARKED_PAGE}); empty when there is no such subscription (see
     * {@link #subscriptionExists}).
     */
    @Override
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
            NamedStatement st = sql.named("list-parked");
            try (PreparedStatement ps = c.prepareStatement(st.jdbc())) {
                try (ResultSet rs = st.bind(ps).array("subscription_ids", c.createArrayOf("bigint", ids.toArray()))
                        .bigint("after", after).integer("limit", limit).ready().executeQuery()) {
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
    @Override
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
    @Override
    public long replayParked(String streamId, String name) {
        return tx.write("asking to replay the parked events of '" + name + "' on '" + streamId + "'", c -> {
            List<Long> ids = subscriptionIds(c, streamId, name);
            if (ids.isEmpty()) {
                return -1L;
            }
            NamedStatement st = sql.named("request-replay");
            try (PreparedStatement ps = c.prepareStatement(st.jdbc())) {
                return (long) st.bind(ps).array("subscription_ids", c.createArrayOf("bigint", ids.toArray())).ready()
                        .executeUpdate();
            }
        });
    }

    /**
     * Gives a parked event up for good: its row stays, marked skipped with {@code reason}, {@code user} and the
     * time, and no longer holds back its key (the holder notices within its {@code retryInterval}).
     */
    @Override
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
            NamedStatement st = sql.named("skip-parked");
            try (PreparedStatement ps = c.prepareStatement(st.jdbc())) {
                int skipped = st.bind(ps).text("reason", reason).text("skipped_by", user)
                        .array("subscription_ids", c.createArrayOf("bigint", ids.toArray())).uuid("event_id", eventId)
                        .ready().executeUpdate();
                return skipped == 1 ? SkipOutcome.SKIPPED : SkipOutcome.NOT_PARKED;
            }
        });
    }

    /**
     * Has the linker try set-aside appends again (JES0305E): the one with {@code setAsideId} together with every
     * other set-aside append of its stream, or every set-aside append when {@code setAsideId} is 0. They go back
     * with their ids, so each stream's appends are linked in their order. Fix what kept them from being linked
     * first (the error is in {@code jes_set_aside}): one that fails again is set aside again.
     *
     * @return the ids moved back (empty when there was nothing to move)
     */
    @Override
    public List<Long> retrySetAside(long setAsideId) {
        if (setAsideId < 0) {
            throw new org.jeventstore.InvalidRequestException("a set-aside append's id is > 0 (0 for all), was "
                    + setAsideId);
        }
        return passes.retrySetAside(setAsideId);
    }

    /**
     * The subscription's row id and, for a partitioned subscription, its partitions' ({@code <name>#<k>/<n>}):
     * an operator names the subscription, its parked events and checkpoints live in all of them. Empty when none.
     */
    private List<Long> subscriptionIds(Connection c, String streamId, String name) throws SQLException {
        List<Long> ids = new ArrayList<>();
        NamedStatement st = sql.named("find-subscription-family");
        try (PreparedStatement ps = c.prepareStatement(st.jdbc())) {
            try (ResultSet rs = st.bind(ps).text("stream_uuid", streamId).text("subscription_name", name).ready()
                    .executeQuery()) {
                while (rs.next()) {
                    String found = rs.getString(2);
                    if (found.equals(name) || PartitionName.isPartitionOf(found, name)) {
                        ids.add(rs.getLong(1));
                    }
                }
            }
        }
        return ids;
    }

}
