package org.jeventstore.subscriptions;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.jeventstore.RecordedEvent;
import org.jeventstore.StreamDeletedException;
import org.jeventstore.StreamNotFoundException;
import org.jeventstore.Subscription;
import org.jeventstore.SubscriptionHandler;
import org.jeventstore.SubscriptionOptions;
import org.jeventstore.SubscriptionState;
import org.jeventstore.storage.EventReader;

/**
 * One persistent subscription on this server: a single worker loop (a long-running task) that is the
 * subscription's state machine.
 *
 * <pre>
 *  INITIAL -> STANDBY (lock held elsewhere; retry every retryInterval)
 *          -> CATCHING_UP <-> SUBSCRIBED   (holding the lock)
 *          -> DISCONNECTED (lock or database lost; back to STANDBY/CATCHING_UP when it returns)
 *          -> STOPPED
 * </pre>
 *
 * Events always come from storage, read after the last event read: a notification only says "read again", so a
 * live batch can never be out of order or skip anything, and a lost notification is made good by the next one,
 * by a reconnect of the listener, or by the safety poll. Reading stops while {@code maxQueueSize} events wait for
 * subscribers (back-pressure without loss). The checkpoint saved is the contiguous low-water mark of acks; the
 * checkpoint timer only saves, it never changes the state. Saves run on another thread ({@link CheckpointSaver}),
 * except the last one when the worker stops.
 */
final class PersistentSubscription implements Subscription, Slot.Owner {

    private static final Logger LOG = Logger.getLogger(PersistentSubscription.class.getName());

    private final String streamId;
    private final String name;
    private final SubscriptionOptions options;
    private final SubscriptionRows rows;
    private final EventReader reader;
    private final AdvisoryLocks locks;
    private final int readBatchSize;
    private final Runnable onStopped;
    private final Slot[] slots;
    private final long createdId;
    private final java.util.function.Predicate<PersistentSubscription> yieldPolicy;
    private volatile long activeSince;
    /** Servers up when this subscription last yielded and nobody else took it: it stops yielding for them. */
    private int lonelyAt = -1;
    private static final long BALANCE_CHECK_NANOS = TimeUnit.SECONDS.toNanos(5);

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition signal = lock.newCondition();
    private final ConcurrentLinkedQueue<Object[]> acks = new ConcurrentLinkedQueue<>();
    private volatile boolean wake;
    private volatile boolean stopping;
    private volatile boolean readAgain = true;
    private volatile SubscriptionState state = SubscriptionState.INITIAL;
    private volatile long epoch;
    private final CheckpointSaver saver;
    private volatile boolean held;
    private volatile long heldId;
    private volatile long heldGeneration;
    private final java.util.concurrent.CountDownLatch stopped = new java.util.concurrent.CountDownLatch(1);

    PersistentSubscription(String streamId, String name, SubscriptionHandler handler, SubscriptionOptions options,
                           SubscriptionRows rows, EventReader reader, AdvisoryLocks locks, int readBatchSize,
                           Executor handlerExecutor, long createdId,
                           java.util.function.Predicate<PersistentSubscription> yieldPolicy, Runnable onStopped) {
        this.createdId = createdId;
        this.yieldPolicy = yieldPolicy;
        this.streamId = streamId;
        this.name = name;
        this.options = options;
        this.rows = rows;
        this.reader = reader;
        this.locks = locks;
        this.readBatchSize = readBatchSize;
        this.onStopped = onStopped;
        this.saver = new CheckpointSaver(rows, handlerExecutor, "'" + name + "' on '" + streamId + "'");
        // With one subscriber the worker calls the handler itself: no hand-off per event.
        Executor executor = options.concurrencyLimit() == 1 ? Runnable::run : handlerExecutor;
        this.slots = new Slot[options.concurrencyLimit()];
        for (int i = 0; i < slots.length; i++) {
            slots[i] = new Slot(i, executor, Objects.requireNonNull(handler, "handler"), this,
                    options.maxRetryBackoff());
        }
    }

    @Override
    public String streamId() {
        return streamId;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public SubscriptionState state() {
        return state;
    }

    @Override
    public long checkpoint() {
        return saver.saved();
    }

    @Override
    public String describe() {
        return "'" + name + "' on '" + streamId + "'";
    }

    /** Whether this server delivers this subscription now. */
    boolean active() {
        return held;
    }

    long activeSince() {
        return activeSince;
    }

    /** New events may be in storage (a notification, a listener reconnect, a test). */
    void poke() {
        readAgain = true;
        wakeUp();
    }

    @Override
    public void close() {
        requestStop();
        awaitStopped();
    }

    void requestStop() {
        stopping = true;
        wakeUp();
    }

    void awaitStopped() {
        try {
            if (!stopped.await(30, TimeUnit.SECONDS)) {
                LOG.warning("JES0213W subscription " + describe() + " did not stop within 30 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The worker loop: runs until closed, surviving every failure of its own. */
    void run() {
        long backoff = 100;
        try {
            long subscriptionId = createdId;
            while (!stopping) {
                try {
                    if (subscriptionId < 0) {
                        subscriptionId = rows.createOrGet(streamId, name, options.startFrom());
                    }
                    long gen = locks.tryLock(subscriptionId);
                    if (gen < 0) {
                        state = SubscriptionState.STANDBY;
                        await(options.retryInterval().toMillis());
                        continue;
                    }
                    try {
                        state = SubscriptionState.CATCHING_UP;
                        // Fencing: a previous holder whose session just died may still be finishing its last
                        // check interval; start only after it has surely stopped.
                        pauseUnlessStopping(AdvisoryLocks.TAKEOVER_GRACE_MILLIS);
                        boolean yielded = deliver(subscriptionId, gen);
                        backoff = 100;
                        if (yielded) {
                            locks.unlock(subscriptionId, gen);
                            state = SubscriptionState.STANDBY;
                            int servers = locks.servers();
                            // leave a standby server time to take it; if nobody has by then, stop yielding
                            pauseUnlessStopping(Math.max(3_000, 3 * options.retryInterval().toMillis()));
                            long again = locks.tryLock(subscriptionId);
                            if (again >= 0) {
                                lonelyAt = servers;
                                locks.unlock(subscriptionId, again);
                            }
                            continue;
                        }
                    } finally {
                        locks.unlock(subscriptionId, gen);
                    }
                } catch (RuntimeException e) {
                    state = SubscriptionState.DISCONNECTED;
                    LOG.log(Level.WARNING, "JES0211W subscription " + describe() + " failed; retrying in " + backoff
                            + " ms: " + e.getMessage(), e);
                    await(backoff);
                    backoff = Math.min(backoff * 2, 5_000);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            epoch++;
            state = SubscriptionState.STOPPED;
            // the name is free before close() returns, so the caller may subscribe again at once
            onStopped.run();
            stopped.countDown();
        }
    }

    /**
     * Holding the lock: catch up and follow until closed, the lock is lost, or (returning true) the subscription
     * yields its lock to balance the servers.
     */
    private boolean deliver(long subscriptionId, long gen) throws InterruptedException {
        long myEpoch = ++epoch;
        heldId = subscriptionId;
        heldGeneration = gen;
        activeSince = System.nanoTime();
        held = true;
        boolean yielding = false;
        long lastBalanceCheck = System.nanoTime();
        long checkpoint = rows.checkpoint(subscriptionId);
        saver.reset(subscriptionId, checkpoint);
        CheckpointTracker tracker = new CheckpointTracker(checkpoint);
        ArrayDeque<RecordedEvent> queue = new ArrayDeque<>();
        long lastRead = checkpoint;
        long unsaved = 0;
        long lastSaveNanos = System.nanoTime();
        long lastReadNanos = System.nanoTime();
        acks.clear();
        for (Slot s : slots) {
            s.inFlight = 0;
            s.keys.clear();
        }
        readAgain = true;
        state = SubscriptionState.CATCHING_UP;
        // Storage is read a whole page at a time, once the queue has room for one: refilling it as soon as a
        // single event has left it would read one event per round trip while catching up.
        int page = Math.min(readBatchSize, options.maxQueueSize());
        LOG.info(() -> "JES0212I subscription " + describe() + " active on this server from checkpoint " + checkpoint);
        try {
            while (!stopping && locks.holds(subscriptionId, gen)) {
                if (System.nanoTime() - lastBalanceCheck > BALANCE_CHECK_NANOS) {
                    lastBalanceCheck = System.nanoTime();
                    if (locks.servers() != lonelyAt && yieldPolicy.test(this)) {
                        LOG.info(() -> "JES0219I subscription " + describe() + " hands its lock to another server"
                                + " (balancing)");
                        yielding = true;
                        break;
                    }
                }
                // 1. acknowledgements -> low-water mark
                unsaved += drainAcks(tracker, myEpoch);
                // 2. read more when there is room and something may be there
                if (readAgain && options.maxQueueSize() - queue.size() >= page) {
                    readAgain = false;
                    int want = Math.min(readBatchSize, options.maxQueueSize() - queue.size());
                    List<RecordedEvent> batch = read(lastRead + 1, want);
                    lastReadNanos = System.nanoTime();
                    if (!batch.isEmpty()) {
                        queue.addAll(batch);
                        lastRead = batch.get(batch.size() - 1).eventNumber();
                    }
                    if (batch.size() == want) {
                        readAgain = true; // more may be stored
                        state = SubscriptionState.CATCHING_UP;
                    }
                }
                // 3. hand queued events to subscribers with room
                while (!queue.isEmpty()) {
                    RecordedEvent e = queue.peek();
                    if (options.selector() != null && !options.selector().test(e)) {
                        queue.poll();
                        tracker.skipped(e.eventNumber());
                        unsaved++;
                        continue;
                    }
                    Object key = options.partitionBy() == null ? null : options.partitionBy().apply(e);
                    Slot target = pick(key);
                    if (target == null) {
                        break;
                    }
                    queue.poll();
                    tracker.sent(e.eventNumber());
                    target.inFlight++;
                    if (key != null) {
                        target.keys.merge(key, 1, Integer::sum);
                    }
                    target.offer(new Slot.Delivery(e, myEpoch, key));
                }
                // 4. checkpoint by threshold or by time; never a state change
                long mark = tracker.lowWaterMark();
                if (mark > saver.saved() && (unsaved >= options.checkpointThreshold()
                        || System.nanoTime() - lastSaveNanos >= options.checkpointAfter().toNanos())) {
                    saver.request(mark); // saved on another thread: reading and delivery go on
                    unsaved = 0;
                    lastSaveNanos = System.nanoTime();
                }
                // 5. wait when there is nothing to do now
                boolean busy = !acks.isEmpty() || (readAgain && options.maxQueueSize() - queue.size() >= page)
                        || (!queue.isEmpty() && pick(null) != null && options.partitionBy() == null);
                if (!busy) {
                    if (queue.isEmpty() && tracker.inFlight() == 0) {
                        state = SubscriptionState.SUBSCRIBED; // everything read has been handled
                    }
                    long waitMs = Math.min(1000, options.safetyPoll().toMillis());
                    if (tracker.lowWaterMark() > saver.saved()) {
                        waitMs = Math.min(waitMs, Math.max(1, options.checkpointAfter().toMillis()));
                    }
                    await(waitMs);
                    if (System.nanoTime() - lastReadNanos >= options.safetyPoll().toNanos()) {
                        readAgain = true; // safety poll: a notification may have been lost
                    }
                }
            }
        } finally {
            drainAcks(tracker, myEpoch);
            epoch++;
            held = false;
            long mark = tracker.lowWaterMark();
            if (mark > saver.saved()) {
                try {
                    saver.awaitIdle(5_000);
                    saver.saveNow(mark);
                } catch (RuntimeException e) {
                    LOG.warning("JES0215W subscription " + describe() + " could not save checkpoint " + mark
                            + " on stopping; unsaved events will be delivered again: " + e.getMessage());
                }
            }
            if (!stopping && !yielding) {
                state = SubscriptionState.DISCONNECTED;
                LOG.warning("JES0216W subscription " + describe() + " stopped delivering: lock lost");
            }
        }
        return yielding;
    }

    private int drainAcks(CheckpointTracker tracker, long myEpoch) {
        int n = 0;
        Object[] ack;
        while ((ack = acks.poll()) != null) {
            Slot s = (Slot) ack[0];
            Slot.Delivery d = (Slot.Delivery) ack[1];
            if (d.epoch() != myEpoch) {
                continue;
            }
            s.inFlight--;
            if (d.key() != null) {
                s.keys.computeIfPresent(d.key(), (k, c) -> c == 1 ? null : c - 1);
            }
            tracker.acked(d.event().eventNumber());
            n++;
        }
        return n;
    }

    private List<RecordedEvent> read(long from, int count) {
        try {
            return reader.read(streamId, from, count, true);
        } catch (StreamNotFoundException e) {
            return List.of(); // nothing appended to it yet
        } catch (StreamDeletedException e) {
            LOG.warning("JES0217W subscription " + describe() + ": the stream is deleted; nothing more to deliver");
            return List.of();
        }
    }

    /** The subscriber for an event with {@code key}: the one already holding that key, else the least loaded. */
    private Slot pick(Object key) {
        if (key != null) {
            for (Slot s : slots) {
                if (s.keys.containsKey(key)) {
                    return s.inFlight < options.bufferSize() ? s : null;
                }
            }
        }
        Slot best = null;
        for (Slot s : slots) {
            if (s.inFlight < options.bufferSize() && (best == null || s.inFlight < best.inFlight)) {
                best = s;
            }
        }
        return best;
    }

    // Slot.Owner

    @Override
    public void acked(Slot slot, Slot.Delivery delivery) {
        acks.add(new Object[] {slot, delivery});
        if (slots.length > 1) {
            wakeUp();
        }
    }

    @Override
    public boolean current(long e) {
        // Also asks the lock: a handler retrying on the worker's own thread must notice a lost lock at once.
        return !stopping && e == epoch && held && locks.holds(heldId, heldGeneration);
    }

    @Override
    public boolean pause(long e, Duration wait) throws InterruptedException {
        long deadline = System.nanoTime() + wait.toNanos();
        while (current(e)) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return current(e);
            }
            await(Math.max(1, Math.min(TimeUnit.NANOSECONDS.toMillis(left), 200)));
        }
        return false;
    }

    private void wakeUp() {
        lock.lock();
        try {
            wake = true;
            signal.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Waits the full time unless stopping; wake-ups are left for the delivery loop. */
    private void pauseUnlessStopping(long millis) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        lock.lock();
        try {
            long left;
            while (!stopping && (left = deadline - System.nanoTime()) > 0) {
                signal.awaitNanos(left);
            }
        } finally {
            lock.unlock();
        }
    }

    private void await(long millis) throws InterruptedException {
        lock.lock();
        try {
            if (!wake && !stopping) {
                signal.await(millis, TimeUnit.MILLISECONDS);
            }
            wake = false;
        } finally {
            lock.unlock();
        }
    }
}
