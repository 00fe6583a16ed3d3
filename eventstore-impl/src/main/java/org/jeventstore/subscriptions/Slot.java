package org.jeventstore.subscriptions;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongConsumer;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.jeventstore.GiveBackException;
import org.jeventstore.Subscription;
import org.jeventstore.SubscriptionHandler;
import org.jeventstore.config.Backoff;

/**
 * One consumer of a persistent subscription on this server: starts the events handed to it one after another, in
 * the order given, and reports each outcome to the subscription (partition) that handed it over, its
 * {@link DeliveryOwner}. A synchronous handler finishes an event before the next starts; an asynchronous one
 * ({@link SubscriptionHandler#async}) has up to {@code bufferSize} in flight, acknowledged as their stages
 * complete. A failing event is retried with capped exponential backoff until it succeeds, its holding ends or
 * drains, or, with {@code maxAttempts}, it has failed that often: then the owner parks it (and it counts as
 * acknowledged) or halts the subscription. An event whose partition key has a parked event is not started: the
 * owner parks it behind that one. An event the handler gives back ({@link GiveBackException}) goes to the owner
 * to hand to another consumer, with no backoff and no attempt counted.
 *
 * <p>A consumer may serve several owners (the partitions of one partitioned subscription this server holds):
 * every delivery carries its owner, and ends in exactly one call of {@link DeliveryOwner#finished} (acknowledged, given
 * up with its holding, given back, handed to the next holding), which is how the {@link ConsumerPool} knows the
 * consumer's room and the owner what it still has in flight.
 */
final class Slot {

    private static final Logger LOG = Logger.getLogger(Slot.class.getName());
    /** The first retry of a failed event waits this long; each next one twice as long, up to maxRetryBackoff. */
    static final long FIRST_RETRY_MILLIS = 100;

    private final Queue<Delivery> inbox = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean scheduled = new AtomicBoolean();
    private final Executor executor;
    private final Executor retryExecutor;
    private final SubscriptionHandler handler;
    private final Backoff retry;
    /** Attempts at one event before the owner is told it is exhausted; 0 = unlimited. */
    private final int maxAttempts;
    /**
     * Shared by the partitions of one partitioned subscription on this server when its {@code serverConcurrency}
     * is set: a handler call holds a permit until it returns or its stage completes. Null: no such limit.
     */
    private final Semaphore gate;
    /** What the subscriber was given when it subscribed (set when it joins). */
    volatile Subscription handle;
    /** Completed when this consumer's subscription first delivers on this server (Subscription.subscribed). */
    final CompletableFuture<Subscription> subscribed = new CompletableFuture<>();
    /** Told of each new checkpoint (Subscription.onCheckpoint). */
    final List<LongConsumer> checkpointListeners = new CopyOnWriteArrayList<>();
    /** Asynchronous deliveries started and not yet done (completed, or given up when their holding ended). */
    private final AtomicInteger pending = new AtomicInteger();
    /** Set when the consumer leaves: what is queued goes back to its owners, nothing new starts. */
    private volatile boolean left;

    /** The handler calls running here, for the handler deadline and for leaving. */
    private final Calls calls = new Calls();

    /**
     * {@code executor} runs the consumer's handler calls (the subscription worker's own thread for a single-active
     * subscription with one consumer); {@code retryExecutor} retries a stage that failed, after its backoff.
     */
    Slot(Executor executor, Executor retryExecutor, SubscriptionHandler handler, Duration maxBackoff,
         int maxAttempts, Semaphore gate) {
        this.maxAttempts = maxAttempts;
        this.gate = gate;
        this.executor = executor;
        this.retryExecutor = retryExecutor;
        this.handler = handler;
        this.retry = Backoff.of(FIRST_RETRY_MILLIS, Math.max(FIRST_RETRY_MILLIS, maxBackoff.toMillis()));
    }

    SubscriptionHandler handler() {
        return handler;
    }

    /** Subscription.onCheckpoint of this consumer's handle. */
    void onCheckpoint(LongConsumer listener) {
        checkpointListeners.add(Objects.requireNonNull(listener, "listener"));
    }

    void offer(Delivery delivery) {
        inbox.add(delivery);
        if (left) { // picked just before it left: back to its owner, for another consumer
            for (Delivery d : leave()) {
                d.owner().givenBack(this, List.of(d));
                finish(d);
            }
            return;
        }
        if (scheduled.compareAndSet(false, true)) {
            executor.execute(this::drain);
        }
    }

    /**
     * The consumer leaves: nothing more starts here, and the deliveries queued and not started yet are returned
     * (for their owners to hand to another consumer). Calls running go on.
     */
    List<Delivery> leave() {
        left = true;
        List<Delivery> queued = new ArrayList<>();
        Delivery d;
        while ((d = inbox.poll()) != null) {
            queued.add(d);
        }
        return queued;
    }

    private void drain() {
        try {
            Delivery d;
            while (!left && (d = inbox.poll()) != null) {
                if (d.owner().current(d.holding()) && !d.owner().heldBack(this, d)) {
                    start(d, 1, FIRST_RETRY_MILLIS);
                } else {
                    finish(d);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            Delivery d;
            while ((d = inbox.poll()) != null) {
                finish(d);
            }
        } finally {
            scheduled.set(false);
            if (!left && !inbox.isEmpty() && scheduled.compareAndSet(false, true)) {
                executor.execute(this::drain);
            }
        }
    }

    /**
     * Whether a handler call (its synchronous part) runs here now, other than the one the current thread is in (a
     * handler that closes its own subscriber does not wait for itself).
     */
    boolean calling() {
        return calls.runningElsewhere();
    }

    /** After leaving, the call still running is given up: its event goes back to its owner, its outcome ignored. */
    void giveUpCall() {
        Delivery d = calls.running();
        if (d != null && !d.finished.get()) {
            d.owner().givenBack(this, List.of(d));
            finish(d);
        }
    }

    /**
     * After leaving, the stages still pending are given up here: each goes back to its owner for another consumer,
     * and its outcome, whenever it comes, is ignored.
     */
    void giveUpPending() {
        for (Delivery d : calls.staged()) {
            if (calls.unstage(d) && !d.finished.get()) {
                d.owner().givenBack(this, List.of(d));
                finish(d);
            }
        }
    }

    /** A delivery returned by {@link #leave()} is over here (its owner has it back). */
    void finishQueued(Delivery d) {
        finish(d);
    }

    /** The delivery is over here: its owner is told, once. */
    private void finish(Delivery d) {
        if (d.finished.compareAndSet(false, true)) {
            d.owner().finished(this, d);
        }
    }

    /**
     * Calls the handler until it returns or its holding ends. A synchronous failure is retried here, so this
     * consumer starts nothing else meanwhile; a stage it returns is the acknowledgement to come.
     */
    private void start(Delivery d, int attempt, long backoff) throws InterruptedException {
        boolean toStage = false;
        try {
            toStage = call(d, attempt, backoff);
        } finally {
            if (!toStage) {
                finish(d);
            }
        }
    }

    /** True when the delivery went on to a pending stage (which finishes it), false when it is over here. */
    private boolean call(Delivery d, int attempt, long backoff) throws InterruptedException {
        DeliveryOwner owner = d.owner();
        if (attempt == 1) {
            int hung = owner.hungAttempts(d.event());
            if (hung > 0 && exhausted(hung)) {
                owner.exhausted(this, d, hung, new TimeoutException("the handler's calls for"
                        + " this event were abandoned past handlerTimeout " + hung + " times"));
                return false;
            }
            attempt += hung;
        }
        for (; ; attempt++) {
            if (!enter(d)) {
                return false; // the holding ended while this waited for its turn: the next holder delivers it
            }
            CompletionStage<?> stage;
            long since = calls.begin(d);
            try {
                stage = handler.handleAsync(d.event(), d.token());
            } catch (InterruptedException e) {
                boolean abandoned = calls.end();
                exit();
                if (abandoned) {
                    return false; // the deadline's interrupt: the holding has ended, the next one delivers it
                }
                throw e;
            } catch (Exception | LinkageError e) {
                if (givesBack(e)) {
                    calls.end();
                    exit();
                    giveBack(d);
                    return false;
                }
                boolean abandoned = calls.end();
                exit(); // not held through the backoff: the other partitions go on meanwhile
                if (abandoned) {
                    return false; // failed because the deadline interrupted it: not the handler's to retry here
                }
                failed(d, attempt, backoff, e);
                if (exhausted(attempt)) {
                    owner.exhausted(this, d, attempt, e);
                    return false;
                }
                if (!owner.pause(d.holding(), Duration.ofMillis(backoff))) {
                    return false;
                }
                backoff = next(backoff);
                continue;
            }
            calls.end();
            if (stage == null) {
                exit();
                owner.acked(this, d);
                return false;
            }
            pending.incrementAndGet();
            calls.staged(d, since, stage);
            int tried = attempt;
            long waited = backoff;
            stage.whenComplete((result, failure) -> {
                calls.unstage(d);
                exit();
                completed(d, tried, waited, failure);
            });
            return true;
        }
    }

    /**
     * When the oldest call of {@code owner}'s holding {@code holding} still running here started, as
     * System.nanoTime; {@code Long.MAX_VALUE} when none runs (see {@link Calls#oldestSince}).
     */
    long oldestCallSince(DeliveryOwner owner, long holding) {
        return calls.oldestSince(owner, holding);
    }

    /**
     * Abandons the calls of {@code owner}'s holding {@code holding} (its deadline passed; the holding has ended);
     * whatever a call that ignores the interrupt acknowledges afterwards belongs to an ended holding.
     */
    List<Delivery> abandon(DeliveryOwner owner, long holding) {
        return calls.abandon(owner, holding);
    }

    /** Calls of {@code owner} abandoned past their deadline that have not returned yet (0 or 1). */
    int abandonedRunning(DeliveryOwner owner) {
        return calls.abandonedRunning(owner);
    }

    /** Waits for a permit of the server-wide limit, if any, while the delivery's holding lasts. */
    private boolean enter(Delivery d) throws InterruptedException {
        if (gate == null) {
            return true;
        }
        while (!gate.tryAcquire(50, TimeUnit.MILLISECONDS)) {
            if (!d.owner().current(d.holding())) {
                return false;
            }
        }
        return true;
    }

    private void exit() {
        if (gate != null) {
            gate.release();
        }
    }

    /** A stage completed (on whatever thread completed it): acknowledge, or retry after the backoff. */
    private void completed(Delivery d, int attempt, long backoff, Throwable failure) {
        DeliveryOwner owner = d.owner();
        if (d.finished.get()) {
            pending.decrementAndGet(); // given up when the consumer left: another consumer has it
            return;
        }
        if (failure == null) {
            owner.acked(this, d);
            done(d);
            return;
        }
        Throwable cause = failure instanceof CompletionException && failure.getCause() != null
                ? failure.getCause() : failure;
        if (givesBack(cause)) {
            giveBack(d);
            done(d);
            return;
        }
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
                        done(d);
                    }
                });
            } catch (RejectedExecutionException e) {
                done(d); // shutting down: the next holder delivers it again
            }
            return;
        }
        try {
            CompletableFuture.delayedExecutor(backoff, TimeUnit.MILLISECONDS, retryExecutor)
                    .execute(() -> retry(d, attempt + 1, next(backoff)));
        } catch (RejectedExecutionException e) {
            done(d); // shutting down: the next holder delivers it again
        }
    }

    private void retry(Delivery d, int attempt, long backoff) {
        boolean toStage = false;
        try {
            if (left && !d.finished.get()) {
                d.owner().givenBack(this, List.of(d)); // the consumer left while this backed off
            } else if (d.owner().current(d.holding())) {
                toStage = call(d, attempt, backoff);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            if (toStage) {
                pending.decrementAndGet(); // a retry in flight again was counted before this one is let go
            } else {
                done(d);
            }
        }
    }

    /** An asynchronous delivery is over here: finished, and counted out of the pending ones. */
    private void done(Delivery d) {
        finish(d);
        pending.decrementAndGet();
    }

    /**
     * The handler gave {@code d} back: it goes to its owner, with the deliveries of its key queued behind it here
     * (so that the key's order holds wherever they go next). Those are finished here; {@code d} by the caller.
     */
    private void giveBack(Delivery d) {
        List<Delivery> back = new ArrayList<>();
        back.add(d);
        if (d.key() != null) {
            for (Delivery q : inbox) {
                if (q.owner() == d.owner() && d.key().equals(q.key()) && inbox.remove(q)) {
                    back.add(q);
                }
            }
        }
        d.owner().givenBack(this, back);
        for (int i = 1; i < back.size(); i++) {
            finish(back.get(i));
        }
    }

    /** Whether {@code e} is, or wraps (a container may wrap what an observer throws), a GiveBackException. */
    static boolean givesBack(Throwable e) {
        for (int depth = 0; e != null && depth < 5; depth++, e = e.getCause()) {
            if (e instanceof GiveBackException) {
                return true;
            }
        }
        return false;
    }

    private boolean exhausted(int attempt) {
        return maxAttempts > 0 && attempt >= maxAttempts;
    }

    private void failed(Delivery d, int attempt, long backoff, Throwable e) {
        LOG.log(Level.WARNING, "JES0210W subscription " + d.owner().describe() + ": handler failed on event "
                + d.event().eventNumber() + " of stream '" + d.event().streamId() + "' (attempt " + attempt
                + (maxAttempts > 0 ? " of " + maxAttempts : "") + ")"
                + (exhausted(attempt) ? "; attempts exhausted" : "; retrying in " + backoff + " ms"), e);
    }

    private long next(long backoff) {
        return retry.after(backoff);
    }
}
