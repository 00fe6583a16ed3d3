package org.jeventstore.subscriptions;

import static org.jeventstore.SubscriptionState.CATCHING_UP;
import static org.jeventstore.SubscriptionState.DISCONNECTED;
import static org.jeventstore.SubscriptionState.HALTED;
import static org.jeventstore.SubscriptionState.INITIAL;
import static org.jeventstore.SubscriptionState.STANDBY;
import static org.jeventstore.SubscriptionState.STOPPED;
import static org.jeventstore.SubscriptionState.SUBSCRIBED;

import java.util.EnumMap;
import java.util.Map;
import org.jeventstore.SubscriptionState;

/**
 * The states of a persistent subscription on this server and every transition between them, as one table.
 * The worker ({@link PersistentSubscription}) runs the step of the current state, which answers with a trigger;
 * the table alone decides where that leads, and a trigger the table does not list for a state is a bug, never a
 * silent no-op.
 *
 * <pre>
 *  state          trigger     next           what happened
 *  INITIAL        CREATED     STANDBY        the subscription's row exists (created now or earlier)
 *  STANDBY        LOCKED      CATCHING_UP    took the lock; epoch advanced (fencing), checkpoint read
 *                 LOCK_BUSY   STANDBY        another server holds it; retried every retryInterval
 *                 DELETED     STOPPED        the subscription was deleted (by any server)
 *  CATCHING_UP    BEHIND      CATCHING_UP    read a full page: more is stored
 *  SUBSCRIBED     CAUGHT_UP   SUBSCRIBED     everything read has been handled
 *    (holding)    YIELDED     STANDBY        handed over to balance the servers, after draining in-flight events
 *                 LOCK_LOST   DISCONNECTED   the lock session is gone: stop at once
 *                 FENCED      DISCONNECTED   a newer holder took over: a save was refused
 *                 DELETED     STOPPED        deleted by any server: its row or epoch is gone
 *                 EXHAUSTED   HALTED         an event failed maxAttempts times under OnExhausted.STOP
 *  HALTED         LOCK_LOST   DISCONNECTED   (holds the lock, delivers nothing; its checkpoint stays before
 *                 FENCED      DISCONNECTED    the event)
 *                 DELETED     STOPPED
 *  DISCONNECTED   RETRY       INITIAL        after a backoff
 *  any but STOPPED: FAILED -> DISCONNECTED (database, logged); CLOSED -> STOPPED (holding: drain, save, unlock)
 * </pre>
 */
final class SubscriptionFsm {

    enum Trigger { CREATED, LOCKED, LOCK_BUSY, BEHIND, CAUGHT_UP, YIELDED, LOCK_LOST, FENCED, DELETED, EXHAUSTED,
        RETRY, FAILED, CLOSED }

    private static final Map<SubscriptionState, Map<Trigger, SubscriptionState>> TABLE =
            new EnumMap<>(SubscriptionState.class);

    static {
        on(INITIAL, Trigger.CREATED, STANDBY);
        on(STANDBY, Trigger.LOCKED, CATCHING_UP);
        on(STANDBY, Trigger.LOCK_BUSY, STANDBY);
        on(STANDBY, Trigger.DELETED, STOPPED);
        for (SubscriptionState holding : new SubscriptionState[] {CATCHING_UP, SUBSCRIBED}) {
            on(holding, Trigger.BEHIND, CATCHING_UP);
            on(holding, Trigger.CAUGHT_UP, SUBSCRIBED);
            on(holding, Trigger.YIELDED, STANDBY);
            on(holding, Trigger.LOCK_LOST, DISCONNECTED);
            on(holding, Trigger.FENCED, DISCONNECTED);
            on(holding, Trigger.DELETED, STOPPED);
            on(holding, Trigger.EXHAUSTED, HALTED);
        }
        on(HALTED, Trigger.LOCK_LOST, DISCONNECTED);
        on(HALTED, Trigger.FENCED, DISCONNECTED);
        on(HALTED, Trigger.DELETED, STOPPED);
        on(DISCONNECTED, Trigger.RETRY, INITIAL);
        for (SubscriptionState s : SubscriptionState.values()) {
            if (s != STOPPED) {
                on(s, Trigger.FAILED, DISCONNECTED);
                on(s, Trigger.CLOSED, STOPPED);
            }
        }
    }

    private static void on(SubscriptionState from, Trigger trigger, SubscriptionState to) {
        TABLE.computeIfAbsent(from, k -> new EnumMap<>(Trigger.class)).put(trigger, to);
    }

    /** Whether the subscription holds its lock in {@code state} (and delivers, unless HALTED). */
    static boolean holding(SubscriptionState state) {
        return state == CATCHING_UP || state == SUBSCRIBED || state == HALTED;
    }

    private volatile SubscriptionState state = INITIAL;

    SubscriptionState state() {
        return state;
    }

    /** Where {@code trigger} leads from the current state; throws when the table has no such transition. */
    SubscriptionState next(Trigger trigger) {
        SubscriptionState to = TABLE.getOrDefault(state, Map.of()).get(trigger);
        if (to == null) {
            throw new IllegalStateException("no transition from " + state + " on " + trigger);
        }
        return to;
    }

    /** Takes the transition. */
    SubscriptionState fire(Trigger trigger) {
        state = next(trigger);
        return state;
    }
}
