package org.jeventstore.subscriptions;

import org.jeventstore.subscriptions.SubscriptionFsm.Trigger;

/**
 * Whether a holding may go on delivering: its lock (from memory: never waits for the network), its epoch as the
 * last checkpoint save or parking learned it, and, when asked to verify, as the database says now (a deletion or a
 * newer holder shows up there even when nothing is saved).
 */
final class Fence {

    private final Subject who;
    private final AdvisoryLocks locks;
    private final SubscriptionRows rows;
    private final CheckpointSaver saver;

    Fence(Subject who, SubscriptionServices services, CheckpointSaver saver) {
        this.who = who;
        this.locks = services.locks();
        this.rows = services.rows();
        this.saver = saver;
    }

    /** The trigger that ends holding {@code h}, or null while it may go on; {@code verify}: ask the database. */
    Trigger check(Holding h, boolean verify) {
        if (!locks.holds(who.id(), h.lockSession)) {
            return Trigger.LOCK_LOST;
        }
        Trigger refused = refusal(saver.standing());
        if (refused != null || !verify) {
            return refused;
        }
        return refusal(rows.standing(who.id(), h.token.epoch()));
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
