package org.jeventstore.subscriptions;

import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.LongConsumer;
import java.util.function.Predicate;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.jeventstore.RecordedEvent;
import org.jeventstore.Subscription;
import org.jeventstore.SubscriptionHandler;
import org.jeventstore.SubscriptionOptions;
import org.jeventstore.SubscriptionState;
import org.jeventstore.config.Backoff;
import org.jeventstore.subscriptions.SubscriptionFsm.Trigger;

/**
 * One persistent subscription on this server: a single worker loop (a long-running task) that runs the step of
 * its current state ({@link #step}, a table like {@link SubscriptionFsm}'s) and lets the FSM say where the step's
 * outcome leads. The steps lean on the classes beside it:
 *
 * <ul>
 *   <li>{@link Holder}: takes the holding (partition count, lock, epoch, checkpoint), knows the one under way,
 *       and ends it (drain, final save, unlock), or abandons it from outside;</li>
 *   <li>{@link Fence}: whether the holding may go on (its lock, its epoch);</li>
 *   <li>{@link EventFeed} (what is read from storage), {@link Dispatcher} and its {@link Slot}s (the
 *       subscribers), {@link Checkpoints} (acks, saves, the redelivery bound), {@link Balancer} (hand-overs);</li>
 *   <li>{@link Parking}: poison events, keys held behind them, replays, halting;</li>
 *   <li>{@link HoldingOwner}: what the subscribers and parking see of it (acks, hand-backs, whether the holding
 *       stands).</li>
 * </ul>
 *
 * <p>Beside the worker, the subscriptions' watchdog enforces the handler deadline ({@link HandlerDeadline}) and
 * close() is bounded ({@link #awaitStopped}): a worker stuck in a call is detached.
 */
final class PersistentSubscription implements Subscription {

    private static final Logger LOG = Logger.getLogger(PersistentSubscription.class.getName());
    /** How long close() waits for the worker before it detaches it: the drain and a final save. */
    static final long STOP_MILLIS = Holder.DRAIN_MILLIS + 10_000;
    private static final Backoff RECONNECT = Backoff.of(100, 5_000);

    /**
     * Where a subscription belongs: the guard of its family's partition count in the cluster, the subscribers it
     * hands its events to (shared by the partitions of one family on this server), and, for a partition, which
     * events are its own ({@code placement}; null: all).
     */
    record Family(Function<PersistentSubscription, SubscriptionLayout> layout, ConsumerPool pool,
                  Predicate<RecordedEvent> placement) {
    }

    private final String streamId;
    private final String name;
    private final Subject who;
    private final SubscriptionOptions options;
    private final SubscriptionServices services;
    private final String metricName;
    private final SubscriptionFsm fsm = new SubscriptionFsm();
    private final EventFeed feed;
    private final Dispatcher dispatcher;
    private final CheckpointSaver saver;
    private final Balancer balancer;
    private final SubscriptionLayout layout;
    private final Holder holder;
    private final HandlerDeadline deadline;
    private final Fence fence;
    private final Parking parking;
    private final ConsumerPool pool;
    private final Predicate<RecordedEvent> placement;
    /** A single-active subscription's one subscriber (this is what it was given), or null for a partition. */
    private volatile Slot own;

    private final Stopping stopping;
    /** What its subscribers and parking see of it. */
    private final HoldingOwner owner;
    private final WorkerSignal signal;
    /** Woken when a subscriber may have room (registered with the pool while the worker runs). */
    private final Runnable roomListener;

    private volatile long subscriptionId;
    private long backoff;

    /**
     * @param createdId the subscription's row id, or -1 when it could not be created yet (the worker does)
     */
    PersistentSubscription(String streamId, String name, long createdId, SubscriptionOptions options,
                           SubscriptionServices services, Family family, Runnable onStopped) {
        this.streamId = streamId;
        this.name = name;
        this.subscriptionId = createdId;
        this.who = new Subject(streamId, name, this::subscriptionId);
        this.options = options;
        this.services = services;
        this.stopping = new Stopping(onStopped);
        this.signal = new WorkerSignal(stopping::requested);
        this.roomListener = signal::wakeUp;
        // metrics name a partition by its subscription (the family), as the handler's metrics do
        this.metricName = PartitionName.familyOf(name);
        this.feed = new EventFeed(services.reader(), streamId, describe(), services.readBatchSize(), options);
        this.pool = family.pool();
        this.placement = family.placement();
        this.saver = new CheckpointSaver(services.rows(), services.executor(), describe(), () -> {
            services.telemetry().checkpointSaved(streamId, metricName);
            signal.wakeUp();
            pool.checkpointMoved();
        });
        this.balancer = new Balancer(services.running(), services.presence());
        this.owner = new HoldingOwner(who, signal, stopping, services.locks(), saver,
                () -> services.telemetry().parked(streamId, metricName));
        this.dispatcher = new Dispatcher(pool, owner, options, roomListener);
        pool.onRoom(roomListener);
        this.layout = family.layout().apply(this);
        this.holder = new Holder(who, options, services, layout, saver, dispatcher, signal);
        this.fence = new Fence(who, services, saver);
        this.parking = new Parking(owner, streamId, options, services, pool);
        owner.serve(holder, dispatcher, parking);
        this.deadline = new HandlerDeadline(options.handlerTimeout(), holder, dispatcher, parking,
                () -> services.telemetry().handlerTimedOut(streamId, metricName));
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
        return stopping.detached() ? SubscriptionState.STOPPED : fsm.state();
    }

    @Override
    public long checkpoint() {
        return saver.saved();
    }

    String describe() {
        return who.describe();
    }

    long subscriptionId() {
        return subscriptionId;
    }

    /** Whether this server delivers this subscription now. */
    boolean active() {
        return holder.current() != null;
    }

    long activeSince() {
        Holding h = holder.current();
        return h == null ? Long.MIN_VALUE : h.since;
    }

    /** New events may be in storage (a notification, a listener reconnect, a test). */
    void poke() {
        feed.poke();
        signal.wakeUp();
    }

    /** Why it halted (the event and its failure), or null. */
    String haltedBy() {
        return parking.haltedBy();
    }

    /** Why this server stands by for the subscription's partition count in the cluster, or null. */
    String standbyReason() {
        return layout.standbyReason();
    }

    void releaseLayout() {
        layout.release();
    }

    /** Joins the one subscriber of a single-active subscription, whose handle this is. */
    void joinOwn(SubscriptionHandler handler) {
        own = pool.join(handler, slot -> this);
    }

    @Override
    public CompletionStage<Subscription> subscribed() {
        return ownSlot().subscribed;
    }

    @Override
    public void onCheckpoint(LongConsumer listener) {
        ownSlot().onCheckpoint(listener);
    }

    private Slot ownSlot() {
        Slot s = own;
        if (s == null) {
            throw new IllegalStateException("a partition has no subscriber of its own");
        }
        return s;
    }

    /** Calls of ended holdings still running here (abandoned past their deadline, they ignored the interrupt). */
    int abandonedCalls() {
        return deadline.abandonedCalls();
    }

    // ---------------------------------------------------------------------------------------------- stopping

    /** Stops delivering (letting in-flight events finish), saves the checkpoint, frees the lock and the name. */
    @Override
    public void close() {
        requestStop();
        awaitStopped(System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(STOP_MILLIS));
    }

    void requestStop() {
        stopping.request();
        signal.wakeUp();
    }

    /**
     * Waits until the worker has stopped, at most until {@code deadlineNanos} (System.nanoTime), and never for a
     * call already abandoned. A worker still busy then (a handler call that does not return) is detached: its
     * holding is abandoned and the name freed, so that close() is bounded, another server takes over and the same
     * name may be subscribed again; the worker exits whenever the call returns.
     */
    void awaitStopped(long deadlineNanos) {
        if (!stopping.awaitWorker(deadlineNanos, () -> {
            Holding h = holder.current();
            return (h == null || h.abandoned) && abandonedCalls() > 0;
        })) {
            detach();
        }
    }

    private void detach() {
        if (!stopping.detachOnce()) {
            return;
        }
        Holding h = holder.current();
        LOG.warning("JES0213W subscription " + describe() + " did not stop in time (a handler call has not"
                + " returned); detached: " + (h == null ? "" : "its holding is abandoned and its lock released, ")
                + "its name is free, and its worker exits when the call returns");
        if (h != null) {
            deadline.abandon(h, "the subscription was closed and a handler call did not return");
        }
        stopping.freeName();
    }

    /** The handler deadline, checked by the subscriptions' watchdog (see {@link HandlerDeadline}). */
    void enforceDeadline() {
        deadline.enforce();
    }

    // ---------------------------------------------------------------------------------------------- the loop

    /** The worker loop: runs the current state's step until stopped, surviving every failure of its own. */
    void run() {
        owner.workerStarted();
        try {
            while (fsm.state() != SubscriptionState.STOPPED) {
                Trigger trigger;
                try {
                    trigger = stopping.requested() ? Trigger.CLOSED : step();
                } catch (RuntimeException | Error e) { // an Error too: the worker must never end unseen
                    LOG.log(Level.WARNING, "JES0211W subscription " + describe() + " failed; retrying in "
                            + RECONNECT.after(backoff) + " ms: " + e.getMessage(), e);
                    trigger = Trigger.FAILED;
                }
                if (trigger != null) {
                    transition(trigger);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            if (holder.current() != null) {
                holder.end(Trigger.CLOSED);
            }
            fsm.fire(Trigger.CLOSED);
        } finally {
            pool.removeRoomListener(roomListener);
            // the name is free before close() returns, so the caller may subscribe again at once
            stopping.workerStopped();
        }
    }

    /** The step of each state; null keeps the state. */
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
            trigger = holder.end(trigger);
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
            subscriptionId = services.rows().createOrGet(streamId, name, options.startFrom());
        }
        return Trigger.CREATED;
    }

    // STANDBY

    private Trigger tryToHold() throws InterruptedException {
        long afterYield = balancer.pauseAfterYieldMillis(options.retryInterval().toMillis());
        if (afterYield > 0) {
            signal.pauseUnlessStopping(afterYield); // leave a standby server time to take it
        }
        Holder.Taken taken = holder.take();
        if (taken.holding() == null) {
            balancer.lockBusy();
            if (taken.refusal() == Trigger.LOCK_BUSY) {
                signal.await(options.retryInterval().toMillis());
            }
            return taken.refusal();
        }
        feed.start(saver.saved());
        parking.holdingStarted(); // its parked events are read again by the holding's first step
        balancer.holdingStarted();
        backoff = 0;
        holder.started(taken.holding());
        return Trigger.LOCKED;
    }

    // CATCHING_UP, SUBSCRIBED: one round of reading, handing out and saving

    private Trigger deliver() throws InterruptedException {
        Holding h = holder.current();
        Checkpoints cp = h.checkpoints;
        boolean verify = h.verifyDue(options.retryInterval());
        Trigger refused = fence.check(h, verify);
        if (refused != null) {
            return refused;
        }
        if (parking.haltedBy() != null) {
            return Trigger.EXHAUSTED;
        }
        if (options.attemptsLimited() && (verify || !h.parkedRead)) {
            parking.refresh(); // skips and replays asked for by an operator, on any server
            h.parkedRead = true;
        }
        // a replay takes turns with live delivery: a step when one is due, or at once when nothing live waits
        if (parking.replaysAsked() && (parking.stepDue() || (feed.isEmpty() && !feed.wantsToRead()))) {
            parking.replay(h);
        }
        if (balancer.shouldYield(this)) {
            LOG.info(() -> "JES0219I subscription " + describe() + " hands its lock to another server (balancing)");
            return Trigger.YIELDED;
        }
        dispatcher.drainAcks(h.number, cp);
        Trigger outcome = feed.readIfWanted() ? Trigger.BEHIND : null;
        dispatcher.handOut(h, feed, placement, () -> parking.haltedBy() != null);
        cp.saveIfDue();
        boolean busy = dispatcher.hasAcks() || feed.wantsToRead()
                || (!dispatcher.hasReturned() && !feed.isEmpty() && cp.mayDeliver(dispatcher.waitingCount())
                && dispatcher.hasRoom());
        if (!busy) {
            if (feed.isEmpty() && cp.inFlight() == 0 && outcome == null) {
                outcome = Trigger.CAUGHT_UP; // everything read has been handled
            }
            long wait = Math.min(Math.min(1000, options.safetyPoll().toMillis()), cp.millisUntilSaveDue());
            wait = Math.min(Math.min(wait, h.millisUntilVerify(options.retryInterval())),
                    dispatcher.millisUntilReturnedDue());
            if (parking.replaying()) { // its next step: at once when nothing live waits, else when due
                wait = Math.min(wait, feed.isEmpty() ? 0 : parking.millisUntilStepDue());
            }
            signal.await(Math.max(1, wait));
            feed.pollIfDue();
        }
        return outcome;
    }

    // HALTED: holds the lock, delivers nothing; in-flight events of other subscribers finish and are saved

    private Trigger halted() throws InterruptedException {
        Holding h = holder.current();
        Trigger refused = fence.check(h, h.verifyDue(options.retryInterval()));
        if (refused != null) {
            return refused;
        }
        dispatcher.drainAcks(h.number, h.checkpoints);
        h.checkpoints.saveIfDue();
        signal.await(Math.max(1, Math.min(Math.min(1000, options.retryInterval().toMillis()),
                h.checkpoints.millisUntilSaveDue())));
        return null;
    }

    // DISCONNECTED

    private Trigger retryAfterBackoff() throws InterruptedException {
        backoff = RECONNECT.after(backoff);
        signal.await(backoff);
        return Trigger.RETRY;
    }
}
