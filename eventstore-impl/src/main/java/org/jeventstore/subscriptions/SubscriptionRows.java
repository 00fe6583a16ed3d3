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
            try (PreparedStatement ps = c.prepareStatement(sql.get("query-subscription"))) {
                ps.setString(1, streamId);
                ps.setString(2, name);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return rs.getLong(1);
                }
            }
        });
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
        return tx.read("reading a subscription checkpoint", c -> {
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
        return tx.read("checking subscription " + subscriptionId, c -> {
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

    /** Whether the subscription still exists (a standby server asks, to stop a deleted one). */
    boolean exists(long subscriptionId) {
        return standing(subscriptionId, Long.MIN_VALUE) != Standing.DELETED;
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
        return tx.read("listing subscriptions of '" + streamId + "'", c -> {
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
