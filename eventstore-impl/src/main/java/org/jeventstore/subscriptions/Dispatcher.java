package org.jeventstore.subscriptions;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.PriorityBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import java.util.function.Predicate;
import org.jeventstore.FencingToken;
import org.jeventstore.RecordedEvent;
import org.jeventstore.SubscriptionOptions;

/**
 * One subscription's (or partition's) side of the {@link ConsumerPool}: what it has handed to subscribers and not
 * seen finished, the acknowledgements coming back, and the events given back (by a subscriber that left, or by a
 * handler with a GiveBackException), which go out again before anything new. Only the worker thread sends and
 * drains; acknowledgements, hand-backs and finishes arrive from any thread.
 */
final class Dispatcher {

    /** A subscriber acknowledged a delivery. */
    record Ack(Slot slot, Delivery delivery) {
    }

    /**
     * A delivery given back by {@code from}, to go out again (to another subscriber when there is one) not before
     * {@code notBeforeNanos}.
     */
    record Returned(Delivery delivery, Slot from, long notBeforeNanos) {
    }

    private final ConsumerPool pool;
    private final DeliveryOwner owner;
    private final Function<RecordedEvent, Object> partitionBy;
    private final Predicate<RecordedEvent> selector;
    private final int concurrencyLimit;
    private final int maxQueueSize;
    private final long lonelyGiveBackNanos;
    private final ConcurrentLinkedQueue<Ack> acks = new ConcurrentLinkedQueue<>();
    private final PriorityBlockingQueue<Returned> returned = new PriorityBlockingQueue<>(8,
            Comparator.comparingLong((Returned r) -> r.delivery().event().eventNumber()));
    /**
     * Events taken from the feed whose key's subscriber had no room, in order per key, with the holding that took
     * them: they go out before any later event of their key, and never hold up another key (Elixir queues per key
     * too). Worker thread only.
     */
    private final Map<Object, ArrayDeque<RecordedEvent>> waiting = new LinkedHashMap<>();
    private long waitingHolding;
    private int waitingCount;
    /** Handed out and not finished yet, whatever the holding. */
    private final AtomicInteger outstanding = new AtomicInteger();
    /** Wakes the worker (when room it lacked is freed). */
    private final Runnable wakeUp;

    /**
     * An event given back by the only subscriber waits the subscription's {@code retryInterval} before it gets it
     * again.
     */
    Dispatcher(ConsumerPool pool, DeliveryOwner owner, SubscriptionOptions options, Runnable wakeUp) {
        this.pool = pool;
        this.wakeUp = wakeUp;
        this.owner = owner;
        this.partitionBy = options.partitionBy();
        this.selector = options.selector();
        this.concurrencyLimit = options.concurrencyLimit();
        this.maxQueueSize = options.maxQueueSize();
        this.lonelyGiveBackNanos = options.retryInterval().toNanos();
    }

    ConsumerPool pool() {
        return pool;
    }

    /** A new holding starts: late acknowledgements and hand-backs of an earlier one are dropped. */
    void reset() {
        acks.clear();
        returned.clear();
        waiting.clear();
        waitingCount = 0;
    }

    /** Whether events of {@code key} wait for their subscriber (a later one of the key must wait behind them). */
    boolean keyWaits(Object key) {
        return key != null && waiting.containsKey(key);
    }

    int waitingCount() {
        return waitingCount;
    }

    /** {@code e}, taken from the feed by {@code holding}, waits for room at its key's subscriber. */
    void await(Object key, RecordedEvent e, long holding) {
        if (waitingCount == 0) {
            waitingHolding = holding;
        }
        waiting.computeIfAbsent(key, k -> new ArrayDeque<>()).add(e);
        waitingCount++;
    }

    /** Sends waiting events, oldest of each key first, to subscribers that have room for them now. */
    void sendWaiting(long holding, FencingToken token) {
        if (waitingCount > 0 && waitingHolding != holding) {
            waiting.clear(); // of an ended holding: the checkpoint stayed below them, the next holder reads them
            waitingCount = 0;
        }
        for (Iterator<Map.Entry<Object, ArrayDeque<RecordedEvent>>> it = waiting.entrySet().iterator();
             it.hasNext(); ) {
            Map.Entry<Object, ArrayDeque<RecordedEvent>> line = it.next();
            Slot target;
            while (!line.getValue().isEmpty() && (target = pick(line.getKey(), null)) != null) {
                send(target, line.getValue().poll(), line.getKey(), holding, token);
                waitingCount--;
            }
            if (line.getValue().isEmpty()) {
                it.remove();
            }
        }
    }

    /** The event's partition key (its {@code toString()}), or null when the subscription has none. */
    Object key(RecordedEvent e) {
        if (partitionBy == null) {
            return null;
        }
        Object k = partitionBy.apply(e);
        return k == null ? null : k.toString();
    }

    /** Whether an event without a key could be handed out now. */
    boolean hasRoom() {
        return partitionBy == null && pool.hasRoom();
    }

    /**
     * The subscriber for an event with {@code key}, its room reserved (see {@link ConsumerPool#pick}); null when
     * none has room. The event must then be sent to it.
     */
    Slot pick(Object key, Slot avoid) {
        Slot target = pool.pick(key, avoid);
        if (target != null) {
            outstanding.incrementAndGet();
        }
        return target;
    }

    /** Hands {@code e} to {@code target}, picked for it (a subscriber on this thread may handle it at once). */
    void send(Slot target, RecordedEvent e, Object key, long holding, FencingToken token) {
        target.offer(new Delivery(e, holding, token, key, owner));
    }

    /** From a subscriber, on any thread. */
    void acked(Slot slot, Delivery delivery) {
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
            if (ack.delivery().holding() == holding) {
                checkpoints.acked(ack.delivery().event().eventNumber());
                n++;
            }
        }
        return n;
    }

    /** Deliveries given back by {@code from} (in order): they go out again before anything new. */
    void givenBack(Slot from, List<Delivery> deliveries) {
        long notBefore = pool.size() <= 1 && pool.slots().contains(from)
                ? System.nanoTime() + lonelyGiveBackNanos : System.nanoTime();
        for (Delivery d : deliveries) {
            returned.add(new Returned(d, from, notBefore));
        }
    }

    /** A delivery is over at {@code slot}: its room there is free again. */
    void finished(Slot slot, Delivery d) {
        pool.release(slot, d);
        outstanding.decrementAndGet();
    }

    /**
     * Hands the given-back events of {@code holding} out again, oldest first, while subscribers have room. True
     * when none is left waiting (new events may go out); false while some wait (nothing new may overtake them).
     */
    boolean sendReturned(long holding, FencingToken token) {
        Returned r;
        while ((r = returned.peek()) != null) {
            if (r.delivery().holding() != holding) {
                returned.remove(r); // of an ended holding: the checkpoint did not pass it, the next holder has it
                continue;
            }
            if (System.nanoTime() - r.notBeforeNanos() < 0) {
                return false;
            }
            Delivery d = r.delivery();
            Slot target = pick(d.key(), r.from());
            if (target == null) {
                return false;
            }
            returned.remove(r);
            send(target, d.event(), d.key(), holding, token);
        }
        return true;
    }

    /** Milliseconds until a given-back event may go out again; Long.MAX_VALUE when none waits. */
    long millisUntilReturnedDue() {
        Returned r = returned.peek();
        if (r == null) {
            return Long.MAX_VALUE;
        }
        return Math.max(1, TimeUnit.NANOSECONDS.toMillis(r.notBeforeNanos() - System.nanoTime()));
    }

    boolean hasReturned() {
        return !returned.isEmpty();
    }

    /**
     * Hands events to subscribers with room: first those given back (nothing new overtakes them), then those
     * waiting for their key's subscriber, then new ones while the redelivery bound allows. A keyed event whose
     * subscriber is busy waits in its key's line, so one busy key never holds up the others. Nothing goes out
     * once the subscription has {@code halted}; {@code placement} says which events are this partition's (null:
     * all).
     */
    void handOut(Holding h, EventFeed feed, Predicate<RecordedEvent> placement, BooleanSupplier halted) {
        long releases = pool.releases();
        handOutNow(h, feed, placement, halted);
        if (!halted.getAsBoolean() && (!feed.isEmpty() || waitingCount > 0 || !returned.isEmpty())) {
            pool.wantRoom(wakeUp, releases); // woken when a subscriber has room again (or by the acks it waits for)
        }
    }

    private void handOutNow(Holding h, EventFeed feed, Predicate<RecordedEvent> placement, BooleanSupplier halted) {
        Checkpoints cp = h.checkpoints;
        if (halted.getAsBoolean() || !sendReturned(h.number, h.token)) {
            return;
        }
        sendWaiting(h.number, h.token);
        while (!feed.isEmpty() && !halted.getAsBoolean()) {
            drainAcks(h.number, cp); // a subscriber on this thread has acknowledged already
            if (!cp.mayDeliver(waitingCount)) {
                cp.saveIfDue(); // too many acknowledged (or waiting) events unsaved: the next one waits
                return;
            }
            RecordedEvent e = feed.peek();
            if (placement != null && !placement.test(e)) {
                feed.poll();
                cp.passed(e.eventNumber()); // another partition's
                continue;
            }
            if (selector != null && !selector.test(e)) {
                feed.poll();
                cp.skipped(e.eventNumber());
                continue;
            }
            Object key = key(e);
            Slot target = keyWaits(key) ? null : pick(key, null);
            if (target == null) {
                if (key == null || concurrencyLimit <= 1 || waitingCount >= maxQueueSize
                        || !cp.mayDeliver(waitingCount + 1)) {
                    // nobody has room, one subscriber keeps every event in order, enough wait already, or one
                    // more waiting event would break the redelivery bound
                    return;
                }
                // its key's subscriber is busy: the event waits for it, and later events of other keys go on
                feed.poll();
                cp.sent(e.eventNumber());
                await(key, e, h.number);
                continue;
            }
            feed.poll();
            cp.sent(e.eventNumber());
            send(target, e, key, h.number, h.token);
            if (hasReturned()) {
                return; // a subscriber on this thread gave one back: it goes out first
            }
        }
        drainAcks(h.number, cp);
    }

    /** When the oldest call of {@code holding} still running started (System.nanoTime); MAX_VALUE when none. */
    long oldestCallSince(long holding) {
        long oldest = Long.MAX_VALUE;
        for (Slot s : pool.slots()) {
            oldest = Math.min(oldest, s.oldestCallSince(owner, holding));
        }
        return oldest;
    }

    /** Abandons every call of {@code holding} (interrupts the running ones, cancels their stages); returns them. */
    List<Delivery> abandon(long holding) {
        List<Delivery> abandoned = new ArrayList<>();
        for (Slot s : pool.slots()) {
            abandoned.addAll(s.abandon(owner, holding));
        }
        return abandoned;
    }

    /** Calls of this subscription abandoned past their deadline that still run (they ignored the interrupt). */
    int abandonedRunning() {
        int n = 0;
        for (Slot s : pool.slots()) {
            n += s.abandonedRunning(owner);
        }
        return n;
    }

    /** Whether nothing handed out is unfinished. */
    boolean idle() {
        return outstanding.get() == 0;
    }
}
