package org.jeventstore.subscriptions;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.jeventstore.RecordedEvent;

/**
 * What the subscribers ({@link Slot}s) and the {@link Parking} of one subscription (or partition) see of it: whether
 * a holding still stands, where acknowledgements, hand-backs and finished deliveries go, and waits that end with the
 * holding. Called from any thread. Made before the parts it serves (they are given it), then told them once with
 * {@link #serve}, before the worker starts.
 */
final class HoldingOwner implements DeliveryOwner, Parking.Owner {

    private final Subject who;
    private final WorkerSignal signal;
    private final Stopping stopping;
    private final AdvisoryLocks locks;
    private final CheckpointSaver saver;
    private final Runnable parkedOne;
    private Holder holder;
    private Dispatcher dispatcher;
    private Parking parking;
    /** The subscription's worker thread, once it runs. */
    private volatile Thread worker;

    /** {@code parkedOne} is told of each event parked (a metric). */
    HoldingOwner(Subject who, WorkerSignal signal, Stopping stopping, AdvisoryLocks locks, CheckpointSaver saver,
                 Runnable parkedOne) {
        this.who = who;
        this.signal = signal;
        this.stopping = stopping;
        this.locks = locks;
        this.saver = saver;
        this.parkedOne = parkedOne;
    }

    /** The parts this owner answers for (each made with this owner); once, before the worker starts. */
    void serve(Holder holder, Dispatcher dispatcher, Parking parking) {
        this.holder = holder;
        this.dispatcher = dispatcher;
        this.parking = parking;
    }

    /** The worker runs on the current thread (a subscriber calling on it finds its acknowledgements itself). */
    void workerStarted() {
        worker = Thread.currentThread();
    }

    @Override
    public long subscriptionId() {
        return who.id();
    }

    @Override
    public String describe() {
        return who.describe();
    }

    @Override
    public void acked(Slot slot, Delivery delivery) {
        parking.acknowledged(delivery.event());
        dispatcher.acked(slot, delivery);
        if (Thread.currentThread() != worker) {
            signal.wakeUp(); // the worker finds the acknowledgements of a subscriber on its own thread itself
        }
    }

    @Override
    public boolean current(long number) {
        Holding h = holder.current();
        // Also asks the lock: a handler retrying on the worker's own thread must notice a lost lock at once.
        return h != null && h.number == number && !h.draining && !h.abandoned && !stopping.requested()
                && parking.haltedBy() == null && locks.holds(who.id(), h.lockSession);
    }

    @Override
    public boolean pause(long number, Duration wait) throws InterruptedException {
        long deadline = System.nanoTime() + wait.toNanos();
        while (current(number)) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return current(number);
            }
            signal.await(Math.max(1, Math.min(TimeUnit.NANOSECONDS.toMillis(left), 200)));
        }
        return false;
    }

    @Override
    public void finished(Slot slot, Delivery delivery) {
        dispatcher.finished(slot, delivery);
        Holding h = holder.current();
        if (h != null && h.draining && dispatcher.idle()) {
            signal.wakeUp();
        }
    }

    @Override
    public void givenBack(Slot slot, List<Delivery> deliveries) {
        dispatcher.givenBack(slot, deliveries);
        signal.wakeUp();
    }

    @Override
    public void exhausted(Slot slot, Delivery d, int attempts, Throwable failure) throws InterruptedException {
        parking.exhausted(slot, d, attempts, failure);
    }

    @Override
    public boolean heldBack(Slot slot, Delivery d) throws InterruptedException {
        return parking.heldBack(slot, d);
    }

    @Override
    public int hungAttempts(RecordedEvent event) {
        return parking.hungAttempts(event);
    }

    @Override
    public void refused(long epoch, SubscriptionRows.Standing standing) {
        saver.refused(epoch, standing);
        signal.wakeUp();
    }

    @Override
    public void wakeUp() {
        signal.wakeUp();
    }

    @Override
    public void parkedOne() {
        parkedOne.run();
    }
}
