package org.jeventstore.subscriptions;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.jeventstore.RecordedEvent;
import org.jeventstore.storage.NamedStatement;
import org.jeventstore.storage.Sql;
import org.jeventstore.storage.Transactions;

/**
 * A holder's side of the {@code jes_parked} table: parking an event (fenced by the holding's epoch, idempotent per
 * subscription and event), what is parked (the keys it holds back, replays asked for), and the replay's
 * bookkeeping. Always its own short transactions. The operators' side is in {@code EventStoreOperations}.
 */
final class ParkedEvents {

    /** Longest error message kept per parked event (the rest is cut). */
    static final int MAX_MESSAGE = 4000;

    private final Sql sql;
    private final Transactions tx;

    ParkedEvents(Sql sql, Transactions tx) {
        this.sql = sql;
        this.tx = tx.local();
    }

    /** Where the parking holding stands; {@code parked} false when the event's row was skipped (and stays so). */
    record Parking(SubscriptionRows.Standing standing, boolean parked) {
    }

    /**
     * Parks {@code event} for the holding with {@code epoch}: with the last failure, or (failure null) held behind
     * the parked event {@code heldBehind} of its key. Refused, with nothing written, when that holding is no
     * longer current.
     */
    Parking park(long subscriptionId, long epoch, RecordedEvent event, String key, int attempts,
                                   Throwable failure, Long heldBehind) {
        return tx.singleStatement("parking event " + event.eventNumber() + " for subscription " + subscriptionId,
                c -> {
                    NamedStatement st = sql.named("park-event");
                    try (PreparedStatement ps = c.prepareStatement(st.jdbc())) {
                        st.bind(ps).bigint("subscription_id", subscriptionId).bigint("epoch", epoch)
                                .uuid("event_id", event.eventId()).bigint("event_number", event.eventNumber())
                                .text("partition_key", key).integer("attempts", attempts)
                                .text("error_type", failure == null ? null : failure.getClass().getName())
                                .text("error_message", failure == null
                                        ? "held behind parked event " + heldBehind + " of its key"
                                        : clip(failure.getMessage()))
                                .nullableBigint("held_behind", heldBehind).ready();
                        try (ResultSet rs = ps.executeQuery()) {
                            rs.next();
                            return new Parking(!rs.getBoolean(2) ? SubscriptionRows.Standing.DELETED
                                    : rs.getBoolean(1) ? SubscriptionRows.Standing.CURRENT
                                    : SubscriptionRows.Standing.FENCED, rs.getBoolean(3));
                        }
                    }
                });
    }

    /**
     * What is parked now: {@code heldKeys} maps each partition key with parked events to its first parked event;
     * {@code replays} counts the events an operator asked to replay.
     */
    record State(Map<String, Long> heldKeys, long replays) {
    }

    State state(long subscriptionId) {
        return tx.onConnection("reading the parked events of subscription " + subscriptionId, c -> {
            NamedStatement st = sql.named("parked-keys");
            try (PreparedStatement ps = c.prepareStatement(st.jdbc())) {
                st.bind(ps).bigint("subscription_id", subscriptionId).ready();
                Map<String, Long> keys = new HashMap<>();
                long replays = 0;
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        String key = rs.getString(1);
                        if (key != null) {
                            keys.put(key, rs.getLong(2));
                        }
                        replays += rs.getLong(3);
                    }
                }
                return new State(keys, replays);
            }
        });
    }

    /** A parked event to replay. */
    record Replay(UUID eventId, long eventNumber, String key) {
    }

    /**
     * The next events to replay after event number {@code after}, in event order (events held behind a key under
     * replay join it).
     */
    List<Replay> replayBatch(long subscriptionId, long after, int limit) {
        return tx.write("reading parked events to replay for subscription " + subscriptionId, c -> {
            NamedStatement st = sql.named("replay-batch");
            try (PreparedStatement ps = c.prepareStatement(st.jdbc())) {
                st.bind(ps).bigint("subscription_id", subscriptionId).bigint("after", after).integer("limit", limit)
                        .ready();
                List<Replay> out = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add(new Replay(rs.getObject(1, UUID.class), rs.getLong(2), rs.getString(3)));
                    }
                }
                return out;
            }
        });
    }

    /**
     * A replayed event was handled (or is gone): its row goes, unless the holding with {@code epoch} has been
     * fenced off meanwhile. Returns whether a row went.
     */
    boolean replayed(long subscriptionId, long epoch, UUID eventId) {
        return tx.singleStatement("removing a replayed parked event", c -> {
            NamedStatement st = sql.named("replayed-parked");
            try (PreparedStatement ps = c.prepareStatement(st.jdbc())) {
                return st.bind(ps).bigint("subscription_id", subscriptionId).bigint("epoch", epoch)
                        .uuid("event_id", eventId).ready().executeUpdate() > 0;
            }
        });
    }

    /** A replayed event was parked again: the later events of its key to be replayed stay parked behind it. */
    void holdKeyAfterReplay(long subscriptionId, String key, long eventNumber) {
        tx.singleStatement("holding a key back after a failed replay", c -> {
            NamedStatement st = sql.named("hold-key-after-replay");
            try (PreparedStatement ps = c.prepareStatement(st.jdbc())) {
                return st.bind(ps).bigint("subscription_id", subscriptionId).text("partition_key", key)
                        .bigint("event_number", eventNumber).ready().executeUpdate();
            }
        });
    }

    static String clip(String message) {
        return message == null || message.length() <= MAX_MESSAGE ? message : message.substring(0, MAX_MESSAGE);
    }
}
