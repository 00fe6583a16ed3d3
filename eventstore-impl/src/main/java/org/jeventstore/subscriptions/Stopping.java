package org.jeventstore.subscriptions;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;

/**
 * How one subscription's worker stops. close() asks ({@link #request}) and waits, bounded ({@link #awaitWorker}); a
 * worker that has not stopped by then is detached by its subscription, which abandons its holding so that another
 * server takes over. The name is freed ({@code onStopped}) once, by whichever comes first: the worker stopping or
 * the detach, so that the same name may be subscribed again at once.
 */
final class Stopping {

    private final CountDownLatch stopped = new CountDownLatch(1);
    private final AtomicBoolean detached = new AtomicBoolean();
    private final AtomicBoolean nameFreed = new AtomicBoolean();
    private final Runnable onStopped;
    private volatile boolean requested;

    Stopping(Runnable onStopped) {
        this.onStopped = onStopped;
    }

    void request() {
        requested = true;
    }

    boolean requested() {
        return requested;
    }

    boolean detached() {
        return detached.get();
    }

    /**
     * Waits until the worker has stopped, at most until {@code deadlineNanos} (System.nanoTime), and not while it
     * is {@code stuck} (in a call already abandoned). True when it stopped; false when it is to be detached.
     */
    boolean awaitWorker(long deadlineNanos, BooleanSupplier stuck) {
        try {
            while (!stopped.await(Math.max(0, Math.min(50_000_000L, deadlineNanos - System.nanoTime())),
                    TimeUnit.NANOSECONDS)) {
                if (stuck.getAsBoolean() || System.nanoTime() - deadlineNanos >= 0) {
                    return false;
                }
            }
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return true; // the caller gives up waiting: nothing is detached on its behalf
        }
    }

    /** True the first time only: the caller detaches the worker. */
    boolean detachOnce() {
        return detached.compareAndSet(false, true);
    }

    /** Runs onStopped once, whether the worker stops or the subscription is detached first. */
    void freeName() {
        if (nameFreed.compareAndSet(false, true)) {
            onStopped.run();
        }
    }

    /** The worker has exited: the name is free (if it was not already) and close() returns. */
    void workerStopped() {
        freeName();
        stopped.countDown();
    }
}
