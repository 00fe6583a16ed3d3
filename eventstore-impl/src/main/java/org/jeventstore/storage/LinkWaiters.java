package org.jeventstore.storage;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * This server's appends waiting for their {@code $all} positions (group linking: one pass releases all it linked)
 * and the back-pressure on those that do not wait ({@link #awaitRoom}). The loop's rounds register here what each
 * pass did; a waiter a round's passes did not release (another server linked it, a hard delete removed it, it was
 * set aside) is looked up by its event ids.
 */
final class LinkWaiters {

    /** An append of this server waiting for its positions, registered in round {@code round}. */
    private record Waiter(long appendId, UUID first, UUID last, long round, CompletableFuture<LinkPasses.Linked> done) {
    }

    private final Map<Long, Waiter> waiters = new ConcurrentHashMap<>();
    private volatile boolean closed;

    /** Registers an append of round {@code round}; the future completes as {@link LinkerLoop#awaitLinked}. */
    CompletableFuture<LinkPasses.Linked> register(long appendId, UUID first, UUID last, long round) {
        Waiter w = new Waiter(appendId, first, last, round, new CompletableFuture<>());
        waiters.put(appendId, w);
        if (closed) {
            waiters.remove(appendId);
            w.done().complete(null);
        }
        return w.done();
    }

    void forget(long appendId) {
        waiters.remove(appendId);
    }

    int size() {
        return waiters.size();
    }

    boolean isEmpty() {
        return waiters.isEmpty();
    }

    /** Completes the waiter of {@code appendId}, if there is one, with {@code outcome}. */
    void complete(long appendId, LinkPasses.Linked outcome) {
        Waiter w = waiters.remove(appendId);
        if (w != null) {
            w.done().complete(outcome);
        }
    }

    /**
     * Releases what a pass did (linked or held behind a set-aside append); returns the {@code $all} range it linked
     * as {first, last}, or null when it linked no position.
     */
    long[] released(LinkPasses.Pass pass) {
        for (LinkPasses.Linked h : pass.held()) {
            complete(h.appendId(), h);
        }
        long first = Long.MAX_VALUE;
        long last = 0;
        for (LinkPasses.Linked l : pass.linked()) {
            complete(l.appendId(), l);
            if (l.firstPosition() > 0) {
                first = Math.min(first, l.firstPosition());
                last = Math.max(last, l.lastPosition());
            }
        }
        return last > 0 ? new long[] {first, last} : null;
    }

    /**
     * Waiters registered before {@code round} began whose appends no pass of it linked: each is looked up by its
     * event ids and released, unless it still waits. Returns whether one still waits (another round is due).
     */
    boolean resolveLeftovers(long round, LinkPasses linker) {
        List<Waiter> left = new ArrayList<>();
        for (Waiter w : waiters.values()) {
            if (w.round() < round) {
                left.add(w);
            }
        }
        boolean stillWaiting = false;
        for (Waiter w : left) {
            LinkPasses.Standing s = linker.standing(w.appendId(), w.first(), w.last());
            if (s.waiting()) {
                stillWaiting = true;
            } else if (waiters.remove(w.appendId(), w)) {
                w.done().complete(new LinkPasses.Linked(w.appendId(), s.firstPosition(), s.lastPosition(), 0,
                        s.notLinked(), s.detail()));
            }
        }
        return stillWaiting;
    }

    /**
     * Waits while more than {@code max} appends wait (the caller's own included), at most {@code timeout}.
     *
     * @return whether the backlog fell to {@code max} in time
     */
    boolean awaitRoom(int max, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (waiters.size() > max && !closed) {
            Waiter oldest = waiters.values().stream().min((a, b) -> Long.compare(a.appendId(), b.appendId()))
                    .orElse(null);
            if (oldest == null) {
                break;
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            try {
                oldest.done().get(left, TimeUnit.NANOSECONDS);
            } catch (TimeoutException e) {
                return false;
            } catch (ExecutionException e) {
                // never completed exceptionally; go round
            }
        }
        return true;
    }

    /** The linker closes: every waiter is released with {@code null} (its caller links on its own thread). */
    void close() {
        closed = true;
        for (Waiter w : List.copyOf(waiters.values())) {
            waiters.remove(w.appendId());
            w.done().complete(null);
        }
    }
}
