package org.jeventstore.subscriptions;

import java.util.function.LongSupplier;
import org.jeventstore.subscriptions.SubscriptionFsm.Trigger;

/**
 * Whether a holding may go on delivering: its lock (from memory: never waits for the network), its epoch as the
 * last checkpoint save or parking learned it, and, when asked to verify, as the database says now (a deletion or a
 * newer holder shows up there even when nothing is saved).
 */
final class Fence {

    private final AdvisoryLocks locks;
    private final SubscriptionRows rows;
    private final CheckpointSaver saver;
    private final LongSupplier subscriptionId;

    Fence(AdvisoryLocks locks, SubscriptionRows rows, CheckpointSaver saver, LongSupplier subscriptionId) {
        this.locks = locks;
        this.rows = rows;
        this.saver = saver;
        this.subscriptionId = subscriptionId;
    }

    /** The trigger that ends holding {@code h}, or null while it may go on; {@code verify}: ask the database. */
    Trigger check(Holding h, boolean verify) {
        if (!locks.holds(subscriptionId.getAsLong(), h.lockSession)) {
            return Trigger.LOCK_LOST;
        }
        Trigger refused = refusal(saver.standing());
        if (refused != null || !verify) {
            return refused;
        }
        return refusal(rows.standing(subscriptionId.getAsLong(), h.token.epoch()));
    }

    /** The trigger a write's answer calls for: none while CURRENT. */
    static Trigger refusal(SubscriptionRows.Standing standing) {
        return switch (standing) {
            case CURRENT -> null;
            case FENCED -> Trigger.FENCED;
            case DELETED -> Trigger.DELETED;
        };
    }
}
