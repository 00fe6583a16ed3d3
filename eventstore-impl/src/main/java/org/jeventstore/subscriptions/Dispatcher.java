package org.jeventstore.subscriptions;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.function.Function;
import org.jeventstore.FencingToken;
import org.jeventstore.RecordedEvent;
import org.jeventstore.SubscriptionHandler;

/**
 * A subscription's subscribers ({@link Slot}s): which one gets an event (the one already holding its partition
 * key, else the least loaded with room in its buffer) and the acknowledgements coming back from them. Only the
 * worker thread sends and drains; acknowledgements arrive from any thread.
 */
final class Dispatcher {

    /** A subscriber acknowledged a delivery. */
    record Ack(Slot slot, Slot.Delivery delivery) {
    }

    private final Slot[] slots;
    private final int bufferSize;
    private final Function<RecordedEvent, Object> partitionBy;
    private final ConcurrentLinkedQueue<Ack> acks = new ConcurrentLinkedQueue<>();

    Dispatcher(int concurrency, int bufferSize, Function<RecordedEvent, Object> partitionBy,
               SubscriptionHandler handler, Executor handlerExecutor, Slot.Owner owner, Duration maxBackoff,
               int maxAttempts, java.util.concurrent.Semaphore gate) {
        this.bufferSize = bufferSize;
        this.partitionBy = partitionBy;
        // With one subscriber the worker calls the handler itself: no hand-off per event.
        Executor executor = concurrency == 1 ? Runnable::run : handlerExecutor;
        this.slots = new Slot[concurrency];
        for (int i = 0; i < slots.length; i++) {
            slots[i] = new Slot(i, executor, handlerExecutor, Objects.requireNonNull(handler, "handler"), owner,
                    maxBackoff, maxAttempts, gate);
        }
    }

    /** A new holding starts: nothing is in flight (late acks of an earlier holding are ignored). */
    void reset() {
        acks.clear();
        for (Slot s : slots) {
            s.inFlight = 0;
            s.keys.clear();
        }
    }

    /** The event's partition key, or null. */
    Object key(RecordedEvent e) {
        return partitionBy == null ? null : partitionBy.apply(e);
    }

    /** The subscriber for an event with {@code key}: the one already holding that key, else the least loaded. */
    Slot pick(Object key) {
        if (key != null) {
            for (Slot s : slots) {
                if (s.keys.containsKey(key)) {
                    return s.inFlight < bufferSize ? s : null;
                }
            }
        }
        Slot best = null;
        for (Slot s : slots) {
            if (s.inFlight < bufferSize && (best == null || s.inFlight < best.inFlight)) {
                best = s;
            }
        }
        return best;
    }

    /** Whether an unpartitioned event could be handed out now. */
    boolean hasRoom() {
        return partitionBy == null && pick(null) != null;
    }

    void send(Slot target, RecordedEvent e, long holding, FencingToken token, Object key) {
        target.inFlight++;
        if (key != null) {
            target.keys.merge(key, 1, Integer::sum);
        }
        target.offer(new Slot.Delivery(e, holding, token, key));
    }

    /** From a subscriber, on any thread. */
    void acked(Slot slot, Slot.Delivery delivery) {
        acks.add(new Ack(slot, delivery));
    }

    boolean hasAcks() {
        return !acks.isEmpty();
    }

    /** Applies the acknowledgements of {@code holding} to {@code checkpoints}; returns how many. */
    int drainAcks(long holding, Checkpoints checkpoints) {
        int n = 0;
        Ack ack;
        while ((ack = acks.poll()) != null) {
            Slot.Delivery d = ack.delivery();
            if (d.holding() != holding) {
                continue;
            }
            Slot s = ack.slot();
            s.inFlight--;
            if (d.key() != null) {
                s.keys.computeIfPresent(d.key(), (k, c) -> c == 1 ? null : c - 1);
            }
            checkpoints.acked(d.event().eventNumber());
            n++;
        }
        return n;
    }

    /** When the oldest call of {@code holding} still running started (System.nanoTime); MAX_VALUE when none. */
    long oldestCallSince(long holding) {
        long oldest = Long.MAX_VALUE;
        for (Slot s : slots) {
            oldest = Math.min(oldest, s.oldestCallSince(holding));
        }
        return oldest;
    }

    /** Abandons every call of {@code holding} (interrupts the running ones, cancels their stages); returns them. */
    java.util.List<Slot.Delivery> abandon(long holding) {
        java.util.List<Slot.Delivery> abandoned = new java.util.ArrayList<>();
        for (Slot s : slots) {
            abandoned.addAll(s.abandon(holding));
        }
        return abandoned;
    }

    /** Calls abandoned past their deadline that still run (they ignored the interrupt). */
    int abandonedRunning() {
        int n = 0;
        for (Slot s : slots) {
            n += s.abandonedRunning();
        }
        return n;
    }

    /** Whether no subscriber has anything queued or running. */
    boolean idle() {
        for (Slot s : slots) {
            if (!s.idle()) {
                return false;
            }
        }
        return true;
    }
}
