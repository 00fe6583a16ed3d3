package org.jeventstore.subscriptions;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import org.jeventstore.StartFrom;
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
            try (PreparedStatement ps = c.prepareStatement(sql.get("create-subscription"))) {
                ps.setString(1, streamId);
                ps.setString(2, name);
                ps.setBoolean(3, start instanceof StartFrom.Current);
                ps.setString(4, streamId);
                ps.setLong(5, start instanceof StartFrom.Position p ? p.eventNumber() : 0);
                ps.executeUpdate();
            }
            return idOf(c, streamId, name);
        });
    }

    /** The id of the row ({@code streamId}, {@code name}), or -1 when there is none. */
    private long idOf(java.sql.Connection c, String streamId, String name) throws java.sql.SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql.get("query-subscription"))) {
            ps.setString(1, streamId);
            ps.setString(2, name);
            try (ResultSet rs = ps.executeQuery()) {
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
            try (PreparedStatement ps = c.prepareStatement(sql.get("take-over-subscription"))) {
                ps.setLong(1, subscriptionId);
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) {
                        return java.util.Optional.<Holding>empty();
                    }
                    epoch = rs.getLong(1);
                }
            }
            // a statement of its own, so that it sees a save an earlier holder committed while we waited for its row
            long checkpoint;
            try (PreparedStatement ps = c.prepareStatement(sql.get("read-checkpoint"))) {
                ps.setLong(1, subscriptionId);
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) {
                        return java.util.Optional.<Holding>empty();
                    }
                    checkpoint = rs.getLong(1);
                }
            }
            // events parked above the checkpoint are delivered again by this holding: their rows are in doubt
            try (PreparedStatement ps = c.prepareStatement(sql.get("forget-in-doubt-parked"))) {
                ps.setLong(1, subscriptionId);
                ps.setLong(2, checkpoint);
                ps.executeUpdate();
            }
            return java.util.Optional.of(new Holding(epoch, checkpoint));
        });
    }

    long checkpoint(long subscriptionId) {
        return tx.onConnection("reading a subscription checkpoint", c -> {
            try (PreparedStatement ps = c.prepareStatement(sql.get("read-checkpoint"))) {
                ps.setLong(1, subscriptionId);
                try (ResultSet rs = ps.executeQuery()) {
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
            try (PreparedStatement ps = c.prepareStatement(sql.get("save-checkpoint"))) {
                ps.setLong(1, subscriptionId);
                ps.setLong(2, epoch);
                ps.setLong(3, lastSeen);
                ps.setLong(4, lastSeen);
                ps.setLong(5, subscriptionId);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return !rs.getBoolean(2) ? Standing.DELETED : rs.getBoolean(1) ? Standing.CURRENT : Standing.FENCED;
                }
            }
        });
    }

    /** Where the holding with {@code epoch} stands now, without writing anything. */
    Standing standing(long subscriptionId, long epoch) {
        return tx.onConnection("checking subscription " + subscriptionId, c -> {
            try (PreparedStatement ps = c.prepareStatement(sql.get("verify-holder"))) {
                ps.setLong(1, subscriptionId);
                try (ResultSet rs = ps.executeQuery()) {
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
            try (PreparedStatement ps = c.prepareStatement(sql.get("abandon-holding"))) {
                ps.setLong(1, subscriptionId);
                ps.setLong(2, epoch);
                return ps.executeUpdate();
            }
        });
    }

    /**
     * The partition count recorded for the subscription family with row {@code familyId}, recording
     * {@code partitions} when none is yet; returns the one recorded.
     */
    int recordLayout(long familyId, int partitions) {
        Integer recorded = tx.singleStatement("recording the partition count of subscription " + familyId, c -> {
            try (PreparedStatement ps = c.prepareStatement(sql.get("record-layout"))) {
                ps.setLong(1, familyId);
                ps.setInt(2, partitions);
                ps.setLong(3, familyId);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? rs.getInt(1) : null;
                }
            }
        });
        if (recorded != null) {
            return recorded;
        }
        // another server recorded it while this statement ran: read what it recorded
        return tx.onConnection("reading the partition count of subscription " + familyId, c -> {
            try (PreparedStatement ps = c.prepareStatement(sql.get("read-layout"))) {
                ps.setLong(1, familyId);
                try (ResultSet rs = ps.executeQuery()) {
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
                    try (PreparedStatement ps = c.prepareStatement(sql.get("lock-layout"))) {
                        ps.setLong(1, familyId);
                        try (ResultSet rs = ps.executeQuery()) {
                            if (!rs.next() || rs.getInt(1) != from) {
                                return -1L;
                            }
                        }
                    }
                    long low;
                    try (PreparedStatement ps = c.prepareStatement(sql.get("low-water-mark-of"))) {
                        ps.setString(1, streamId);
                        ps.setArray(2, c.createArrayOf("text", rowNames(family, from).toArray()));
                        try (ResultSet rs = ps.executeQuery()) {
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
                    for (String row : now) {
                        try (PreparedStatement ps = c.prepareStatement(sql.get("create-subscription"))) {
                            ps.setString(1, streamId);
                            ps.setString(2, row);
                            ps.setBoolean(3, false);
                            ps.setString(4, streamId);
                            ps.setLong(5, low);
                            ps.executeUpdate();
                        }
                        long id = idOf(c, streamId, row);
                        newIds.put(row, id);
                        try (PreparedStatement ps = c.prepareStatement(sql.get("reset-subscription"))) {
                            ps.setLong(1, low);
                            ps.setLong(2, id);
                            ps.executeUpdate();
                        }
                        try (PreparedStatement ps = c.prepareStatement(sql.get("fence-subscription"))) {
                            ps.setLong(1, id);
                            ps.executeUpdate();
                        }
                    }
                    moveParked(c, family, oldIds, newIds, to);
                    try (PreparedStatement ps = c.prepareStatement(sql.get("update-layout"))) {
                        ps.setInt(1, to);
                        ps.setLong(2, familyId);
                        ps.executeUpdate();
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
        record Parked(long row, Object eventId, String key) {
        }
        java.util.List<Parked> parked = new java.util.ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(sql.get("list-parked-of-rows"))) {
            ps.setArray(1, c.createArrayOf("bigint", oldIds.toArray()));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    parked.add(new Parked(rs.getLong(1), rs.getObject(2), rs.getString(3)));
                }
            }
        }
        for (Parked p : parked) {
            String row = to == 1 ? family
                    : PartitionName.of(family, PartitionName.placeOf(p.key(), to), to).rowName();
            long target = newIds.get(row);
            if (target == p.row()) {
                continue;
            }
            try (PreparedStatement ps = c.prepareStatement(sql.get("move-parked"))) {
                ps.setLong(1, target);
                ps.setLong(2, p.row());
                ps.setObject(3, p.eventId());
                ps.setLong(4, target);
                ps.setLong(5, p.row());
                ps.setObject(6, p.eventId());
                ps.executeUpdate();
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
            try (PreparedStatement ps = c.prepareStatement(sql.get("subscription-exists"))) {
                ps.setLong(1, subscriptionId);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return rs.getBoolean(1);
                }
            }
        });
    }

    /** Moves a partitioned subscription's own row to the lowest checkpoint of {@code partitions} (forward only). */
    void saveLowWaterMark(String streamId, String name, java.util.List<String> partitions) {
        tx.singleStatement("saving the low-water mark of subscription '" + name + "'", c -> {
            try (PreparedStatement ps = c.prepareStatement(sql.get("save-low-water-mark"))) {
                ps.setString(1, streamId);
                ps.setArray(2, c.createArrayOf("text", partitions.toArray()));
                ps.setString(3, streamId);
                ps.setString(4, name);
                ps.setInt(5, partitions.size());
                return ps.executeUpdate();
            }
        });
    }

    /** The names of {@code streamId}'s subscriptions that begin with {@code prefix}. */
    java.util.List<String> namesStartingWith(String streamId, String prefix) {
        return tx.onConnection("listing subscriptions of '" + streamId + "'", c -> {
            java.util.List<String> out = new java.util.ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement(sql.get("list-subscription-names"))) {
                ps.setString(1, streamId);
                ps.setString(2, prefix);
                ps.setString(3, prefix);
                try (ResultSet rs = ps.executeQuery()) {
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
            try (PreparedStatement ps = c.prepareStatement(sql.get("delete-subscription"))) {
                ps.setString(1, streamId);
                ps.setString(2, name);
                return ps.executeUpdate();
            }
        });
    }
}
