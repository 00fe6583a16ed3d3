package org.jeventstore.subscriptions;

import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Saves a subscription's checkpoint off its worker thread, so that a save (a commit and its WAL flush) never
 * holds up reading and delivery. Requests are coalesced: only the newest mark is written, by one short task at a
 * time. Every save carries the holding's epoch: once a newer holder has taken over (or the subscription was
 * deleted) saves are refused, nothing is written, and {@link #standing()} says so; the worker then stops this
 * holding. Saves only move forward. A failed save (database) is logged and retried with the next request; the
 * worker saves synchronously when it stops.
 */
final class CheckpointSaver {

    private static final Logger LOG = Logger.getLogger(CheckpointSaver.class.getName());

    private final SubscriptionRows rows;
    private final Executor executor;
    private final String description;
    private final Runnable onChange;
    private final AtomicLong wanted = new AtomicLong();
    private final AtomicBoolean running = new AtomicBoolean();
    private volatile long subscriptionId;
    private volatile long epoch;
    private volatile long saved;
    private volatile boolean failing;
    private volatile SubscriptionRows.Standing standing = SubscriptionRows.Standing.CURRENT;

    /** {@code onChange} runs (on the saving thread) after a save moved {@link #saved()} or was refused. */
    CheckpointSaver(SubscriptionRows rows, Executor executor, String description, Runnable onChange) {
        this.rows = rows;
        this.executor = executor;
        this.description = description;
        this.onChange = onChange;
    }

    CheckpointSaver(SubscriptionRows rows, Executor executor, String description) {
        this(rows, executor, description, () -> { });
    }

    /** Starts a new holding of the lock with {@code epoch}: {@code checkpoint} is what the database holds now. */
    synchronized void reset(long id, long epoch, long checkpoint) {
        subscriptionId = id;
        this.epoch = epoch;
        saved = checkpoint;
        wanted.set(checkpoint);
        standing = SubscriptionRows.Standing.CURRENT;
    }

    /** The newest checkpoint known to be saved. */
    long saved() {
        return saved;
    }

    /** CURRENT until a save was refused because a newer holding took over (FENCED) or the row is gone (DELETED). */
    SubscriptionRows.Standing standing() {
        return standing;
    }

    /** Asks for {@code mark} to be saved soon; returns at once. */
    void request(long mark) {
        wanted.accumulateAndGet(mark, Math::max);
        if (standing == SubscriptionRows.Standing.CURRENT && running.compareAndSet(false, true)) {
            try {
                executor.execute(this::drain);
            } catch (RejectedExecutionException e) {
                running.set(false); // shutting down: the worker's final synchronous save covers it
            }
        }
    }

    /** Waits (at most {@code millis}) until no save is running; then the caller may save synchronously. */
    void awaitIdle(long millis) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        while (running.get() && System.nanoTime() < deadline) {
            LockSupport.parkNanos(TimeUnit.MICROSECONDS.toNanos(200));
        }
    }

    /** Saves synchronously on the calling thread (the worker, when it stops); returns where the holding stands. */
    SubscriptionRows.Standing saveNow(long mark) {
        long of = epoch;
        if (standing == SubscriptionRows.Standing.CURRENT) {
            apply(of, mark, rows.saveCheckpoint(subscriptionId, of, mark));
        }
        return standing;
    }

    /** The holding with epoch {@code of} was abandoned (its handler deadline passed): none of its saves is made. */
    synchronized void abandon(long of) {
        if (of == epoch) {
            standing = SubscriptionRows.Standing.FENCED;
        }
    }

    /**
     * Another fenced write (parking an event) of the holding with epoch {@code of} was refused: that holding stops
     * as for a save.
     */
    synchronized void refused(long of, SubscriptionRows.Standing result) {
        if (of == epoch && result != SubscriptionRows.Standing.CURRENT
                && standing == SubscriptionRows.Standing.CURRENT) {
            standing = result;
            LOG.warning("JES0224W subscription " + description + ": a write of holding epoch " + epoch + " was"
                    + " refused (" + (result == SubscriptionRows.Standing.FENCED ? "another server has taken over"
                    : "the subscription was deleted") + "); this server stops delivering it");
        }
    }

    /**
     * Applies the result of a save made for the holding with epoch {@code of}. A save of an earlier holding that
     * returns after this server's next holding began ({@link #reset}) concerns nothing any more: refused, it must
     * not stop the new holding; accepted, it committed before the new holding read its checkpoint.
     */
    private synchronized void apply(long of, long mark, SubscriptionRows.Standing result) {
        if (of != epoch) {
            return;
        }
        if (result == SubscriptionRows.Standing.CURRENT) {
            saved = Math.max(saved, mark);
        } else {
            standing = result;
            LOG.warning("JES0224W subscription " + description + ": checkpoint " + mark + " of holding epoch " + epoch
                    + " refused (" + (result == SubscriptionRows.Standing.FENCED
                    ? "another server has taken over" : "the subscription was deleted") + "); this server stops"
                    + " delivering it");
        }
    }

    private void drain() {
        boolean failed = false;
        try {
            long mark;
            long of = epoch;
            while (standing == SubscriptionRows.Standing.CURRENT && of == epoch && (mark = wanted.get()) > saved) {
                apply(of, mark, rows.saveCheckpoint(subscriptionId, of, mark));
                onChange.run();
            }
            if (failing) {
                failing = false;
                LOG.info(() -> "JES0223I subscription " + description + " saves its checkpoint again");
            }
        } catch (RuntimeException e) {
            failed = true;
            if (!failing) {
                failing = true;
                LOG.log(Level.WARNING, "JES0222W subscription " + description + " could not save its checkpoint"
                        + " (retried with the next one; unsaved events would be delivered again): " + e.getMessage());
            }
        } finally {
            running.set(false);
            // a request that came in after the loop's last look would otherwise wait for the next one
            if (!failed && standing == SubscriptionRows.Standing.CURRENT && wanted.get() > saved
                    && running.compareAndSet(false, true)) {
                try {
                    executor.execute(this::drain);
                } catch (RejectedExecutionException e) {
                    running.set(false);
                }
            }
        }
    }
}
