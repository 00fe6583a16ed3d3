package org.jeventstore.subscriptions;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The handler calls of one consumer ({@link Slot}) now: the call running (its synchronous part, on which thread,
 * since when) and the stages pending, which is what the handler deadline measures and abandons, and what a consumer
 * that leaves gives up. The running call is guarded by this object, so that a deadline's interrupt reaches only the
 * call it was meant for.
 */
final class Calls {

    private Delivery calling;
    private Thread caller;
    private long callSince;
    /** Whether the deadline interrupted the running call (the interrupt is ours, and cleared when it ends). */
    private boolean interruptedByDeadline;
    /** The call abandoned past its deadline that still runs (it ignored the interrupt), or null. */
    private Delivery abandonedCall;
    /** Stages pending, with the System.nanoTime their call started, and the stages themselves. */
    private final Map<Delivery, Long> stages = new ConcurrentHashMap<>();
    private final Map<Delivery, CompletionStage<?>> stageOf = new ConcurrentHashMap<>();

    /** A call of {@code d} begins on the current thread; returns when (System.nanoTime). */
    synchronized long begin(Delivery d) {
        calling = d;
        caller = Thread.currentThread();
        callSince = System.nanoTime();
        interruptedByDeadline = false;
        return callSince;
    }

    /** The call has returned or thrown; true when the deadline had abandoned it (its interrupt is cleared here). */
    synchronized boolean end() {
        boolean abandoned = interruptedByDeadline;
        if (abandoned) {
            Thread.interrupted(); // ours, not a shutdown's: it must not reach what this thread does next
            abandonedCall = null;
        }
        calling = null;
        caller = null;
        interruptedByDeadline = false;
        return abandoned;
    }

    /** Whether a call runs now on another thread than the current one. */
    synchronized boolean runningElsewhere() {
        return calling != null && caller != Thread.currentThread();
    }

    /** The delivery whose call runs now, or null. */
    synchronized Delivery running() {
        return calling;
    }

    /** The call of {@code d}, begun at {@code since}, returned {@code stage}: pending until it completes. */
    void staged(Delivery d, long since, CompletionStage<?> stage) {
        stages.put(d, since);
        stageOf.put(d, stage);
    }

    /** The stage of {@code d} is no longer pending (completed, or given up); false when it was not. */
    boolean unstage(Delivery d) {
        stages.remove(d);
        return stageOf.remove(d) != null;
    }

    List<Delivery> staged() {
        return List.copyOf(stageOf.keySet());
    }

    /**
     * When the oldest call of {@code owner}'s holding {@code holding} still running started (its synchronous part,
     * or its stage until it completes), as System.nanoTime; {@code Long.MAX_VALUE} when none runs.
     */
    long oldestSince(DeliveryOwner owner, long holding) {
        long oldest = Long.MAX_VALUE;
        synchronized (this) {
            if (calling != null && calling.of(owner, holding) && !interruptedByDeadline) {
                oldest = callSince;
            }
        }
        for (Map.Entry<Delivery, Long> e : stages.entrySet()) {
            if (e.getKey().of(owner, holding)) {
                oldest = Math.min(oldest, e.getValue());
            }
        }
        return oldest;
    }

    /**
     * Abandons the calls of {@code owner}'s holding {@code holding}: the running one's thread is interrupted,
     * pending stages are cancelled. A call that ignores the interrupt runs on, counted by
     * {@link #abandonedRunning} until it returns. Returns the deliveries abandoned.
     */
    List<Delivery> abandon(DeliveryOwner owner, long holding) {
        List<Delivery> abandoned = new ArrayList<>();
        synchronized (this) {
            if (calling != null && calling.of(owner, holding) && !interruptedByDeadline) {
                interruptedByDeadline = true;
                abandonedCall = calling;
                abandoned.add(calling);
                caller.interrupt();
            }
        }
        for (Map.Entry<Delivery, CompletionStage<?>> e : stageOf.entrySet()) {
            if (e.getKey().of(owner, holding)) {
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

    /** Calls of {@code owner} abandoned past their deadline that have not returned yet (0 or 1). */
    synchronized int abandonedRunning(DeliveryOwner owner) {
        return abandonedCall != null && abandonedCall.owner() == owner ? 1 : 0;
    }
}
