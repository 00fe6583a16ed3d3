package org.jeventstore.subscriptions;

import java.util.concurrent.TimeUnit;
import java.util.Collection;
import java.util.function.Supplier;

/**
 * Spreads subscriptions over the servers: a holding asks every 5 s whether it should hand its lock to a standby
 * server. The policy ({@link #overFairShare}): this server holds more than its fair share of the subscription's
 * family and this is the member of it it took last. A family is the partitions of one partitioned subscription,
 * or all single-active subscriptions together: each is spread on its own, so that N partitions end up N/servers
 * per server whatever else runs. When it yielded and nobody took the lock within a few retry intervals, it stops
 * yielding for as long as the number of servers stays the same (a server that does not run this subscription
 * would otherwise make it yield forever). Worker thread only, except the policy, which reads what every worker
 * publishes.
 */
final class Balancer {

    private static final long CHECK_NANOS = TimeUnit.SECONDS.toNanos(5);

    private final Supplier<Collection<PersistentSubscription>> peers;
    private final Presence presence;
    private long lastCheck = System.nanoTime();
    /** Servers up when this subscription yielded and nobody took it. */
    private int lonelyAt = -1;
    /** Servers up when it last yielded, until it holds the lock again; -1 when it did not just yield. */
    private int yieldedAt = -1;

    /** @param peers the persistent subscriptions this server runs (its own among them) */
    Balancer(Supplier<Collection<PersistentSubscription>> peers, Presence presence) {
        this.peers = peers;
        this.presence = presence;
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
        int servers = presence.servers();
        if (servers != lonelyAt && overFairShare(s, peers.get(), servers)) {
            yieldedAt = servers;
            return true;
        }
        return false;
    }

    /**
     * Whether {@code s} should hand its lock over: this server holds more than its fair share of {@code s}'s
     * family ({@code ceil(members / servers)}) and {@code s} is the member it took last. (Every server is assumed
     * to run the same subscriptions.)
     */
    static boolean overFairShare(PersistentSubscription s, Collection<PersistentSubscription> running, int servers) {
        if (servers <= 1) {
            return false;
        }
        String family = family(s);
        int members = 0;
        PersistentSubscription newest = null;
        int held = 0;
        for (PersistentSubscription p : running) {
            if (!family.equals(family(p))) {
                continue;
            }
            members++;
            if (p.active()) {
                held++;
                if (newest == null || p.activeSince() > newest.activeSince()) {
                    newest = p;
                }
            }
        }
        int fairShare = (members + servers - 1) / servers;
        return held > fairShare && newest == s;
    }

    /** The partitions of one partitioned subscription share a family; single-active ones are the family "". */
    private static String family(PersistentSubscription s) {
        return PartitionName.parse(s.name()).map(p -> s.streamId() + '\u0000' + p.family()).orElse("");
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
