package org.jeventstore.subscriptions;

import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
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
 *
 * <p>Poison events ({@code maxAttempts}): under {@code PARK} an exhausted event is recorded in {@code jes_parked}
 * ({@link ParkedEvents}, fenced like a checkpoint save) before it counts as acknowledged, so the checkpoint passes
 * it only once the row is committed; a new holding forgets the rows above its checkpoint and delivers those events
 * again (nothing lost, nothing parked twice). With {@code parkHoldsKey}, later events of a parked event's key are
 * parked behind it, never handled ({@link #heldBack}). Replays asked for by an operator are found when the
 * holding is verified (every {@code retryInterval}) and run on the worker before live delivery goes on. Under
 * {@code STOP} the subscription halts: it keeps its lock and delivers nothing more.
 */
final class PersistentSubscription implements Subscription, Slot.Owner {

    private static final Logger LOG = Logger.getLogger(PersistentSubscription.class.getName());
    /** How long a graceful hand-over waits for in-flight events to finish (their handlers run on). */
    static final long DRAIN_MILLIS = 20_000;
    /** How long close() waits for the worker before it detaches it: the drain and a final save. */
    static final long STOP_MILLIS = DRAIN_MILLIS + 10_000;

    private final String streamId;
    private final String name;
    private final SubscriptionOptions options;
    private final SubscriptionRows rows;
    private final ParkedEvents parked;
    private final SubscriptionHandler handler;
    /** Partition keys with parked events, each with its first parked event: their later events are held back. */
    private final Map<String, Long> heldKeys = new ConcurrentHashMap<>();
    /** Replays an operator asked for, as last seen (worker only). */
    private long replaysAsked;
    /** Set by a subscriber when an event exhausted its attempts under STOP; cleared when a holding starts. */
    private volatile String haltedBy;
    private final AdvisoryLocks locks;
    private final Runnable onStopped;
    private final EventFeed feed;
    private final Dispatcher dispatcher;
    private final CheckpointSaver saver;
    private final Balancer balancer;
    private final SubscriptionFsm fsm = new SubscriptionFsm();
    private final EventReader reader;

    private final CountDownLatch stopped = new CountDownLatch(1);
    /**
     * Events whose calls were abandoned past the handler deadline on this server, with how often: each counts as a
     * failed attempt, so that with maxAttempts an event that hangs every time is parked (or halts) instead of
     * holding the subscription for ever. Forgotten once the event is acknowledged.
     */
    private final Map<java.util.UUID, Integer> hung = new ConcurrentHashMap<>();
    private final java.util.concurrent.atomic.AtomicBoolean detached = new java.util.concurrent.atomic.AtomicBoolean();
    private final java.util.concurrent.atomic.AtomicBoolean nameFreed = new java.util.concurrent.atomic.AtomicBoolean();
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
        /** Ended by the handler deadline (from the watchdog's thread): nothing of it may start, retry or save. */
        volatile boolean abandoned;
        long lastVerifiedNanos = System.nanoTime();
        /** Whether the parked events' state has been read in this holding. */
        boolean parkedRead;

        Holding(long number, long generation, FencingToken token, Checkpoints checkpoints) {
            this.number = number;
            this.generation = generation;
            this.token = token;
            this.checkpoints = checkpoints;
        }
    }

    private final org.jeventstore.telemetry.Telemetry telemetry;
    private final String metricName;

    PersistentSubscription(String streamId, String name, SubscriptionHandler handler, SubscriptionOptions options,
                           SubscriptionRows rows, ParkedEvents parked, EventReader reader, AdvisoryLocks locks,
                           int readBatchSize, Executor handlerExecutor, long createdId,
                           Predicate<PersistentSubscription> yieldPolicy, Runnable onStopped,
                           org.jeventstore.telemetry.Telemetry telemetry, java.util.concurrent.Semaphore gate) {
        this.telemetry = telemetry;
        // metrics name a partition by its subscription (the family), as the handler's metrics do
        int hash = name.lastIndexOf('#');
        this.metricName = hash > 0 && PartitionedSubscription.isPartitionOf(name, name.substring(0, hash))
                ? name.substring(0, hash) : name;
        this.parked = parked;
        this.handler = handler;
        this.reader = reader;
        this.subscriptionId = createdId;
        this.streamId = streamId;
        this.name = name;
        this.options = options;
        this.rows = rows;
        this.locks = locks;
        this.onStopped = onStopped;
        this.feed = new EventFeed(reader, streamId, describe(), readBatchSize, options);
        this.saver = new CheckpointSaver(rows, handlerExecutor, describe(), () -> {
            telemetry.checkpointSaved(streamId, metricName);
            signal.wakeUp();
        });
        this.balancer = new Balancer(yieldPolicy, locks);
        this.dispatcher = new Dispatcher(options.concurrencyLimit(), options.bufferSize(), options.partitionBy(),
                handler, handlerExecutor, this, options.maxRetryBackoff(), options.maxAttempts(), gate);
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
        return detached.get() ? SubscriptionState.STOPPED : fsm.state();
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
        awaitStopped(System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(STOP_MILLIS));
    }

    /**
     * Waits until the worker has stopped, at most until {@code deadlineNanos} (System.nanoTime). A worker still
     * busy then (a handler call that does not return) is detached: its holding is abandoned (fenced, the lock
     * released, the call interrupted) and the name freed, so that close() is bounded, another server takes over
     * and the same name may be subscribed again; the worker exits whenever the call returns.
     */
    void awaitStopped(long deadlineNanos) {
        try {
            while (!stopped.await(Math.max(0, Math.min(50_000_000L, deadlineNanos - System.nanoTime())),
                    TimeUnit.NANOSECONDS)) {
                Holding h = holding;
                boolean stuckInAbandonedCall = (h == null || h.abandoned) && dispatcher.abandonedRunning() > 0;
                if (stuckInAbandonedCall || System.nanoTime() - deadlineNanos >= 0) {
                    detach(); // nothing to drain: waiting longer only keeps the name and the lock from others
                    return;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void detach() {
        if (!detached.compareAndSet(false, true)) {
            return;
        }
        Holding h = holding;
        LOG.warning("JES0213W subscription " + describe() + " did not stop in time (a handler call has not"
                + " returned); detached: " + (h == null ? "" : "its holding is abandoned and its lock released, ")
                + "its name is free, and its worker exits when the call returns");
        if (h != null) {
            abandon(h, "the subscription was closed and a handler call did not return");
        }
        freeName();
    }

    /** Runs onStopped once, whether the worker stops or the subscription is detached first. */
    private void freeName() {
        if (nameFreed.compareAndSet(false, true)) {
            onStopped.run();
        }
    }

    /**
     * The handler deadline, checked by the subscriptions' watchdog (never by the worker, which may be the thread
     * stuck in the call): a call of the current holding running past {@code handlerTimeout} ends that holding.
     */
    void enforceDeadline() {
        long limit = options.handlerTimeout().toNanos();
        Holding h = holding;
        if (limit <= 0 || h == null || h.abandoned) {
            return;
        }
        long since = dispatcher.oldestCallSince(h.number);
        long ran = System.nanoTime() - since;
        if (since == Long.MAX_VALUE || ran < limit) {
            return;
        }
        abandon(h, "a handler call has run for " + TimeUnit.NANOSECONDS.toMillis(ran) + " ms, past handlerTimeout "
                + options.handlerTimeout().toMillis() + " ms");
        telemetry.handlerTimedOut(streamId, metricName);
    }

    /**
     * Ends holding {@code h} from outside the worker: no save of it is accepted any more (its epoch is advanced in
     * the database, and refused here already), its lock is released so that a standby server (or this one, once
     * its worker is free) takes over from the checkpoint and delivers the event again, and its calls are
     * abandoned (interrupted, stages cancelled). The worker notices the lost lock at its next step.
     */
    private void abandon(Holding h, String why) {
        synchronized (h) {
            if (h.abandoned) {
                return;
            }
            h.abandoned = true;
        }
        LOG.severe("JES0227E subscription " + describe() + ": " + why + "; the call is abandoned (its thread"
                + " interrupted), the holding of epoch " + h.token.epoch() + " ends and its lock is released, so the"
                + " event is delivered again by the next holding (a call that ignores the interrupt may still finish"
                + " meanwhile: fenced handlers refuse its writes by their epoch)");
        saver.abandon(h.token.epoch());
        try {
            rows.abandon(subscriptionId, h.token.epoch());
        } catch (RuntimeException e) {
            LOG.warning("JES0228W subscription " + describe() + ": could not advance the epoch of the abandoned"
                    + " holding (the next holder's take-over does): " + e.getMessage());
        }
        locks.unlock(subscriptionId, h.generation);
        for (Slot.Delivery d : dispatcher.abandon(h.number)) {
            hung.merge(d.event().eventId(), 1, Integer::sum);
        }
        signal.wakeUp();
    }

    @Override
    public int hungAttempts(RecordedEvent event) {
        return hung.isEmpty() ? 0 : hung.getOrDefault(event.eventId(), 0);
    }

    /** Calls of ended holdings still running here (abandoned past their deadline, they ignored the interrupt). */
    int abandonedCalls() {
        return dispatcher.abandonedRunning();
    }

    /** The worker loop: runs the current state's step until stopped, surviving every failure of its own. */
    void run() {
        worker = Thread.currentThread();
        try {
            while (fsm.state() != SubscriptionState.STOPPED) {
                Trigger trigger;
                try {
                    trigger = stopping ? Trigger.CLOSED : step();
                } catch (RuntimeException | Error e) { // an Error too: the worker must never end unseen
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
            freeName();
            stopped.countDown();
        }
    }

    private Trigger step() throws InterruptedException {
        return switch (fsm.state()) {
            case INITIAL -> create();
            case STANDBY -> tryToHold();
            case CATCHING_UP, SUBSCRIBED -> deliver();
            case HALTED -> halted();
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
        haltedBy = null;
        heldKeys.clear(); // read again by the holding's first step, before it hands out anything
        replaysAsked = 0;
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
        if (haltedBy != null) {
            return Trigger.EXHAUSTED;
        }
        if (System.nanoTime() - h.lastVerifiedNanos >= options.retryInterval().toNanos()) {
            // a deletion (or a newer holder) shows up here even when nothing is saved
            h.lastVerifiedNanos = System.nanoTime();
            refused = refusal(rows.standing(subscriptionId, h.token.epoch()));
            if (refused != null) {
                return refused;
            }
            if (options.attemptsLimited()) {
                refreshParked(); // skips and replays asked for by an operator, on any server
            }
        }
        if (options.attemptsLimited() && !h.parkedRead) {
            refreshParked();
            h.parkedRead = true;
        }
        if (replaysAsked > 0) {
            replay(h);
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
        while (!feed.isEmpty() && haltedBy == null) {
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

    // HALTED: holds the lock, delivers nothing; in-flight events of other subscribers finish and are saved

    private Trigger halted() throws InterruptedException {
        Holding h = holding;
        if (!locks.holds(subscriptionId, h.generation)) {
            return Trigger.LOCK_LOST;
        }
        Trigger refused = refusal(saver.standing());
        if (refused != null) {
            return refused;
        }
        if (System.nanoTime() - h.lastVerifiedNanos >= options.retryInterval().toNanos()) {
            h.lastVerifiedNanos = System.nanoTime();
            refused = refusal(rows.standing(subscriptionId, h.token.epoch()));
            if (refused != null) {
                return refused;
            }
        }
        dispatcher.drainAcks(h.number, h.checkpoints);
        h.checkpoints.saveIfDue();
        signal.await(Math.max(1, Math.min(Math.min(1000, options.retryInterval().toMillis()),
                h.checkpoints.millisUntilSaveDue())));
        return null;
    }

    /** Why it halted (the event and its failure), or null. */
    String haltedBy() {
        return haltedBy;
    }

    // parking

    /** Reads what is parked now: the keys to hold back, the replays asked for. Worker only. */
    private void refreshParked() {
        // a key added by a subscriber after this snapshot was committed before it was added: never dropped here
        Set<String> before = Set.copyOf(heldKeys.keySet());
        ParkedEvents.State state = parked.state(subscriptionId);
        if (options.parkHoldsKey()) {
            state.heldKeys().forEach(heldKeys::putIfAbsent);
            for (String key : before) {
                if (!state.heldKeys().containsKey(key)) {
                    heldKeys.remove(key); // skipped or replayed to its end
                }
            }
        }
        replaysAsked = state.replays();
    }

    @Override
    public void exhausted(Slot slot, Slot.Delivery d, int attempts, Throwable failure) throws InterruptedException {
        RecordedEvent e = d.event();
        if (options.onExhausted() == SubscriptionOptions.OnExhausted.STOP) {
            haltedBy = "event " + e.eventNumber() + " (" + e.eventId() + ") failed " + attempts + " times: "
                    + failure;
            LOG.log(Level.SEVERE, "JES0242E subscription " + describe() + " halted: " + haltedBy + "; it holds its"
                    + " lock and delivers nothing until it is started again or its lock moves", failure);
            signal.wakeUp();
            return;
        }
        if (park(d, attempts, failure, null)) {
            telemetry.parked(streamId, metricName);
            LOG.log(Level.WARNING, "JES0240W subscription " + describe() + " parked event " + e.eventNumber() + " ("
                    + e.eventId() + " of stream '" + e.streamId() + "') after " + attempts + " failed attempts;"
                    + " delivery goes on: " + failure, failure);
            acked(slot, d);
        }
    }

    @Override
    public boolean heldBack(Slot slot, Slot.Delivery d) throws InterruptedException {
        if (d.key() == null || heldKeys.isEmpty() || !options.parkHoldsKey()) {
            return false;
        }
        Long behind = heldKeys.get(String.valueOf(d.key()));
        if (behind == null || behind >= d.event().eventNumber()) {
            return false;
        }
        if (park(d, 0, null, behind)) {
            LOG.warning(() -> "JES0241W subscription " + describe() + " parked event " + d.event().eventNumber()
                    + " unhandled behind parked event " + behind + " of its key '" + d.key() + "'");
            acked(slot, d);
        }
        return true;
    }

    /**
     * Writes the parked row (retried with backoff while the database fails); true once it is committed, false
     * when the holding ended first (the event is then delivered again by the next holding).
     */
    private boolean park(Slot.Delivery d, int attempts, Throwable failure, Long heldBehind)
            throws InterruptedException {
        String key = d.key() == null ? null : String.valueOf(d.key());
        long backoff = 100;
        while (current(d.holding())) {
            try {
                ParkedEvents.Parking parking = parked.park(subscriptionId, d.token().epoch(), d.event(), key,
                        attempts, failure, heldBehind);
                if (parking.standing() != SubscriptionRows.Standing.CURRENT) {
                    saver.refused(d.token().epoch(), parking.standing());
                    signal.wakeUp();
                    return false;
                }
                // a skipped event stays skipped and holds nothing back
                if (key != null && options.parkHoldsKey() && parking.parked()) {
                    heldKeys.putIfAbsent(key, heldBehind != null ? heldBehind : d.event().eventNumber());
                }
                return true;
            } catch (RuntimeException e) {
                LOG.warning("JES0243W subscription " + describe() + " could not park event "
                        + d.event().eventNumber() + " (retrying in " + backoff + " ms): " + e.getMessage());
                if (!pause(d.holding(), Duration.ofMillis(backoff))) {
                    return false;
                }
                backoff = Math.min(backoff * 2, 5_000);
            }
        }
        return false;
    }

    /**
     * Delivers the parked events an operator asked to replay, in event order, each with up to maxAttempts tries:
     * handled ones leave {@code jes_parked}; one that fails again is parked again with its new failure (and, with
     * parkHoldsKey, the rest of its key stays parked behind it), and the replay goes on with the other keys. Runs
     * on the worker: live delivery waits meanwhile. A replay cut short (lock lost, closed) is picked up by the
     * next holding.
     */
    private void replay(Holding h) throws InterruptedException {
        LOG.info(() -> "JES0244I subscription " + describe() + " replays " + replaysAsked + " parked events");
        Set<String> failedKeys = new HashSet<>();
        long replayed = 0;
        long parkedAgain = 0;
        while (current(h.number)) {
            List<ParkedEvents.Replay> batch = parked.replayBatch(subscriptionId, 100);
            if (batch.isEmpty()) {
                break;
            }
            for (ParkedEvents.Replay r : batch) {
                if (!current(h.number)) {
                    return;
                }
                if (r.key() != null && failedKeys.contains(r.key())) {
                    continue; // held behind a replay that failed again (hold-key-after-replay.sql)
                }
                List<RecordedEvent> found;
                try {
                    found = reader.read(streamId, r.eventNumber(), 1, true);
                } catch (org.jeventstore.StreamNotFoundException | org.jeventstore.StreamDeletedException gone) {
                    found = List.of();
                }
                if (found.isEmpty() || !found.get(0).eventId().equals(r.eventId())) {
                    LOG.warning("JES0247W subscription " + describe() + ": parked event " + r.eventNumber() + " ("
                            + r.eventId() + ") is no longer stored; dropped from the parked events");
                    parked.replayed(subscriptionId, r.eventId());
                    continue;
                }
                RecordedEvent e = found.get(0);
                Slot.Delivery d = new Slot.Delivery(e, h.number, h.token, r.key());
                int attempt = 0;
                Throwable failure = null;
                long backoff = 100;
                while (attempt < options.maxAttempts()) {
                    attempt++;
                    failure = handleNow(h, e);
                    if (failure == null || attempt >= options.maxAttempts()) {
                        break;
                    }
                    if (!pause(h.number, Duration.ofMillis(backoff))) {
                        return;
                    }
                    backoff = Math.min(backoff * 2, options.maxRetryBackoff().toMillis());
                }
                if (failure == null) {
                    parked.replayed(subscriptionId, r.eventId());
                    replayed++;
                    continue;
                }
                if (!park(d, attempt, failure, null)) {
                    return;
                }
                parkedAgain++;
                LOG.log(Level.WARNING, "JES0246W subscription " + describe() + ": replayed event " + e.eventNumber()
                        + " failed " + attempt + " times again and is parked again: " + failure, failure);
                if (r.key() != null && options.parkHoldsKey()) {
                    failedKeys.add(r.key());
                    parked.holdKeyAfterReplay(subscriptionId, r.key(), r.eventNumber());
                }
            }
        }
        long ok = replayed;
        long again = parkedAgain;
        LOG.info(() -> "JES0245I subscription " + describe() + " replayed " + ok + " parked events; " + again
                + " failed again and stay parked (with the rest of their keys)");
        refreshParked();
    }

    /** One attempt at a replayed event on the worker's thread; the failure, or null when handled. */
    private Throwable handleNow(Holding h, RecordedEvent e) throws InterruptedException {
        try {
            CompletionStage<?> stage = handler.handleAsync(e, h.token);
            if (stage == null) {
                return null;
            }
            CompletableFuture<?> f = stage.toCompletableFuture();
            while (true) {
                try {
                    f.get(200, TimeUnit.MILLISECONDS);
                    return null;
                } catch (TimeoutException t) {
                    if (!current(h.number)) {
                        return new IllegalStateException("the holding ended during the replay");
                    }
                } catch (ExecutionException x) {
                    return x.getCause() == null ? x : x.getCause();
                }
            }
        } catch (InterruptedException x) {
            throw x;
        } catch (Exception | LinkageError x) {
            return x;
        }
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
        if (!hung.isEmpty()) {
            hung.remove(delivery.event().eventId());
        }
        dispatcher.acked(slot, delivery);
        if (Thread.currentThread() != worker) {
            signal.wakeUp(); // the worker finds the acknowledgements of a subscriber on its own thread itself
        }
    }

    @Override
    public boolean current(long number) {
        Holding h = holding;
        // Also asks the lock: a handler retrying on the worker's own thread must notice a lost lock at once.
        return h != null && h.number == number && !h.draining && !h.abandoned && !stopping && haltedBy == null
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
