package org.jeventstore.subscriptions;

import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.jeventstore.RecordedEvent;
import org.jeventstore.SubscriptionHandler;
import org.jeventstore.SubscriptionOptions;
import org.jeventstore.config.Backoff;
import org.jeventstore.storage.EventReader;

/**
 * A subscription's poison events ({@code maxAttempts}): what becomes of an event whose attempts ran out (under
 * {@code PARK} it is recorded in {@code jes_parked}, fenced like a checkpoint save, before it counts as
 * acknowledged; under {@code STOP} the subscription halts), the keys held back behind a parked event
 * ({@code parkHoldsKey}), the replays an operator asked for, and calls abandoned past their deadline, which count
 * as attempts. A new holding forgets the rows above its checkpoint (take-over-subscription.sql) and delivers those
 * events again: nothing lost, nothing parked twice.
 */
final class Parking {

    private static final Logger LOG = Logger.getLogger(Parking.class.getName());
    private static final Backoff PARK_RETRY = Backoff.of(100, 5_000);
    /**
     * How long one step of a replay delivers parked events; live delivery then has as long before the next step
     * (or less, when it has nothing to do).
     */
    static final long REPLAY_STEP_MILLIS = 1_000;

    /** What parking needs of its subscription. */
    interface Owner {
        long subscriptionId();

        String describe();

        /** Whether deliveries of holding {@code number} may still start or be retried. */
        boolean current(long number);

        /** Waits up to {@code wait} unless the holding ends first; false when it ended. */
        boolean pause(long number, Duration wait) throws InterruptedException;

        void acked(Slot slot, Delivery delivery);

        /** A write of the holding with {@code epoch} was refused: the holding stops as for a refused save. */
        void refused(long epoch, SubscriptionRows.Standing standing);

        void wakeUp();

        void parkedOne();
    }

    private final Owner owner;
    private final String streamId;
    private final SubscriptionOptions options;
    private final ParkedEvents parked;
    private final EventReader reader;
    /** A handler of the subscription's subscribers here, for replays (null when none is left). */
    private final Supplier<SubscriptionHandler> handler;
    private final Semaphore gate;
    /** Partition keys with parked events, each with its first parked event: their later events are held back. */
    private final Map<String, Long> heldKeys = new ConcurrentHashMap<>();
    /**
     * Events whose calls were abandoned past the handler deadline on this server, with how often: each counts as a
     * failed attempt, so that with maxAttempts an event that hangs every time is parked (or halts) instead of
     * holding the subscription for ever. Forgotten once the event is acknowledged.
     */
    private final Map<UUID, Integer> hung = new ConcurrentHashMap<>();
    /** The replayed call running now on the worker, under the handler deadline (its deliveries have no owner). */
    private final Calls calls = new Calls();
    /** Replays an operator asked for, as last seen (worker only). */
    private long replaysAsked;
    /**
     * The replay pass under way (worker only): whether one is, the last event it handled, the keys whose replay
     * failed again in it, and what it did so far.
     */
    private boolean passUnderWay;
    private long replayedUpTo;
    /** When live delivery has had its turn and the next step of the pass may run (System.nanoTime). */
    private long nextStepNanos;
    private final Set<String> failedKeys = new HashSet<>();
    private long replayedOk;
    private long parkedAgain;
    /** Set by a subscriber when an event exhausted its attempts under STOP; cleared when a holding starts. */
    private volatile String haltedBy;

    /** Replays call a handler of {@code pool}'s subscribers, under its server-wide limit. */
    Parking(Owner owner, String streamId, SubscriptionOptions options, SubscriptionServices services,
            ConsumerPool pool) {
        this.owner = owner;
        this.streamId = streamId;
        this.options = options;
        this.parked = services.parked();
        this.reader = services.reader();
        this.handler = pool::anyHandler;
        this.gate = pool.gate();
    }

    /** A holding starts: what it learned of parked events is read again by its first step. */
    void holdingStarted() {
        haltedBy = null;
        heldKeys.clear();
        replaysAsked = 0;
        passUnderWay = false;
    }

    /** Why the subscription halted (the event and its failure), or null. */
    String haltedBy() {
        return haltedBy;
    }

    /** Whether a pass of a replay is under way. */
    boolean replaying() {
        return passUnderWay;
    }

    /**
     * Whether the replay's next step is due: live delivery has had as long as a step since the last one (a replay
     * and live delivery take turns, so that neither starves the other). Always true before a pass starts.
     */
    boolean stepDue() {
        return !passUnderWay || System.nanoTime() - nextStepNanos >= 0;
    }

    /** Milliseconds until the replay's next step is due (0 when it is). */
    long millisUntilStepDue() {
        return stepDue() ? 0 : Math.max(1, TimeUnit.NANOSECONDS.toMillis(nextStepNanos - System.nanoTime()));
    }

    /** Whether a replay is asked for or under way: the worker then runs a step of it. */
    boolean replaysAsked() {
        return replaysAsked > 0 || passUnderWay;
    }

    /** Reads what is parked now: the keys to hold back, the replays asked for. Worker only. */
    void refresh() {
        // a key added by a subscriber after this snapshot was committed before it was added: never dropped here
        Set<String> before = Set.copyOf(heldKeys.keySet());
        ParkedEvents.State state = parked.state(owner.subscriptionId());
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

    /** Calls for this event abandoned past their deadline on this server so far. */
    int hungAttempts(RecordedEvent event) {
        return hung.isEmpty() ? 0 : hung.getOrDefault(event.eventId(), 0);
    }

    void hung(RecordedEvent event) {
        hung.merge(event.eventId(), 1, Integer::sum);
    }

    void acknowledged(RecordedEvent event) {
        if (!hung.isEmpty()) {
            hung.remove(event.eventId());
        }
    }

    /** {@code d} failed {@code attempts} times, the last with {@code failure}: park it (then acknowledge) or halt. */
    void exhausted(Slot slot, Delivery d, int attempts, Throwable failure) throws InterruptedException {
        RecordedEvent e = d.event();
        if (options.onExhausted() == SubscriptionOptions.OnExhausted.STOP) {
            haltedBy = "event " + e.eventNumber() + " (" + e.eventId() + ") failed " + attempts + " times: "
                    + failure;
            LOG.log(Level.SEVERE, "JES0242E subscription " + owner.describe() + " halted: " + haltedBy + "; it holds"
                    + " its lock and delivers nothing until it is started again or its lock moves", failure);
            owner.wakeUp();
            return;
        }
        if (park(d, attempts, failure, null)) {
            owner.parkedOne();
            LOG.log(Level.WARNING, "JES0240W subscription " + owner.describe() + " parked event " + e.eventNumber()
                    + " (" + e.eventId() + " of stream '" + e.streamId() + "') after " + attempts + " failed attempts;"
                    + " delivery goes on: " + failure, failure);
            owner.acked(slot, d);
        }
    }

    /**
     * Whether {@code d} must wait behind a parked event of its key; if so, it has been parked behind it (and
     * acknowledged) or its holding has ended, and is not started.
     */
    boolean heldBack(Slot slot, Delivery d) throws InterruptedException {
        if (d.key() == null || heldKeys.isEmpty() || !options.parkHoldsKey()) {
            return false;
        }
        Long behind = heldKeys.get(String.valueOf(d.key()));
        if (behind == null || behind >= d.event().eventNumber()) {
            return false;
        }
        if (park(d, 0, null, behind)) {
            LOG.warning(() -> "JES0241W subscription " + owner.describe() + " parked event " + d.event().eventNumber()
                    + " unhandled behind parked event " + behind + " of its key '" + d.key() + "'");
            owner.acked(slot, d);
        }
        return true;
    }

    /**
     * Writes the parked row (retried with backoff while the database fails); true once it is committed, false
     * when the holding ended first (the event is then delivered again by the next holding).
     */
    private boolean park(Delivery d, int attempts, Throwable failure, Long heldBehind)
            throws InterruptedException {
        String key = d.key() == null ? null : String.valueOf(d.key());
        long backoff = 0;
        while (owner.current(d.holding())) {
            try {
                ParkedEvents.Parking parking = parked.park(owner.subscriptionId(), d.token().epoch(), d.event(), key,
                        attempts, failure, heldBehind);
                if (parking.standing() != SubscriptionRows.Standing.CURRENT) {
                    owner.refused(d.token().epoch(), parking.standing());
                    return false;
                }
                // a skipped event stays skipped and holds nothing back
                if (key != null && options.parkHoldsKey() && parking.parked()) {
                    heldKeys.putIfAbsent(key, heldBehind != null ? heldBehind : d.event().eventNumber());
                }
                return true;
            } catch (RuntimeException e) {
                backoff = PARK_RETRY.after(backoff);
                LOG.warning("JES0243W subscription " + owner.describe() + " could not park event "
                        + d.event().eventNumber() + " (retrying in " + backoff + " ms): " + e.getMessage());
                if (!owner.pause(d.holding(), Duration.ofMillis(backoff))) {
                    return false;
                }
            }
        }
        return false;
    }

    /**
     * One step of the replay an operator asked for: delivers the next parked events to replay, in event order, for
     * about {@link #REPLAY_STEP_MILLIS}, each with up to maxAttempts tries; handled ones leave {@code jes_parked};
     * one that fails again is parked again with its new failure (and, with parkHoldsKey, the rest of its key stays
     * parked behind it), and the replay goes on with the other keys. Runs on the worker, which delivers live
     * events between steps, so a long replay does not stop the subscription. A pass reads on from the last event
     * it handled and so sees each row once: one an operator marked for replay again meanwhile (one that failed
     * again in this pass, say) waits for the next pass instead of being passed over for ever. A pass cut short
     * (lock lost, closed) is started again by the next holding.
     */
    void replay(Holding h) throws InterruptedException {
        long subscriptionId = owner.subscriptionId();
        if (!passUnderWay) {
            passUnderWay = true;
            replayedUpTo = Long.MIN_VALUE;
            failedKeys.clear();
            replayedOk = 0;
            parkedAgain = 0;
            long asked = replaysAsked;
            LOG.info(() -> "JES0244I subscription " + owner.describe() + " replays " + asked + " parked events");
        }
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(REPLAY_STEP_MILLIS);
        List<ParkedEvents.Replay> batch = parked.replayBatch(subscriptionId, replayedUpTo, 100);
        if (batch.isEmpty()) {
            passUnderWay = false;
            long ok = replayedOk;
            long again = parkedAgain;
            LOG.info(() -> "JES0245I subscription " + owner.describe() + " replayed " + ok + " parked events; "
                    + again + " failed again and stay parked (with the rest of their keys)");
            refresh(); // an operator may have asked again meanwhile: then the next step starts a new pass
            return;
        }
        for (ParkedEvents.Replay r : batch) {
            if (!owner.current(h.number) || System.nanoTime() - deadline > 0) {
                break;
            }
            if (!replayOne(h, r)) {
                return; // the holding ended: the next one replays what is left
            }
            replayedUpTo = r.eventNumber();
        }
        refresh(); // the keys replayed to their end are free for the live events delivered before the next step
        nextStepNanos = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(REPLAY_STEP_MILLIS);
    }

    /** Replays one parked event; false when the holding ended first. */
    private boolean replayOne(Holding h, ParkedEvents.Replay r) throws InterruptedException {
        long subscriptionId = owner.subscriptionId();
        if (r.key() != null && failedKeys.contains(r.key())) {
            return true; // held behind a replay that failed again (hold-key-after-replay.sql)
        }
        List<RecordedEvent> found;
        try {
            found = reader.read(streamId, r.eventNumber(), 1, true);
        } catch (org.jeventstore.StreamNotFoundException | org.jeventstore.StreamDeletedException gone) {
            found = List.of();
        }
        if (found.isEmpty() || !found.get(0).eventId().equals(r.eventId())) {
            LOG.warning("JES0247W subscription " + owner.describe() + ": parked event " + r.eventNumber()
                    + " (" + r.eventId() + ") is no longer stored; dropped from the parked events");
            parked.replayed(subscriptionId, h.token.epoch(), r.eventId());
            return true;
        }
        RecordedEvent e = found.get(0);
        Delivery d = new Delivery(e, h.number, h.token, r.key(), null);
        Backoff retry = Backoff.of(100, Math.max(100, options.maxRetryBackoff().toMillis()));
        // calls for it abandoned past the handler deadline count as attempts, as in live delivery
        int attempt = hungAttempts(e);
        Throwable failure = attempt == 0 ? null : new TimeoutException("the handler's calls for this event were"
                + " abandoned past handlerTimeout " + attempt + " times");
        long backoff = 0;
        while (attempt < options.maxAttempts()) {
            attempt++;
            failure = handleNow(h, d);
            if (failure == null || attempt >= options.maxAttempts()) {
                break;
            }
            backoff = retry.after(backoff);
            if (!owner.pause(h.number, Duration.ofMillis(backoff))) {
                return false;
            }
        }
        if (failure == null) {
            acknowledged(e);
            parked.replayed(subscriptionId, h.token.epoch(), r.eventId());
            replayedOk++;
            return true;
        }
        if (!park(d, attempt, failure, null)) {
            return false;
        }
        parkedAgain++;
        LOG.log(Level.WARNING, "JES0246W subscription " + owner.describe() + ": replayed event " + e.eventNumber()
                + " failed " + attempt + " times again and is parked again: " + failure, failure);
        if (r.key() != null && options.parkHoldsKey()) {
            failedKeys.add(r.key());
            parked.holdKeyAfterReplay(subscriptionId, r.key(), r.eventNumber());
        }
        return true;
    }

    /**
     * One attempt at a replayed event on the worker's thread; the failure, or null when handled. Under
     * {@code serverConcurrency} it takes a permit like any delivery (and gives up when the holding ends first).
     */
    private Throwable handleNow(Holding h, Delivery d) throws InterruptedException {
        if (gate != null) {
            while (!gate.tryAcquire(50, TimeUnit.MILLISECONDS)) {
                if (!owner.current(h.number)) {
                    return new IllegalStateException("the holding ended during the replay");
                }
            }
        }
        try {
            return callNow(h, d);
        } finally {
            if (gate != null) {
                gate.release();
            }
        }
    }

    /**
     * Calls the handler for a replayed event and waits for its stage, under the handler deadline like any delivery
     * ({@link #oldestCallSince}): a call abandoned past it (the holding ends) counts as a failure of this attempt.
     */
    private Throwable callNow(Holding h, Delivery d) throws InterruptedException {
        RecordedEvent e = d.event();
        calls.begin(d);
        boolean ended = false;
        try {
            SubscriptionHandler now = handler.get();
            if (now == null) {
                return new IllegalStateException("no subscriber is left on this server to replay to");
            }
            CompletionStage<?> stage = now.handleAsync(e, h.token);
            if (stage == null) {
                return null;
            }
            CompletableFuture<?> f = stage.toCompletableFuture();
            while (true) {
                try {
                    f.get(200, TimeUnit.MILLISECONDS);
                    return null;
                } catch (TimeoutException t) {
                    if (!owner.current(h.number)) {
                        return new IllegalStateException("the holding ended during the replay");
                    }
                } catch (ExecutionException x) {
                    return x.getCause() == null ? x : x.getCause();
                }
            }
        } catch (InterruptedException x) {
            ended = true;
            if (calls.end()) {
                return new TimeoutException("the replayed call was abandoned past handlerTimeout");
            }
            throw x;
        } catch (Exception | LinkageError x) {
            return x;
        } finally {
            if (!ended) {
                calls.end(); // clears the deadline's interrupt if it came as the call returned
            }
        }
    }

    /** When the replayed call of {@code holding} running now started (System.nanoTime); MAX_VALUE when none. */
    long oldestCallSince(long holding) {
        return calls.oldestSince(null, holding);
    }

    /** Abandons the replayed call of {@code holding} running now, if any (its deadline passed). */
    List<Delivery> abandon(long holding) {
        return calls.abandon(null, holding);
    }

    /** Replayed calls abandoned past their deadline that still run (0 or 1). */
    int abandonedRunning() {
        return calls.abandonedRunning(null);
    }
}
