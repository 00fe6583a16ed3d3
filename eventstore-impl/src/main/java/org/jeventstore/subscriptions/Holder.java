package org.jeventstore.subscriptions;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;
import org.jeventstore.FencingToken;
import org.jeventstore.SubscriptionOptions;
import org.jeventstore.subscriptions.SubscriptionFsm.Trigger;

/**
 * Takes and gives up a subscription's holding on this server: the lock (admitted by the family's partition count
 * first), the take-over that advances the fencing epoch and reads the checkpoint, and the way out: a graceful end
 * lets in-flight calls finish while the lock is still held, then the final save, then the lock goes. A holding can
 * also be abandoned from outside the worker (its handler deadline passed, or close() could not wait).
 */
final class Holder {

    private static final Logger LOG = Logger.getLogger(Holder.class.getName());
    /** How long a graceful end waits for in-flight events to finish (their handlers run on). */
    static final long DRAIN_MILLIS = 20_000;

    /** A holding taken, or why none was. */
    record Taken(Holding holding, Trigger refusal) {
    }

    private final Subject who;
    private final String description;
    private final SubscriptionOptions options;
    private final SubscriptionRows rows;
    private final AdvisoryLocks locks;
    private final SubscriptionLayout layout;
    private final CheckpointSaver saver;
    private final Dispatcher dispatcher;
    private final WorkerSignal signal;
    private long holdings;
    /** The holding under way on this server, or null (set and cleared by the worker, read from any thread). */
    private volatile Holding current;

    Holder(Subject who, SubscriptionOptions options, SubscriptionServices services, SubscriptionLayout layout,
           CheckpointSaver saver, Dispatcher dispatcher, WorkerSignal signal) {
        this.who = who;
        this.description = who.describe();
        this.options = options;
        this.rows = services.rows();
        this.locks = services.locks();
        this.layout = layout;
        this.saver = saver;
        this.dispatcher = dispatcher;
        this.signal = signal;
    }

    /** The holding under way on this server, or null. */
    Holding current() {
        return current;
    }

    /** The worker has set up for {@code h} (taken by {@link #take()}): it is under way, its subscribers subscribed. */
    void started(Holding h) {
        current = h;
        dispatcher.pool().holdingStarted();
    }

    /** Ends the holding under way for {@code why} (see {@link #end(Holding, Trigger)}); returns the trigger to take. */
    Trigger end(Trigger why) {
        Holding h = current;
        try {
            return end(h, why);
        } finally {
            current = null;
            dispatcher.pool().holdingEnded();
        }
    }

    /**
     * Tries to take the holding: null holding and LOCK_BUSY (another server has it, or the count the cluster runs
     * is not this server's) or DELETED. A taken holding has advanced the epoch (the previous holder's saves are
     * refused from now on) and waited the take-over grace: the previous holder's handlers may still be finishing
     * the events they had, and its lock check takes that long to notice.
     */
    Taken take() throws InterruptedException {
        long id = who.id();
        long admitted = layout.admit();
        long session = admitted < 0 ? -1 : locks.tryLock(id);
        if (session >= 0 && (session != admitted || !layout.heldIn(session))) {
            locks.unlock(id, session); // the lock session changed meanwhile: admit the count again first
            session = -1;
        }
        if (session < 0) {
            return new Taken(null, rows.exists(id) ? Trigger.LOCK_BUSY : Trigger.DELETED);
        }
        Optional<SubscriptionRows.Holding> taken;
        try {
            taken = rows.takeOver(id);
        } catch (RuntimeException e) {
            locks.unlock(id, session);
            throw e;
        }
        if (taken.isEmpty()) {
            locks.unlock(id, session);
            return new Taken(null, Trigger.DELETED);
        }
        signal.pauseUnlessStopping(AdvisoryLocks.TAKEOVER_GRACE_MILLIS);
        long checkpoint = taken.get().checkpoint();
        FencingToken token = new FencingToken(who.streamId(), who.name(), taken.get().epoch());
        saver.reset(id, token.epoch(), checkpoint);
        Checkpoints checkpoints = new Checkpoints(saver, checkpoint, options.checkpointThreshold(),
                options.checkpointAfter().toMillis());
        dispatcher.reset();
        LOG.info(() -> "JES0212I subscription " + description + " active on this server from checkpoint " + checkpoint
                + " (epoch " + token.epoch() + ")");
        return new Taken(new Holding(++holdings, session, token, checkpoints), null);
    }

    /**
     * Ends holding {@code h} for {@code why}. Graceful (closed, handed over, or a step the database refused, which
     * keeps the lock): in-flight events may finish first (at most DRAIN_MILLIS, and only while the lock is held),
     * so that the next holder neither gets them again nor starts their key while one still runs. Then the final
     * save (refused when fenced) and the lock's release. Returns the trigger to take: a deletion found by the
     * final save turns it into DELETED.
     */
    private Trigger end(Holding h, Trigger why) {
        long id = who.id();
        Checkpoints cp = h.checkpoints;
        h.draining = true;
        if (why == Trigger.CLOSED || why == Trigger.YIELDED || why == Trigger.FAILED) {
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(DRAIN_MILLIS);
            while (!dispatcher.idle() && System.nanoTime() < deadline && !Thread.currentThread().isInterrupted()
                    && locks.holds(id, h.lockSession)) {
                dispatcher.drainAcks(h.number, cp);
                signal.awaitQuietly(50);
            }
            if (!dispatcher.idle()) {
                LOG.warning("JES0226W subscription " + description + ": handlers still running after the drain;"
                        + " their events will be delivered again by the next holder");
            }
        }
        dispatcher.drainAcks(h.number, cp);
        long mark = cp.lowWaterMark();
        if (mark > saver.saved() && why != Trigger.FENCED && why != Trigger.DELETED) {
            try {
                saver.awaitIdle(5_000);
                Trigger refused = Fence.refusal(saver.saveNow(mark));
                if (refused == Trigger.DELETED || (refused != null && why == Trigger.LOCK_LOST)) {
                    why = refused;
                }
            } catch (RuntimeException e) {
                LOG.warning("JES0215W subscription " + description + " could not save checkpoint " + mark
                        + " on stopping; unsaved events will be delivered again: " + e.getMessage());
            }
        }
        locks.unlock(id, h.lockSession);
        if (why == Trigger.LOCK_LOST || why == Trigger.FENCED) {
            LOG.warning("JES0216W subscription " + description + " stopped delivering: "
                    + (why == Trigger.FENCED ? "another server took over (epoch " + h.token.epoch() + " fenced)"
                    : "lock lost"));
        }
        return why;
    }

    /**
     * Ends holding {@code h} from outside the worker: no save of it is accepted any more (its epoch is advanced in
     * the database, and refused here already), its lock is released so that a standby server (or this one, once
     * its worker is free) takes over from the checkpoint and delivers the event again, and its calls are
     * abandoned (interrupted, stages cancelled). The worker notices the lost lock at its next step. Returns the
     * deliveries abandoned; false-y (empty) when it was abandoned already.
     */
    List<Delivery> abandon(Holding h, String why) {
        synchronized (h) {
            if (h.abandoned) {
                return List.of();
            }
            h.abandoned = true;
        }
        LOG.severe("JES0227E subscription " + description + ": " + why + "; the call is abandoned (its thread"
                + " interrupted), the holding of epoch " + h.token.epoch() + " ends and its lock is released, so the"
                + " event is delivered again by the next holding (a call that ignores the interrupt may still finish"
                + " meanwhile: fenced handlers refuse its writes by their epoch)");
        long id = who.id();
        saver.abandon(h.token.epoch());
        try {
            rows.abandon(id, h.token.epoch());
        } catch (RuntimeException e) {
            LOG.warning("JES0228W subscription " + description + ": could not advance the epoch of the abandoned"
                    + " holding (the next holder's take-over does): " + e.getMessage());
        }
        locks.unlock(id, h.lockSession);
        List<Delivery> abandoned = dispatcher.abandon(h.number);
        signal.wakeUp();
        return abandoned;
    }
}
