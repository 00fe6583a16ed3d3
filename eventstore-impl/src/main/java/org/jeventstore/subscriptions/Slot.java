package org.jeventstore.subscriptions;

import java.time.Duration;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.jeventstore.FencingToken;
import org.jeventstore.RecordedEvent;
import org.jeventstore.SubscriptionHandler;
import org.jeventstore.config.Backoff;

/**
 * One subscriber of a persistent subscription: starts its events one after another, in the order given, and
 * reports each success. A synchronous handler finishes an event before the next starts; an asynchronous one
 * ({@link SubscriptionHandler#async}) has up to {@code bufferSize} in flight, acknowledged as their stages
 * complete. A failing event is retried with capped exponential backoff until it succeeds, the holding ends or
 * drains (lock lost, fenced, handed over, closed), or, with {@code maxAttempts}, it has failed that often: then the
 * owner parks it (and it counts as acknowledged) or halts the subscription. An event whose partition key has a
 * parked event is not started: the owner parks it behind that one ({@link Owner#heldBack}).
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

        /**
         * {@code delivery} failed {@code attempts} times, the last with {@code failure}: park it (then acknowledge
         * it) or halt. Returns when done; the slot starts its next event.
         */
        void exhausted(Slot slot, Delivery delivery, int attempts, Throwable failure) throws InterruptedException;

        /**
         * Whether {@code delivery} must wait behind a parked event of its key; if so, the owner has parked it (and
         * acknowledged it) or its holding has ended, and the slot does not start it.
         */
        boolean heldBack(Slot slot, Delivery delivery) throws InterruptedException;

        /** Calls for this event abandoned past their deadline on this server so far; each counts as an attempt. */
        int hungAttempts(RecordedEvent event);
    }

    final int index;
    /** Deliveries handed over and not yet acknowledged; only the subscription's worker thread touches it. */
    int inFlight;
    /** Partition keys of those deliveries, with counts; worker thread only. */
    final java.util.Map<Object, Integer> keys = new java.util.HashMap<>();

    private final Queue<Delivery> inbox = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean scheduled = new AtomicBoolean();
    private final Executor executor;
    private final Executor retryExecutor;
    private final SubscriptionHandler handler;
    private final Owner owner;
    /** The first retry of a failed event waits this long; each next one twice as long, up to maxRetryBackoff. */
    static final long FIRST_RETRY_MILLIS = 100;
    private final Backoff retry;
    /** Attempts at one event before the owner is told it is exhausted; 0 = unlimited. */
    private final int maxAttempts;
    /**
     * Shared by the partitions of one partitioned subscription on this server when its {@code serverConcurrency}
     * is set: a handler call holds a permit until it returns or its stage completes. Null: no such limit.
     */
    private final Semaphore gate;
    /** Asynchronous deliveries started and not yet done (completed, or given up when their holding ended). */
    private final AtomicInteger pending = new AtomicInteger();

    // The handler call running now (its synchronous part) and the stages pending, for the handler deadline
    // (handlerTimeout): guarded by this, so that a deadline's interrupt reaches only the call it was meant for.
    private Delivery calling;
    private Thread caller;
    private long callSince;
    /** Whether the deadline interrupted the running call (the interrupt is ours, and cleared when it ends). */
    private boolean interruptedByDeadline;
    /** Calls abandoned past their deadline that still run (they ignored the interrupt). */
    private int abandonedRunning;
    /** Stages pending, with the System.nanoTime their call started. */
    private final java.util.Map<Delivery, Long> stages = new java.util.concurrent.ConcurrentHashMap<>();
    private final java.util.Map<Delivery, CompletionStage<?>> stageOf = new java.util.concurrent.ConcurrentHashMap<>();

    /**
     * {@code executor} runs the slot's handler calls (the worker's own thread when there is one slot);
     * {@code retryExecutor} retries a stage that failed, after its backoff.
     */
    Slot(int index, Executor executor, Executor retryExecutor, SubscriptionHandler handler, Owner owner,
         Duration maxBackoff, int maxAttempts, Semaphore gate) {
        this.maxAttempts = maxAttempts;
        this.gate = gate;
        this.index = index;
        this.executor = executor;
        this.retryExecutor = retryExecutor;
        this.handler = handler;
        this.owner = owner;
        this.retry = Backoff.of(FIRST_RETRY_MILLIS, Math.max(FIRST_RETRY_MILLIS, maxBackoff.toMillis()));
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
                if (owner.current(d.holding()) && !owner.heldBack(this, d)) {
                    start(d, 1, FIRST_RETRY_MILLIS);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            inbox.clear();
        } finally {
            scheduled.set(false);
            if (!inbox.isEmpty() && scheduled.compareAndSet(false, true)) {
                executor.execute(this::drain);
            } else if (idle()) {
                owner.idle(this);
            }
        }
    }

    /** Whether nothing is queued or running here. */
    boolean idle() {
        return !scheduled.get() && inbox.isEmpty() && pending.get() == 0;
    }

    /**
     * Calls the handler until it returns or its holding ends. A synchronous failure is retried here, so this
     * subscriber starts nothing else meanwhile; a stage it returns is the acknowledgement to come.
     */
    private void start(Delivery d, int attempt, long backoff) throws InterruptedException {
        if (attempt == 1) {
            int hung = owner.hungAttempts(d.event());
            if (hung > 0 && exhausted(hung)) {
                owner.exhausted(this, d, hung, new java.util.concurrent.TimeoutException("the handler's calls for"
                        + " this event were abandoned past handlerTimeout " + hung + " times"));
                return;
            }
            attempt += hung;
        }
        for (; ; attempt++) {
            if (!enter(d)) {
                return; // the holding ended while this waited for its turn: the next holder delivers it
            }
            CompletionStage<?> stage;
            long since = beginCall(d);
            try {
                stage = handler.handleAsync(d.event(), d.token());
            } catch (InterruptedException e) {
                boolean abandoned = endCall();
                leave();
                if (abandoned) {
                    return; // the deadline's interrupt: the holding has ended, the next one delivers the event
                }
                throw e;
            } catch (Exception | LinkageError e) {
                boolean abandoned = endCall();
                leave(); // not held through the backoff: the other partitions go on meanwhile
                if (abandoned) {
                    return; // failed because the deadline interrupted it: not the handler's failure to retry here
                }
                failed(d, attempt, backoff, e);
                if (exhausted(attempt)) {
                    owner.exhausted(this, d, attempt, e);
                    return;
                }
                if (!owner.pause(d.holding(), Duration.ofMillis(backoff))) {
                    return;
                }
                backoff = next(backoff);
                continue;
            }
            endCall();
            if (stage == null) {
                leave();
                owner.acked(this, d);
                return;
            }
            pending.incrementAndGet();
            stages.put(d, since);
            stageOf.put(d, stage);
            int tried = attempt;
            long waited = backoff;
            stage.whenComplete((result, failure) -> {
                stages.remove(d);
                stageOf.remove(d);
                leave();
                completed(d, tried, waited, failure);
            });
            return;
        }
    }

    private synchronized long beginCall(Delivery d) {
        calling = d;
        caller = Thread.currentThread();
        callSince = System.nanoTime();
        interruptedByDeadline = false;
        return callSince;
    }

    /** The call has returned or thrown; true when the deadline had abandoned it (its interrupt is cleared here). */
    private synchronized boolean endCall() {
        boolean abandoned = interruptedByDeadline;
        if (abandoned) {
            Thread.interrupted(); // ours, not a shutdown's: it must not reach what this thread does next
            abandonedRunning--;
        }
        calling = null;
        caller = null;
        interruptedByDeadline = false;
        return abandoned;
    }

    /**
     * When the oldest call of {@code holding} still running here started (its synchronous part, or its stage
     * until it completes), as System.nanoTime; {@code Long.MAX_VALUE} when none runs.
     */
    long oldestCallSince(long holding) {
        long oldest = Long.MAX_VALUE;
        synchronized (this) {
            if (calling != null && calling.holding() == holding && !interruptedByDeadline) {
                oldest = callSince;
            }
        }
        for (java.util.Map.Entry<Delivery, Long> e : stages.entrySet()) {
            if (e.getKey().holding() == holding) {
                oldest = Math.min(oldest, e.getValue());
            }
        }
        return oldest;
    }

    /**
     * Abandons the calls of {@code holding} (its deadline passed; the holding has ended): the running one's thread
     * is interrupted, pending stages are cancelled. A call that ignores the interrupt runs on, counted by
     * {@link #abandonedRunning()} until it returns; whatever it acknowledges then belongs to an ended holding.
     */
    java.util.List<Delivery> abandon(long holding) {
        java.util.List<Delivery> abandoned = new java.util.ArrayList<>();
        synchronized (this) {
            if (calling != null && calling.holding() == holding && !interruptedByDeadline) {
                interruptedByDeadline = true;
                abandonedRunning++;
                abandoned.add(calling);
                caller.interrupt();
            }
        }
        for (java.util.Map.Entry<Delivery, CompletionStage<?>> e : stageOf.entrySet()) {
            if (e.getKey().holding() == holding) {
                abandoned.add(e.getKey());
                try {
                    e.getValue().toCompletableFuture().cancel(true);
                } catch (UnsupportedOperationException notCancellable) {
                    // a stage that cannot be cancelled completes when it completes; its holding has ended
                }
            }
        }
        return abandoned;
    }

    /** Calls abandoned past their deadline that have not returned yet. */
    synchronized int abandonedRunning() {
        return abandonedRunning;
    }

    /** Waits for a permit of the server-wide limit, if any, while the delivery's holding lasts. */
    private boolean enter(Delivery d) throws InterruptedException {
        if (gate == null) {
            return true;
        }
        while (!gate.tryAcquire(50, TimeUnit.MILLISECONDS)) {
            if (!owner.current(d.holding())) {
                return false;
            }
        }
        return true;
    }

    private void leave() {
        if (gate != null) {
            gate.release();
        }
    }

    /** A stage completed (on whatever thread completed it): acknowledge, or retry after the backoff. */
    private void completed(Delivery d, int attempt, long backoff, Throwable failure) {
        if (failure == null) {
            owner.acked(this, d);
            done();
            return;
        }
        Throwable cause = failure instanceof CompletionException && failure.getCause() != null
                ? failure.getCause() : failure;
        failed(d, attempt, backoff, cause);
        if (exhausted(attempt)) {
            try {
                // parking writes to the database: not on whatever thread completed the stage
                retryExecutor.execute(() -> {
                    try {
                        owner.exhausted(this, d, attempt, cause);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    } finally {
                        done();
                    }
                });
            } catch (RejectedExecutionException e) {
                done(); // shutting down: the next holder delivers it again
            }
            return;
        }
        try {
            CompletableFuture.delayedExecutor(backoff, TimeUnit.MILLISECONDS, retryExecutor)
                    .execute(() -> retry(d, attempt + 1, next(backoff)));
        } catch (RejectedExecutionException e) {
            done(); // shutting down: the next holder delivers it again
        }
    }

    private void retry(Delivery d, int attempt, long backoff) {
        try {
            if (owner.current(d.holding())) {
                start(d, attempt, backoff);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            done(); // after start: a retry in flight again was counted before this one is let go
        }
    }

    private void done() {
        if (pending.decrementAndGet() == 0 && idle()) {
            owner.idle(this);
        }
    }

    private boolean exhausted(int attempt) {
        return maxAttempts > 0 && attempt >= maxAttempts;
    }

    private void failed(Delivery d, int attempt, long backoff, Throwable e) {
        LOG.log(Level.WARNING, "JES0210W subscription " + owner.describe() + ": handler failed on event "
                + d.event().eventNumber() + " of stream '" + d.event().streamId() + "' (attempt " + attempt
                + (maxAttempts > 0 ? " of " + maxAttempts : "") + ")"
                + (exhausted(attempt) ? "; attempts exhausted" : "; retrying in " + backoff + " ms"), e);
    }

    private long next(long backoff) {
        return retry.after(backoff);
    }
}
