package org.jeventstore.subscriptions;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Function;
import java.util.function.LongConsumer;
import java.util.function.LongSupplier;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.jeventstore.Subscription;
import org.jeventstore.SubscriptionHandler;
import org.jeventstore.SubscriptionOptions;
import org.jeventstore.TooManySubscribersException;

/**
 * The subscribers ({@link Slot}s) one subscription has on this server, shared by every partition of it this server
 * holds, as Elixir's competing subscribers share one subscription: at most {@code concurrencyLimit} of them (one
 * more is refused), {@code bufferSize} events in flight each, whatever partition they come from.
 *
 * <p>Which subscriber gets an event: with a partition key, the one that has events of that key in flight (the key
 * stays with it until it has none, so a key is handled in order), else the least loaded with room. A subscriber
 * that leaves gives the events queued on it back to their partitions at once, and those still running once its
 * calls had time to finish. A partition that found no room registers a wake-up for the next release
 * ({@link #wantRoom}); a subscriber joining wakes every partition ({@link #onRoom}).
 */
final class ConsumerPool {

    private static final Logger LOG = Logger.getLogger(ConsumerPool.class.getName());
    /** How long a leaving subscriber's running calls may finish before their events go to the others. */
    static final long LEAVE_MILLIS = 20_000;

    /** A key and the subscriber that has its events in flight, with how many. */
    private static final class KeyAt {
        final Slot slot;
        int count;

        KeyAt(Slot slot) {
            this.slot = slot;
        }
    }

    private final String streamId;
    private final String name;
    private final int limit;
    private final int bufferSize;
    private final Executor callExecutor;
    private final Executor executor;
    private final Duration maxBackoff;
    private final int maxAttempts;
    private final Semaphore gate;
    /** Guarded by this: the subscribers, their events in flight, the keys in flight. */
    private final List<Slot> slots = new ArrayList<>();
    private final Map<Slot, Integer> inFlight = new IdentityHashMap<>();
    private final Map<Object, KeyAt> keys = new HashMap<>();
    private final List<Runnable> roomListeners = new CopyOnWriteArrayList<>();
    /**
     * Wake-ups of partitions that found no room, run (and forgotten) at the next release: only they are woken,
     * not every partition at every release.
     */
    private final Set<Runnable> starved = ConcurrentHashMap.newKeySet();
    /** Counts the releases; a partition reads it before it looks for room (see {@link #wantRoom}). */
    private final AtomicLong releases = new AtomicLong();
    /** Holdings of this subscription's lock(s) on this server now; guarded by this. */
    private int holdings;
    private volatile LongSupplier checkpoint = () -> 0;
    private long lastCheckpointTold = Long.MIN_VALUE;

    /**
     * The subscribers of a single-active subscription ({@code single}: one, calling its handler on the worker's own
     * thread) or of a partitioned one (up to {@code concurrencyLimit}, calling on {@code executor}, with the
     * server-wide limit {@code serverConcurrency} when set); {@code executor} also runs retries after a backoff
     * and checkpoint listeners.
     */
    ConsumerPool(String streamId, String name, SubscriptionOptions options, boolean single, Executor executor) {
        this.streamId = streamId;
        this.name = name;
        this.limit = single ? 1 : options.concurrencyLimit();
        this.bufferSize = options.bufferSize();
        this.callExecutor = single ? Runnable::run : executor;
        this.executor = executor;
        this.maxBackoff = options.maxRetryBackoff();
        this.maxAttempts = options.maxAttempts();
        // fair, so that no partition held here waits while the others take every turn
        this.gate = !single && options.serverConcurrency() > 0 ? new Semaphore(options.serverConcurrency(), true)
                : null;
    }

    int limit() {
        return limit;
    }

    /** The server-wide limit of this subscription's handler calls ({@code serverConcurrency}), or null. */
    Semaphore gate() {
        return gate;
    }

    /** Where the subscription's checkpoint, as its subscribers see it, is read after a save. */
    void checkpointFrom(LongSupplier source) {
        this.checkpoint = source;
    }

    /**
     * A subscriber joins, with {@code handler}; {@code handle} is what it was given (its Subscription).
     *
     * @throws TooManySubscribersException when {@code concurrencyLimit} subscribers are here already
     */
    Slot join(SubscriptionHandler handler, Function<Slot, Subscription> handle) {
        Slot slot = new Slot(callExecutor, executor, handler, maxBackoff, maxAttempts, gate);
        synchronized (this) {
            if (slots.size() >= limit) {
                throw new TooManySubscribersException(streamId, name, limit);
            }
            slots.add(slot);
            inFlight.put(slot, 0);
            slot.handle = handle.apply(slot);
            if (holdings > 0) {
                slot.subscribed.complete(slot.handle);
            }
        }
        roomListeners.forEach(Runnable::run);
        return slot;
    }

    /** How many subscribers are here. */
    synchronized int size() {
        return slots.size();
    }

    /**
     * {@code slot} leaves: it gets nothing more; what it has in flight goes back to its partitions, for the other
     * subscribers, at once (what is queued on it, and the stages it has pending, whose outcome is then ignored),
     * except a call running now: this returns once that has finished (up to LEAVE_MILLIS; its event then goes
     * back too). Returns whether it was the last subscriber.
     */
    boolean leave(Slot slot) {
        boolean last;
        synchronized (this) {
            if (!slots.remove(slot)) {
                return false;
            }
            last = slots.isEmpty();
        }
        slot.subscribed.completeExceptionally(new IllegalStateException("subscriber of '" + name + "' on '" + streamId
                + "' closed before the subscription was subscribed on this server"));
        // stages pending first: given back now, they go out before what was queued behind them
        slot.giveUpPending();
        for (Delivery d : slot.leave()) {
            d.owner().givenBack(slot, List.of(d));
            slot.finishQueued(d);
        }
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(LEAVE_MILLIS);
        while (slot.calling() && System.nanoTime() - deadline < 0 && !Thread.currentThread().isInterrupted()) {
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
        }
        if (slot.calling()) {
            LOG.warning("JES0272W subscription '" + name + "' on '" + streamId + "': a subscriber left while its"
                    + " handler was still running after " + LEAVE_MILLIS + " ms; that event goes to the other"
                    + " subscribers");
            slot.giveUpCall();
        }
        return last;
    }

    /**
     * The subscriber for an event with {@code key} (null: none), with room reserved for it: the one that has that
     * key in flight, else the least loaded with room, other than {@code avoid} (the one that gave the event back)
     * unless it is the only subscriber. Null when the chosen one has no room, or there is none.
     */
    synchronized Slot pick(Object key, Slot avoid) {
        Slot chosen = null;
        KeyAt at = key == null ? null : keys.get(key);
        if (at != null) {
            // the key waits for its subscriber: for room there, or, if it left, for its running call to end
            if (slots.contains(at.slot) && inFlight.get(at.slot) < bufferSize) {
                chosen = at.slot;
            }
        } else {
            for (Slot s : slots) {
                int n = inFlight.get(s);
                if (s != avoid && n < bufferSize && (chosen == null || n < inFlight.get(chosen))) {
                    chosen = s;
                }
            }
            if (chosen == null && avoid != null && slots.size() == 1 && slots.get(0) == avoid
                    && inFlight.get(avoid) < bufferSize) {
                chosen = avoid;
            }
        }
        if (chosen == null) {
            return null;
        }
        inFlight.merge(chosen, 1, Integer::sum);
        if (key != null) {
            if (at == null) {
                at = new KeyAt(chosen);
                keys.put(key, at);
            }
            at.count++;
        }
        return chosen;
    }

    /** Whether some subscriber has room for an event without a key. */
    synchronized boolean hasRoom() {
        for (Slot s : slots) {
            if (inFlight.get(s) < bufferSize) {
                return true;
            }
        }
        return false;
    }

    /** A delivery handed to {@code slot} is over there: its room is free again. */
    void release(Slot slot, Delivery d) {
        synchronized (this) {
            inFlight.computeIfPresent(slot, (s, n) -> n == 1 && !slots.contains(s) ? null : n - 1);
            if (d.key() != null) {
                KeyAt at = keys.get(d.key());
                if (at != null && at.slot == slot && --at.count == 0) {
                    keys.remove(d.key());
                }
            }
        }
        releases.incrementAndGet();
        if (!starved.isEmpty()) {
            for (Iterator<Runnable> it = starved.iterator(); it.hasNext(); ) {
                Runnable wakeUp = it.next();
                it.remove();
                wakeUp.run();
            }
        }
    }

    /** How many releases there have been: read before looking for room, for {@link #wantRoom}. */
    long releases() {
        return releases.get();
    }

    /**
     * A partition found no room (having read {@link #releases()} = {@code seen} before it looked): {@code wakeUp}
     * runs at the next release, or at once when one has come since {@code seen}.
     */
    void wantRoom(Runnable wakeUp, long seen) {
        starved.add(wakeUp);
        if (releases.get() != seen && starved.remove(wakeUp)) {
            wakeUp.run();
        }
    }

    /** {@code wakeUp} runs whenever a subscriber joins (room for every partition). */
    void onRoom(Runnable wakeUp) {
        roomListeners.add(wakeUp);
    }

    void removeRoomListener(Runnable wakeUp) {
        roomListeners.remove(wakeUp);
        starved.remove(wakeUp);
    }

    /** The subscribers now. */
    synchronized List<Slot> slots() {
        return List.copyOf(slots);
    }

    /** A handler of this subscription here (for a replay of parked events), or null when no subscriber is left. */
    synchronized SubscriptionHandler anyHandler() {
        return slots.isEmpty() ? null : slots.get(0).handler();
    }

    /** A holding of the lock (of any partition) began on this server: its subscribers are subscribed. */
    void holdingStarted() {
        List<Slot> now;
        synchronized (this) {
            holdings++;
            now = List.copyOf(slots);
        }
        for (Slot s : now) {
            s.subscribed.complete(s.handle);
        }
    }

    synchronized void holdingEnded() {
        holdings = Math.max(0, holdings - 1);
    }

    /** A save moved a checkpoint: listeners hear the subscription's checkpoint when it moved forward. */
    void checkpointMoved() {
        long now = checkpoint.getAsLong();
        List<Slot> told;
        synchronized (this) {
            if (now <= lastCheckpointTold) {
                return;
            }
            lastCheckpointTold = now;
            told = List.copyOf(slots);
        }
        for (Slot s : told) {
            for (LongConsumer listener : s.checkpointListeners) {
                try {
                    executor.execute(() -> {
                        try {
                            listener.accept(now);
                        } catch (RuntimeException e) {
                            LOG.log(Level.WARNING, "JES0273W a checkpoint listener of subscription '" + name
                                    + "' on '" + streamId + "' failed", e);
                        }
                    });
                } catch (RejectedExecutionException e) {
                    return; // shutting down
                }
            }
        }
    }
}
