package org.jeventstore.subscriptions;

import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * Spreads subscriptions over the servers: a holding asks every 5 s whether it should hand its lock to a standby
 * server (the policy: this server holds more than its fair share and this is the subscription it took last). When
 * it yielded and nobody took the lock within a few retry intervals, it stops yielding for as long as the number of
 * servers stays the same (a server that does not run this subscription would otherwise make it yield forever).
 * Worker thread only.
 */
final class Balancer {

    private static final long CHECK_NANOS = TimeUnit.SECONDS.toNanos(5);

    private final Predicate<PersistentSubscription> policy;
    private final AdvisoryLocks locks;
    private long lastCheck = System.nanoTime();
    /** Servers up when this subscription yielded and nobody took it. */
    private int lonelyAt = -1;
    /** Servers up when it last yielded, until it holds the lock again; -1 when it did not just yield. */
    private int yieldedAt = -1;

    Balancer(Predicate<PersistentSubscription> policy, AdvisoryLocks locks) {
        this.policy = policy;
        this.locks = locks;
    }

    /** A holding starts: the first check comes one period later. */
    void holdingStarted() {
        if (yieldedAt >= 0) {
            lonelyAt = yieldedAt; // it yielded, and nobody else took it
            yieldedAt = -1;
        }
        lastCheck = System.nanoTime();
    }

    boolean shouldYield(PersistentSubscription s) {
        if (System.nanoTime() - lastCheck <= CHECK_NANOS) {
            return false;
        }
        lastCheck = System.nanoTime();
        int servers = locks.servers();
        if (servers != lonelyAt && policy.test(s)) {
            yieldedAt = servers;
            return true;
        }
        return false;
    }

    /** How long to leave the lock to a standby server after yielding; 0 when it did not just yield. */
    long pauseAfterYieldMillis(long retryIntervalMillis) {
        return yieldedAt < 0 ? 0 : Math.max(3_000, 3 * retryIntervalMillis);
    }

    /** The lock went to another server after all. */
    void lockBusy() {
        yieldedAt = -1;
    }
}
