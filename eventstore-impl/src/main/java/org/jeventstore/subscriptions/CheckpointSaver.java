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
 * time. Saves only move forward (save-checkpoint.sql), so a late save from an earlier holding of the lock can do
 * no harm. A failed save is logged and retried with the next request; the worker saves synchronously when it
 * stops.
 */
final class CheckpointSaver {

    private static final Logger LOG = Logger.getLogger(CheckpointSaver.class.getName());

    private final SubscriptionRows rows;
    private final Executor executor;
    private final String description;
    private final AtomicLong wanted = new AtomicLong();
    private final AtomicBoolean running = new AtomicBoolean();
    private volatile long subscriptionId;
    private volatile long saved;
    private volatile boolean failing;

    CheckpointSaver(SubscriptionRows rows, Executor executor, String description) {
        this.rows = rows;
        this.executor = executor;
        this.description = description;
    }

    /** Starts a new holding of the lock: {@code checkpoint} is what the database holds now. */
    void reset(long id, long checkpoint) {
        subscriptionId = id;
        saved = checkpoint;
        wanted.set(checkpoint);
    }

    /** The newest checkpoint known to be saved. */
    long saved() {
        return saved;
    }

    /** Asks for {@code mark} to be saved soon; returns at once. */
    void request(long mark) {
        wanted.accumulateAndGet(mark, Math::max);
        if (running.compareAndSet(false, true)) {
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

    /** Saves synchronously on the calling thread (the worker, when it stops). */
    void saveNow(long mark) {
        rows.saveCheckpoint(subscriptionId, mark);
        saved = Math.max(saved, mark);
    }

    private void drain() {
        boolean failed = false;
        try {
            long mark;
            while ((mark = wanted.get()) > saved) {
                rows.saveCheckpoint(subscriptionId, mark);
                saved = mark;
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
            if (!failed && wanted.get() > saved && running.compareAndSet(false, true)) {
                try {
                    executor.execute(this::drain);
                } catch (RejectedExecutionException e) {
                    running.set(false);
                }
            }
        }
    }
}
