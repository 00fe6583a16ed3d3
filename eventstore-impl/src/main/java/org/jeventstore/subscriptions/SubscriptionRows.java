package org.jeventstore.subscriptions;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import org.jeventstore.StartFrom;
import org.jeventstore.storage.NamedStatement;
import org.jeventstore.storage.Sql;
import org.jeventstore.storage.Transactions;

/** The subscriptions table: one row per (stream, name) holding the checkpoint. Always its own transactions. */
final class SubscriptionRows {

    private final Sql sql;
    private final Transactions tx;

    SubscriptionRows(Sql sql, Transactions tx) {
        this.sql = sql;
        this.tx = tx.local();
    }

    /** The subscription's id, creating its row at {@code start} when it has none. */
    long createOrGet(String streamId, String name, StartFrom start) {
        return tx.write("creating subscription '" + name + "' to '" + streamId + "'", c -> {
            NamedStatement st = sql.named("create-subscription");
            try (PreparedStatement ps = c.prepareStatement(st.jdbc())) {
                st.bind(ps).text("stream_uuid", streamId).text("subscription_name", name)
                        .bool("from_current", start instanceof StartFrom.Current)
                        .bigint("start_position", start instanceof StartFrom.Position p ? p.eventNumber() : 0)
                        .ready().executeUpdate();
            }
            return idOf(c, streamId, name);
        });
    }

    /** The id of the row ({@code streamId}, {@code name}), or -1 when there is none. */
    private long idOf(java.sql.Connection c, String streamId, String name) throws java.sql.SQLException {
        NamedStatement st = sql.named("query-subscription");
        try (PreparedStatement ps = c.prepareStatement(st.jdbc())) {
            try (ResultSet rs = st.bind(ps).text("stream_uuid", streamId).text("subscription_name", name).ready()
                    .executeQuery()) {
                return rs.next() ? rs.getLong(1) : -1;
            }
        }
    }

    /** What a holding of the lock learned when it started: its fencing epoch and the checkpoint to resume after. */
    record Holding(long epoch, long checkpoint) {
    }

    /**
     * Starts a holding of the subscription's lock: advances its epoch (fencing off every earlier holder's saves)
     * and reads its checkpoint. Empty when the subscription was deleted.
     */
    java.util.Optional<Holding> takeOver(long subscriptionId) {
        return tx.write("taking over subscription " + subscriptionId, c -> {
            long epoch;
            NamedStatement takeOver = sql.named("take-over-subscription");
            try (PreparedStatement ps = c.prepareStatement(takeOver.jdbc())) {
                try (ResultSet rs = takeOver.bind(ps).bigint("subscription_id", subscriptionId).ready()
                        .executeQuery()) {
                    if (!rs.next()) {
                        return java.util.Optional.<Holding>empty();
                    }
                    epoch = rs.getLong(1);
                }
            }
            // a statement of its own, so that it sees a save an earlier holder committed while we waited for its row
            long checkpoint;
            NamedStatement read = sql.named("read-checkpoint");
            try (PreparedStatement ps = c.prepareStatement(read.jdbc())) {
                try (ResultSet rs = read.bind(ps).bigint("subscription_id", subscriptionId).ready().executeQuery()) {
                    if (!rs.next()) {
                        return java.util.Optional.<Holding>empty();
                    }
                    checkpoint = rs.getLong(1);
                }
            }
            // events parked above the checkpoint are delivered again by this holding: their rows are in doubt
            NamedStatement forget = sql.named("forget-in-doubt-parked");
            try (PreparedStatement ps = c.prepareStatement(forget.jdbc())) {
                forget.bind(ps).bigint("subscription_id", subscriptionId).bigint("checkpoint", checkpoint).ready()
                        .executeUpdate();
            }
            return java.util.Optional.of(new Holding(epoch, checkpoint));
        });
    }

    long checkpoint(long subscriptionId) {
        return tx.onConnection("reading a subscription checkpoint", c -> {
            NamedStatement st = sql.named("read-checkpoint");
            try (PreparedStatement ps = c.prepareStatement(st.jdbc())) {
                try (ResultSet rs = st.bind(ps).bigint("subscription_id", subscriptionId).ready().executeQuery()) {
                    if (!rs.next()) {
                        throw new IllegalStateException("subscription " + subscriptionId + " was deleted");
                    }
                    return rs.getLong(1);
                }
            }
        });
    }

    /** Whether a holding may go on: its epoch is still the newest, the subscription still exists. */
    enum Standing { CURRENT, FENCED, DELETED }

    /**
     * Saves the checkpoint of the holding with {@code epoch}: one statement in autocommit. Refused (and nothing
     * written) once a newer holding has taken over or the subscription is deleted; a mark at or below the stored
     * one changes nothing (checkpoints only move forward) and is CURRENT.
     */
    Standing saveCheckpoint(long subscriptionId, long epoch, long lastSeen) {
        return tx.singleStatement("saving a subscription checkpoint", c -> {
            NamedStatement st = sql.named("save-checkpoint");
            try (PreparedStatement ps = c.prepareStatement(st.jdbc())) {
                try (ResultSet rs = st.bind(ps).bigint("subscription_id", subscriptionId).bigint("epoch", epoch)
                        .bigint("checkpoint", lastSeen).ready().executeQuery()) {
                    rs.next();
                    return !rs.getBoolean(2) ? Standing.DELETED : rs.getBoolean(1) ? Standing.CURRENT : Standing.FENCED;
                }
            }
        });
    }

    /** Where the holding with {@code epoch} stands now, without writing anything. */
    Standing standing(long subscriptionId, long epoch) {
        return tx.onConnection("checking subscription " + subscriptionId, c -> {
            NamedStatement st = sql.named("verify-holder");
            try (PreparedStatement ps = c.prepareStatement(st.jdbc())) {
                try (ResultSet rs = st.bind(ps).bigint("subscription_id", subscriptionId).ready().executeQuery()) {
                    if (!rs.next()) {
                        return Standing.DELETED;
                    }
                    long current = rs.getLong(1);
                    return !rs.wasNull() && current == epoch ? Standing.CURRENT : Standing.FENCED;
                }
            }
        });
    }

    /** Advances the epoch of the holding with {@code epoch}, if it is still the current one (abandon-holding.sql). */
    void abandon(long subscriptionId, long epoch) {
        tx.singleStatement("fencing an abandoned holding of subscription " + subscriptionId, c -> {
            NamedStatement st = sql.named("abandon-holding");
            try (PreparedStatement ps = c.prepareStatement(st.jdbc())) {
                return st.bind(ps).bigint("subscription_id", subscriptionId).bigint("epoch", epoch).ready()
                        .executeUpdate();
            }
        });
    }

    /**
     * The partition count recorded for the subscription family with row {@code familyId}, recording
     * {@code partitions} when none is yet; returns the one recorded.
     */
    int recordLayout(long familyId, int partitions) {
        Integer recorded = tx.singleStatement("recording the partition count of subscription " + familyId, c -> {
            NamedStatement st = sql.named("record-layout");
            try (PreparedStatement ps = c.prepareStatement(st.jdbc())) {
                try (ResultSet rs = st.bind(ps).bigint("subscription_id", familyId).integer("partitions", partitions)
                        .ready().executeQuery()) {
                    return rs.next() ? rs.getInt(1) : null;
                }
            }
        });
        if (recorded != null) {
            return recorded;
        }
        // another server recorded it while this statement ran: read what it recorded
        return tx.onConnection("reading the partition count of subscription " + familyId, c -> {
            NamedStatement st = sql.named("read-layout");
            try (PreparedStatement ps = c.prepareStatement(st.jdbc())) {
                try (ResultSet rs = st.bind(ps).bigint("subscription_id", familyId).ready().executeQuery()) {
                    return rs.next() ? rs.getInt(1) : partitions;
                }
            }
        });
    }

    /**
     * Changes the partition count of a family from {@code from} to {@code to}, in one transaction, while the
     * caller holds the family's partition-count lock exclusively (so no server runs either count): every row of the
     * new count (the family's own row for 1, its partition rows and own row above 1) is set to the lowest
     * checkpoint of the old count's rows (every event at or below it was handled by each of them; those after it
     * are delivered again) and its epoch advanced (fencing any holder of the old count whose call still runs).
     *
     * @return that checkpoint, or -1 when the recorded count was no longer {@code from} (nothing changed)
     */
    long changeLayout(String streamId, String family, long familyId, int from, int to) {
        return tx.write("changing the partition count of subscription '" + family + "' from " + from + " to " + to,
                c -> {
                    NamedStatement lock = sql.named("lock-layout");
                    try (PreparedStatement ps = c.prepareStatement(lock.jdbc())) {
                        try (ResultSet rs = lock.bind(ps).bigint("subscription_id", familyId).ready().executeQuery()) {
                            if (!rs.next() || rs.getInt(1) != from) {
                                return -1L;
                            }
                        }
                    }
                    long low;
                    NamedStatement lowest = sql.named("low-water-mark-of");
                    try (PreparedStatement ps = c.prepareStatement(lowest.jdbc())) {
                        try (ResultSet rs = lowest.bind(ps).text("stream_uuid", streamId)
                                .array("row_names", c.createArrayOf("text", rowNames(family, from).toArray()))
                                .ready().executeQuery()) {
                            rs.next();
                            low = rs.getLong(1);
                        }
                    }
                    java.util.List<Long> oldIds = new java.util.ArrayList<>();
                    for (String row : rowNames(family, from)) {
                        long id = idOf(c, streamId, row);
                        if (id >= 0) {
                            oldIds.add(id);
                        }
                    }
                    java.util.List<String> now = new java.util.ArrayList<>(rowNames(family, to));
                    if (to > 1) {
                        now.add(family);
                    }
                    java.util.Map<String, Long> newIds = new java.util.HashMap<>();
                    NamedStatement create = sql.named("create-subscription");
                    NamedStatement reset = sql.named("reset-subscription");
                    NamedStatement fence = sql.named("fence-subscription");
                    for (String row : now) {
                        try (PreparedStatement ps = c.prepareStatement(create.jdbc())) {
                            create.bind(ps).text("stream_uuid", streamId).text("subscription_name", row)
                                    .bool("from_current", false).bigint("start_position", low).ready().executeUpdate();
                        }
                        long id = idOf(c, streamId, row);
                        newIds.put(row, id);
                        try (PreparedStatement ps = c.prepareStatement(reset.jdbc())) {
                            reset.bind(ps).bigint("checkpoint", low).bigint("subscription_id", id).ready()
                                    .executeUpdate();
                        }
                        try (PreparedStatement ps = c.prepareStatement(fence.jdbc())) {
                            fence.bind(ps).bigint("subscription_id", id).ready().executeUpdate();
                        }
                    }
                    moveParked(c, family, oldIds, newIds, to);
                    NamedStatement update = sql.named("update-layout");
                    try (PreparedStatement ps = c.prepareStatement(update.jdbc())) {
                        update.bind(ps).integer("partitions", to).bigint("subscription_id", familyId).ready()
                                .executeUpdate();
                    }
                    return low;
                });
    }

    /**
     * Parked events belong to the row that delivers their key: on a change of the partition count they move (with
     * their status, so a skip stays a skip and a key stays held behind its parked event) to the row of the new
     * count that owns their key (the same CRC-32 placement as deliveries).
     */
    private void moveParked(java.sql.Connection c, String family, java.util.List<Long> oldIds,
                            java.util.Map<String, Long> newIds, int to) throws java.sql.SQLException {
        record Parked(long row, java.util.UUID eventId, String key) {
        }
        java.util.List<Parked> parked = new java.util.ArrayList<>();
        NamedStatement list = sql.named("list-parked-of-rows");
        try (PreparedStatement ps = c.prepareStatement(list.jdbc())) {
            try (ResultSet rs = list.bind(ps).array("subscription_ids", c.createArrayOf("bigint", oldIds.toArray()))
                    .ready().executeQuery()) {
                while (rs.next()) {
                    parked.add(new Parked(rs.getLong(1), rs.getObject(2, java.util.UUID.class), rs.getString(3)));
                }
            }
        }
        NamedStatement move = sql.named("move-parked");
        for (Parked p : parked) {
            String row = to == 1 ? family
                    : PartitionName.of(family, PartitionName.placeOf(p.key(), to), to).rowName();
            long target = newIds.get(row);
            if (target == p.row()) {
                continue;
            }
            try (PreparedStatement ps = c.prepareStatement(move.jdbc())) {
                move.bind(ps).bigint("new_row", target).bigint("old_row", p.row()).uuid("event_id", p.eventId())
                        .ready().executeUpdate();
            }
        }
    }

    /** The rows of a family that run with {@code partitions}: its own for 1, its partitions' otherwise. */
    private static java.util.List<String> rowNames(String family, int partitions) {
        if (partitions == 1) {
            return java.util.List.of(family);
        }
        java.util.List<String> names = new java.util.ArrayList<>(partitions);
        for (int k = 0; k < partitions; k++) {
            names.add(PartitionName.of(family, k, partitions).rowName());
        }
        return names;
    }

    /** Whether the subscription still exists (a standby server asks, to stop a deleted one). */
    boolean exists(long subscriptionId) {
        return tx.onConnection("checking that subscription " + subscriptionId + " exists", c -> {
            NamedStatement st = sql.named("subscription-exists");
            try (PreparedStatement ps = c.prepareStatement(st.jdbc())) {
                try (ResultSet rs = st.bind(ps).bigint("subscription_id", subscriptionId).ready().executeQuery()) {
                    rs.next();
                    return rs.getBoolean(1);
                }
            }
        });
    }

    /** Moves a partitioned subscription's own row to the lowest checkpoint of {@code partitions} (forward only). */
    void saveLowWaterMark(String streamId, String name, java.util.List<String> partitions) {
        tx.singleStatement("saving the low-water mark of subscription '" + name + "'", c -> {
            NamedStatement st = sql.named("save-low-water-mark");
            try (PreparedStatement ps = c.prepareStatement(st.jdbc())) {
                return st.bind(ps).text("stream_uuid", streamId)
                        .array("partition_names", c.createArrayOf("text", partitions.toArray()))
                        .text("subscription_name", name).integer("partitions", partitions.size()).ready()
                        .executeUpdate();
            }
        });
    }

    /** The names of {@code streamId}'s subscriptions that begin with {@code prefix}. */
    java.util.List<String> namesStartingWith(String streamId, String prefix) {
        return tx.onConnection("listing subscriptions of '" + streamId + "'", c -> {
            java.util.List<String> out = new java.util.ArrayList<>();
            NamedStatement st = sql.named("list-subscription-names");
            try (PreparedStatement ps = c.prepareStatement(st.jdbc())) {
                try (ResultSet rs = st.bind(ps).text("stream_uuid", streamId).text("prefix", prefix).ready()
                        .executeQuery()) {
                    while (rs.next()) {
                        out.add(rs.getString(1));
                    }
                }
            }
            return out;
        });
    }

    void delete(String streamId, String name) {
        tx.write("deleting subscription '" + name + "' to '" + streamId + "'", c -> {
            NamedStatement st = sql.named("delete-subscription");
            try (PreparedStatement ps = c.prepareStatement(st.jdbc())) {
                return st.bind(ps).text("stream_uuid", streamId).text("subscription_name", name).ready()
                        .executeUpdate();
            }
        });
    }
}
