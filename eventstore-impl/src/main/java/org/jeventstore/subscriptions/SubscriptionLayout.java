package org.jeventstore.subscriptions;

import java.util.function.LongSupplier;
import java.util.logging.Logger;

/**
 * One server's part in keeping a subscription's partition count ({@code concurrencyLimit}; 1 for single-active)
 * the same across the cluster. Two servers running one subscription with different counts would each deliver every
 * event of a key, at the same time (issue 20): their rows ({@code name} vs {@code name#k/N}) have locks of their own.
 * So the count is recorded once for the cluster ({@code jes_subscription_layout}, on the subscription's own row
 * id), and a server delivers only while it holds the family's partition-count lock shared for the recorded count:
 *
 * <ul>
 *   <li>configured as recorded (or the first to record it): it takes the lock shared and runs;</li>
 *   <li>configured otherwise: it stands by (JES0273W, once per situation) until no server runs the recorded count
 *       any more (nobody holds the lock shared): then it takes the lock exclusively, changes the count in one
 *       transaction (every row of the new count starts at the lowest checkpoint of the old count's rows, its epoch
 *       advanced; JES0274I), and runs. A rolling change of the setting thus hands over when the last server with
 *       the old setting has stopped: until then the servers already restarted stand by.</li>
 * </ul>
 *
 * The shared lock lives on the server's lock session, like the rows' locks: when that session dies both go
 * together, and a row is taken again only after the family's count is admitted again in the new session. A
 * partitioned subscription's partitions share one layout; a single-active subscription has its own.
 */
final class SubscriptionLayout {

    private static final Logger LOG = Logger.getLogger(SubscriptionLayout.class.getName());

    private final SubscriptionRows rows;
    private final AdvisoryLocks locks;
    private final String streamId;
    private final String family;
    private final int partitions;
    private final LongSupplier familyIdSource;
    private long familyId = -1;
    /** Generation of the lock session in which the shared lock is held; -1 when not held. */
    private long heldIn = -1;
    private boolean admittedEver;
    private String standbyReason;
    private String lastSaid;

    /**
     * @param familyId the subscription's own row id (created on demand: the database may be down at subscribe)
     */
    SubscriptionLayout(SubscriptionRows rows, AdvisoryLocks locks, String streamId, String family, int partitions,
                       LongSupplier familyId) {
        this.rows = rows;
        this.locks = locks;
        this.streamId = streamId;
        this.family = family;
        this.partitions = partitions;
        this.familyIdSource = familyId;
    }

    /**
     * Whether this server may take a row lock of the family now: holds (or takes) the shared partition-count lock
     * of the current lock session for the configured count, changing the recorded count when nobody runs it.
     * Returns the lock session generation it holds it in, or -1 (stand by).
     */
    synchronized long admit() {
        long gen = locks.generation();
        if (heldIn >= 0 && heldIn == gen && locks.holdsLayout(id(), gen)) {
            return gen;
        }
        heldIn = -1;
        long id = id();
        long shared = locks.tryLayoutLock(id, true);
        if (shared < 0) {
            standby("its partition count is being changed by another server, or the lock connection is down");
            return -1;
        }
        int recorded;
        try {
            recorded = rows.recordLayout(id, partitions);
        } catch (RuntimeException e) {
            locks.unlockLayout(id, true, shared);
            throw e;
        }
        if (recorded == partitions) {
            return admitted(shared);
        }
        locks.unlockLayout(id, true, shared);
        long exclusive = locks.tryLayoutLock(id, false);
        if (exclusive < 0) {
            standby("the cluster runs it with " + recorded + (recorded == 1 ? " partition" : " partitions")
                    + " (concurrencyLimit) and this server is configured with " + partitions + "; it stands by until"
                    + " no server runs it with " + recorded + " (a rolling change completes when the last server"
                    + " with the old setting has stopped), then changes it");
            return -1;
        }
        try {
            long low = rows.changeLayout(streamId, family, id, recorded, partitions);
            if (low < 0) {
                return -1; // changed meanwhile by another server: look again next time
            }
            long now = locks.tryLayoutLock(id, true);
            if (now < 0 || now != exclusive) {
                return -1;
            }
            LOG.info("JES0274I subscription '" + family + "' on '" + streamId + "' changed from " + recorded + " to "
                    + partitions + (partitions == 1 ? " partition" : " partitions") + " (concurrencyLimit); its rows"
                    + " start at " + low + ", the lowest checkpoint of the old ones (events after it are delivered"
                    + " again)");
            return admitted(now);
        } finally {
            locks.unlockLayout(id, false, exclusive);
        }
    }

    private long admitted(long gen) {
        heldIn = gen;
        admittedEver = true;
        standbyReason = null;
        lastSaid = null;
        return gen;
    }

    private void standby(String reason) {
        standbyReason = reason;
        if (!reason.equals(lastSaid)) {
            lastSaid = reason;
            LOG.warning("JES0273W subscription '" + family + "' on '" + streamId + "' stands by on this server: "
                    + reason);
        }
    }

    /** Whether the shared lock is held in lock session {@code gen} (a row lock taken in it may be used). */
    synchronized boolean heldIn(long gen) {
        return heldIn >= 0 && heldIn == gen && locks.holdsLayout(id(), gen);
    }

    /** Why this server stands by for the family's partition count, or null. */
    synchronized String standbyReason() {
        return standbyReason;
    }

    /** Whether this server ever ran the family with its configured count. */
    synchronized boolean admittedEver() {
        return admittedEver;
    }

    /** The family stops on this server: its shared lock goes (the rows' locks are released by their holdings). */
    synchronized void release() {
        if (heldIn >= 0 && familyId >= 0) {
            locks.unlockLayout(familyId, true, heldIn);
        }
        heldIn = -1;
    }

    private long id() {
        if (familyId < 0) {
            familyId = familyIdSource.getAsLong();
        }
        return familyId;
    }
}
