package org.jeventstore.subscriptions;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;

/** How a subscription's worker sleeps and is woken (by notifications, acknowledgements, saves, close). */
final class WorkerSignal {

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition signal = lock.newCondition();
    private final BooleanSupplier stopping;
    private boolean wake;

    WorkerSignal(BooleanSupplier stopping) {
        this.stopping = stopping;
    }

    void wakeUp() {
        lock.lock();
        try {
            wake = true;
            signal.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Waits up to {@code millis} unless woken (or stopping); consumes the wake-up. */
    void await(long millis) throws InterruptedException {
        lock.lock();
        try {
            if (!wake && !stopping.getAsBoolean()) {
                signal.await(millis, TimeUnit.MILLISECONDS);
            }
            wake = false;
        } finally {
            lock.unlock();
        }
    }

    /** Waits the full time unless stopping; wake-ups are left for the delivery loop. */
    void pauseUnlessStopping(long millis) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        lock.lock();
        try {
            long left;
            while (!stopping.getAsBoolean() && (left = deadline - System.nanoTime()) > 0) {
                signal.awaitNanos(left);
            }
        } finally {
            lock.unlock();
        }
    }

    /** For the drain on the way out (also when stopping, also after an interrupt): waits without throwing. */
    void awaitQuietly(long millis) {
        lock.lock();
        try {
            if (!wake) {
                signal.await(millis, TimeUnit.MILLISECONDS);
            }
            wake = false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            lock.unlock();
        }
    }
}
