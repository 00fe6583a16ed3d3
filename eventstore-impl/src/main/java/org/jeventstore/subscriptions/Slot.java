package org.jeventstore.subscriptions;

import java.time.Duration;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.jeventstore.FencingToken;
import org.jeventstore.RecordedEvent;
import org.jeventstore.SubscriptionHandler;

/**
 * One subscriber of a persistent subscription: handles its events one after another, in the order given, and
 * reports each success. A failing event is retried with capped exponential backoff until it succeeds or the
 * holding ends or drains (lock lost, fenced, handed over, closed): it is never skipped.
 */
final class Slot {

    private static final Logger LOG = Logger.getLogger(Slot.class.getName());

    /**
     * An event handed to this slot in one holding of the lock ({@code holding} numbers this server's holdings;
     * {@code token} is the cluster-wide fencing token given to the handler).
     */
    record Delivery(RecordedEvent event, long holding, FencingToken token, Object key) {
    }

    /** Where the slot reports acknowledgements and asks whether a holding may still start or retry events. */
    interface Owner {
        void acked(Slot slot, Delivery delivery);

        /** Whether deliveries of {@code holding} may start (or be retried): false once it ends or drains. */
        boolean current(long holding);

        /** Waits up to {@code wait} unless the holding ends first; false when it ended. */
        boolean pause(long holding, Duration wait) throws InterruptedException;

        /** The slot has nothing to do now (a draining holding waits for every slot to get there). */
        void idle(Slot slot);

        String describe();
    }

    final int index;
    /** Deliveries handed over and not yet acknowledged; only the subscription's worker thread touches it. */
    int inFlight;
    /** Partition keys of those deliveries, with counts; worker thread only. */
    final java.util.Map<Object, Integer> keys = new java.util.HashMap<>();

    private final Queue<Delivery> inbox = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean scheduled = new AtomicBoolean();
    private final Executor executor;
    private final SubscriptionHandler handler;
    private final Owner owner;
    private final Duration maxBackoff;

    Slot(int index, Executor executor, SubscriptionHandler handler, Owner owner, Duration maxBackoff) {
        this.index = index;
        this.executor = executor;
        this.handler = handler;
        this.owner = owner;
        this.maxBackoff = maxBackoff;
    }

    void offer(Delivery delivery) {
        inbox.add(delivery);
        if (scheduled.compareAndSet(false, true)) {
            executor.execute(this::drain);
        }
    }

    private void drain() {
        try {
            Delivery d;
            while ((d = inbox.poll()) != null) {
                if (owner.current(d.holding()) && handle(d)) {
                    owner.acked(this, d);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            inbox.clear();
        } finally {
            scheduled.set(false);
            if (!inbox.isEmpty() && scheduled.compareAndSet(false, true)) {
                executor.execute(this::drain);
            } else {
                owner.idle(this);
            }
        }
    }

    /** Whether nothing is queued or running here. */
    boolean idle() {
        return !scheduled.get() && inbox.isEmpty();
    }

    /** Handles one event until it succeeds (true) or its holding ends (false). */
    private boolean handle(Delivery d) throws InterruptedException {
        long backoff = 100;
        for (int attempt = 1; ; attempt++) {
            try {
                handler.handle(d.event(), d.token());
                return true;
            } catch (InterruptedException e) {
                throw e;
            } catch (Exception | LinkageError e) {
                LOG.log(Level.WARNING, "JES0210W subscription " + owner.describe() + ": handler failed on event "
                        + d.event().eventNumber() + " of stream '" + d.event().streamId() + "' (attempt " + attempt
                        + "); retrying in " + backoff + " ms", e);
                if (!owner.pause(d.holding(), Duration.ofMillis(backoff))) {
                    return false;
                }
                backoff = Math.min(backoff * 2, maxBackoff.toMillis());
            }
        }
    }
}
