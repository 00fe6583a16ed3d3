package org.jeventstore.subscriptions;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.jeventstore.FencingToken;
import org.jeventstore.RecordedEvent;
import org.jeventstore.Subscription;
import org.jeventstore.SubscriptionHandler;
import org.jeventstore.SubscriptionOptions;
import org.jeventstore.SubscriptionState;
import org.jeventstore.storage.EventReader;
import org.jeventstore.subscriptions.SubscriptionFsm.Trigger;

/**
 * One persistent subscription on this server: a single worker loop (a long-running task) that runs the step of
 * its current state and lets {@link SubscriptionFsm}'s table say where the step's outcome leads. Beside it:
 * {@link AdvisoryLocks} (who may deliver), {@link EventFeed} (what is read from storage), {@link Dispatcher} (the
 * subscribers), {@link Checkpoints} (acks, saves, the redelivery bound), {@link Balancer} (hand-overs to spread
 * the load).
 *
 * <p>Fencing: taking the lock advances the subscription's epoch in the database; checkpoint saves carry it and
 * are refused once a newer holder has taken over, which stops this holding; handlers get it as a
 * {@link FencingToken}. A holding that ends gracefully (closed, handed over) first lets its in-flight events
 * finish, saves, then releases the lock.
 */
final class PersistentSubscription implements Subscription, Slot.Owner {

    private static final Logger LOG = Logger.getLogger(PersistentSubscription.class.getName());
    /** How long a graceful hand-over waits for in-flight events to finish (their handlers run on). */
    static final long DRAIN_MILLIS = 20_000;

    private final String streamId;
    private final String name;
    private final SubscriptionOptions options;
    private final SubscriptionRows rows;
    private final AdvisoryLocks locks;
    private final Runnable onStopped;
    private final EventFeed feed;
    private final Dispatcher dispatcher;
    private final CheckpointSaver saver;
    private final Balancer balancer;
    private final SubscriptionFsm fsm = new SubscriptionFsm();

    private final CountDownLatch stopped = new CountDownLatch(1);
    private volatile boolean stopping;
    private volatile Thread worker;
    private final WorkerSignal signal = new WorkerSignal(() -> stopping);

    private long subscriptionId;
    private long backoff = 100;
    /** The current holding of the lock, or null; its fields are the worker's, except where volatile. */
    private volatile Holding holding;
    private long holdings;

    /** One holding of the lock: from taking it to releasing it. */
    private static final class Holding {
        final long number;
        final long generation;
        final FencingToken token;
        final Checkpoints checkpoints;
        final long since = System.nanoTime();
        volatile boolean draining;
        long lastVerifiedNanos = System.nanoTime();

        Holding(long number, long generation, FencingToken token, Checkpoints checkpoints) {
            this.number = number;
            this.generation = generation;
            this.token = token;
            this.checkpoints = checkpoints;
        }
    }

    PersistentSubscription(String streamId, String name, SubscriptionHandler handler, SubscriptionOptions options,
                           SubscriptionRows rows, EventReader reader, AdvisoryLocks locks, int readBatchSize,
                           Executor handlerExecutor, long createdId, Predicate<PersistentSubscription> yieldPolicy,
                           Runnable onStopped) {
        this.subscriptionId = createdId;
        this.streamId = streamId;
        this.name = name;
        this.options = options;
        this.rows = rows;
        this.locks = locks;
        this.onStopped = onStopped;
        this.feed = new EventFeed(reader, streamId, describe(), readBatchSize, options);
        this.saver = new CheckpointSaver(rows, handlerExecutor, describe(), signal::wakeUp);
        this.balancer = new Balancer(yieldPolicy, locks);
        this.dispatcher = new Dispatcher(options.concurrencyLimit(), options.bufferSize(), options.partitionBy(),
                handler, handlerExecutor, this, options.maxRetryBackoff());
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
        return fsm.state();
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
        return holding != null;
    }

    long activeSince() {
        Holding h = holding;
        return h == null ? Long.MIN_VALUE : h.since;
    }

    /** New events may be in storage (a notification, a listener reconnect, a test). */
    void poke() {
        feed.poke();
        signal.wakeUp();
    }

    /** Stops delivering (letting in-flight events finish), saves the checkpoint, frees the lock and the name. */
    @Override
    public void close() {
        requestStop();
        awaitStopped();
    }

    void requestStop() {
        stopping = true;
        signal.wakeUp();
    }

    void awaitStopped() {
        try {
            if (!stopped.await(DRAIN_MILLIS + 10_000, TimeUnit.MILLISECONDS)) {
                LOG.warning("JES0213W subscription " + describe() + " did not stop within "
                        + (DRAIN_MILLIS + 10_000) / 1000 + " s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The worker loop: runs the current state's step until stopped, surviving every failure of its own. */
    void run() {
        worker = Thread.currentThread();
        try {
            while (fsm.state() != SubscriptionState.STOPPED) {
                Trigger trigger;
                try {
                    trigger = stopping ? Trigger.CLOSED : step();
                } catch (RuntimeException e) {
                    LOG.log(Level.WARNING, "JES0211W subscription " + describe() + " failed; retrying in " + backoff
                            + " ms: " + e.getMessage(), e);
                    trigger = Trigger.FAILED;
                }
                if (trigger != null) {
                    transition(trigger);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            if (holding != null) {
                endHolding(Trigger.CLOSED);
            }
            fsm.fire(Trigger.CLOSED);
        } finally {
            // the name is free before close() returns, so the caller may subscribe again at once
            onStopped.run();
            stopped.countDown();
        }
    }

    private Trigger step() throws InterruptedException {
        return switch (fsm.state()) {
            case INITIAL -> create();
            case STANDBY -> tryToHold();
            case CATCHING_UP, SUBSCRIBED -> deliver();
            case DISCONNECTED -> retryAfterBackoff();
            case STOPPED -> throw new IllegalStateException("no step when stopped");
        };
    }

    /** Leaving a holding state first ends the holding (drain when graceful, save, unlock). */
    private void transition(Trigger trigger) {
        if (SubscriptionFsm.holding(fsm.state()) && !SubscriptionFsm.holding(fsm.next(trigger))) {
            trigger = endHolding(trigger);
        }
        SubscriptionState from = fsm.state();
        SubscriptionState to = fsm.fire(trigger);
        if (to == SubscriptionState.STOPPED && trigger == Trigger.DELETED) {
            LOG.warning("JES0225W subscription " + describe() + " was deleted; stopped on this server (" + from + ")");
        }
    }

    // INITIAL

    private Trigger create() {
        if (subscriptionId < 0) {
            subscriptionId = rows.createOrGet(streamId, name, options.startFrom());
        }
        return Trigger.CREATED;
    }

    // STANDBY

    private Trigger tryToHold() throws InterruptedException {
        long afterYield = balancer.pauseAfterYieldMillis(options.retryInterval().toMillis());
        if (afterYield > 0) {
            signal.pauseUnlessStopping(afterYield); // leave a standby server time to take it
        }
        long gen = locks.tryLock(subscriptionId);
        if (gen < 0) {
            balancer.lockBusy();
            if (!rows.exists(subscriptionId)) {
                return Trigger.DELETED;
            }
            signal.await(options.retryInterval().toMillis());
            return Trigger.LOCK_BUSY;
        }
        Optional<SubscriptionRows.Holding> taken;
        try {
            taken = rows.takeOver(subscriptionId);
        } catch (RuntimeException e) {
            locks.unlock(subscriptionId, gen);
            throw e;
        }
        if (taken.isEmpty()) {
            locks.unlock(subscriptionId, gen);
            return Trigger.DELETED;
        }
        // The epoch is advanced: the previous holder's saves are refused from now on. Its handlers may still be
        // finishing the events they had; leave them the time its lock check takes to notice, before delivering.
        signal.pauseUnlessStopping(AdvisoryLocks.TAKEOVER_GRACE_MILLIS);
        long checkpoint = taken.get().checkpoint();
        FencingToken token = new FencingToken(streamId, name, taken.get().epoch());
        saver.reset(subscriptionId, token.epoch(), checkpoint);
        Checkpoints checkpoints = new Checkpoints(saver, checkpoint, options.checkpointThreshold(),
                options.checkpointAfter().toMillis());
        dispatcher.reset();
        feed.start(checkpoint);
        balancer.holdingStarted();
        backoff = 100;
        holding = new Holding(++holdings, gen, token, checkpoints);
        LOG.info(() -> "JES0212I subscription " + describe() + " active on this server from checkpoint " + checkpoint
                + " (epoch " + token.epoch() + ")");
        return Trigger.LOCKED;
    }

    // CATCHING_UP, SUBSCRIBED: one round of reading, handing out and saving; null = state unchanged

    private Trigger deliver() throws InterruptedException {
        Holding h = holding;
        Checkpoints cp = h.checkpoints;
        if (!locks.holds(subscriptionId, h.generation)) {
            return Trigger.LOCK_LOST;
        }
        Trigger refused = refusal(saver.standing());
        if (refused != null) {
            return refused;
        }
        if (System.nanoTime() - h.lastVerifiedNanos >= options.retryInterval().toNanos()) {
            // a deletion (or a newer holder) shows up here even when nothing is saved
            h.lastVerifiedNanos = System.nanoTime();
            refused = refusal(rows.standing(subscriptionId, h.token.epoch()));
            if (refused != null) {
                return refused;
            }
        }
        if (balancer.shouldYield(this)) {
            LOG.info(() -> "JES0219I subscription " + describe() + " hands its lock to another server (balancing)");
            return Trigger.YIELDED;
        }
        dispatcher.drainAcks(h.number, cp);
        Trigger outcome = feed.readIfWanted() ? Trigger.BEHIND : null;
        handOut(h);
        cp.saveIfDue();
        boolean busy = dispatcher.hasAcks() || feed.wantsToRead()
                || (!feed.isEmpty() && cp.mayDeliver() && dispatcher.hasRoom());
        if (!busy) {
            if (feed.isEmpty() && cp.inFlight() == 0 && outcome == null) {
                outcome = Trigger.CAUGHT_UP; // everything read has been handled
            }
            long untilVerify = options.retryInterval().toMillis()
                    - TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - h.lastVerifiedNanos);
            signal.await(Math.max(1, Math.min(Math.min(Math.min(1000, options.safetyPoll().toMillis()),
                    cp.millisUntilSaveDue()), untilVerify)));
            feed.pollIfDue();
        }
        return outcome;
    }

    /** Hands queued events to subscribers with room, while the redelivery bound allows. */
    private void handOut(Holding h) {
        Checkpoints cp = h.checkpoints;
        while (!feed.isEmpty()) {
            dispatcher.drainAcks(h.number, cp); // a subscriber on this thread has acknowledged already
            if (!cp.mayDeliver()) {
                cp.saveIfDue(); // too many acknowledged events unsaved: the next one waits for the save
                return;
            }
            RecordedEvent e = feed.peek();
            if (options.selector() != null && !options.selector().test(e)) {
                feed.poll();
                cp.skipped(e.eventNumber());
                continue;
            }
            Object key = dispatcher.key(e);
            Slot target = dispatcher.pick(key);
            if (target == null) {
                return;
            }
            feed.poll();
            cp.sent(e.eventNumber());
            dispatcher.send(target, e, h.number, h.token, key);
        }
        dispatcher.drainAcks(h.number, cp);
    }

    private static Trigger refusal(SubscriptionRows.Standing standing) {
        return switch (standing) {
            case CURRENT -> null;
            case FENCED -> Trigger.FENCED;
            case DELETED -> Trigger.DELETED;
        };
    }

    /**
     * The exit of every holding state. Graceful (closed, handed over): in-flight events may finish first (at most
     * DRAIN_MILLIS, and only while the lock is held), so the next holder does not get them again. Then the final
     * save (refused when fenced) and the lock's release. Returns the trigger to take: a deletion found by the
     * final save turns it into DELETED.
     */
    private Trigger endHolding(Trigger why) {
        Holding h = holding;
        Checkpoints cp = h.checkpoints;
        h.draining = true;
        if (why == Trigger.CLOSED || why == Trigger.YIELDED) {
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(DRAIN_MILLIS);
            while (!dispatcher.idle() && System.nanoTime() < deadline && !Thread.currentThread().isInterrupted()
                    && locks.holds(subscriptionId, h.generation)) {
                dispatcher.drainAcks(h.number, cp);
                signal.awaitQuietly(50);
            }
            if (!dispatcher.idle()) {
                LOG.warning("JES0226W subscription " + describe() + ": handlers still running after the drain; their"
                        + " events will be delivered again by the next holder");
            }
        }
        dispatcher.drainAcks(h.number, cp);
        holding = null;
        long mark = cp.lowWaterMark();
        if (mark > saver.saved() && why != Trigger.FENCED && why != Trigger.DELETED) {
            try {
                saver.awaitIdle(5_000);
                Trigger refused = refusal(saver.saveNow(mark));
                if (refused == Trigger.DELETED || (refused != null && why == Trigger.LOCK_LOST)) {
                    why = refused;
                }
            } catch (RuntimeException e) {
                LOG.warning("JES0215W subscription " + describe() + " could not save checkpoint " + mark
                        + " on stopping; unsaved events will be delivered again: " + e.getMessage());
            }
        }
        locks.unlock(subscriptionId, h.generation);
        if (why == Trigger.LOCK_LOST || why == Trigger.FENCED) {
            LOG.warning("JES0216W subscription " + describe() + " stopped delivering: "
                    + (why == Trigger.FENCED ? "another server took over (epoch " + h.token.epoch() + " fenced)"
                    : "lock lost"));
        }
        return why;
    }

    // DISCONNECTED

    private Trigger retryAfterBackoff() throws InterruptedException {
        signal.await(backoff);
        backoff = Math.min(backoff * 2, 5_000);
        return Trigger.RETRY;
    }

    // Slot.Owner

    @Override
    public void acked(Slot slot, Slot.Delivery delivery) {
        dispatcher.acked(slot, delivery);
        if (Thread.currentThread() != worker) {
            signal.wakeUp(); // the worker finds the acknowledgements of a subscriber on its own thread itself
        }
    }

    @Override
    public boolean current(long number) {
        Holding h = holding;
        // Also asks the lock: a handler retrying on the worker's own thread must notice a lost lock at once.
        return h != null && h.number == number && !h.draining && !stopping
                && locks.holds(subscriptionId, h.generation);
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
    public void idle(Slot slot) {
        Holding h = holding;
        if (h != null && h.draining) {
            signal.wakeUp();
        }
    }
}
