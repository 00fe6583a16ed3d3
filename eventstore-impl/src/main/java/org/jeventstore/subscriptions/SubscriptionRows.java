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

    /** One UPDATE in autocommit: one round trip (a subscription saves its checkpoint every 100 events by default). */
    void saveCheckpoint(long subscriptionId, long lastSeen) {
        tx.singleStatement("saving a subscription checkpoint", c -> {
            try (PreparedStatement ps = c.prepareStatement(sql.get("save-checkpoint"))) {
                ps.setLong(1, lastSeen);
                ps.setLong(2, subscriptionId);
                ps.setLong(3, lastSeen);
                return ps.executeUpdate();
            }
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
