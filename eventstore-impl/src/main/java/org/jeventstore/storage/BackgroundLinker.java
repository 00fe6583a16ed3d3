package org.jeventstore.storage;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.jeventstore.AppendNotLinkedException;
import org.jeventstore.EventStore;
import org.jeventstore.EventsAppended;
import org.jeventstore.StorageException;

/**
 * Runs {@link Linker} passes on a long-running executor task: woken by this server's appends once they have
 * committed, and every {@code poll} regardless, which also links what a server that died between its commit and
 * its link left behind. Every server runs one: their passes queue on the {@code $all} row, so no election is
 * needed.
 *
 * <p>Appends of this server that wait for their positions register with {@link #awaitLinked} and are released
 * by the pass that links them: one pass links everyone waiting (group linking), so a waiting append costs about
 * one pass, not a commit of its own. An append linked by another server's pass is found after the next round
 * of this server's passes (by its event ids).
 *
 * <p>A pass that fails for a reason of the appends' own (their data, a constraint, a limit: see
 * {@link #notTheAppends}) is retried with fewer appends, down to the oldest alone; an append that fails alone three
 * times in a row is set aside ({@code jes_set_aside}, logged JES0305E with its stream and event ids, counted in
 * readiness) so that the appends of other streams keep flowing, while the later appends of its stream wait behind
 * it (so that the stream keeps its order in {@code $all}). Any other failure (a timeout, a cancel, a deadlock, a
 * read-only server, the connection) is never an append's fault: the loop retries with backoff. After ten set aside
 * in a row without a successful link, the fault is taken for one every pass meets: nothing more is set aside
 * (JES0308E). A failing loop is logged and retried with a growing pause (at most 5 s); it never stops while the
 * store is open.
 */
public final class BackgroundLinker implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(BackgroundLinker.class.getName());
    private static final long MAX_PAUSE_MS = 5_000;
    private static final org.jeventstore.config.Backoff RETRY = org.jeventstore.config.Backoff.of(100, MAX_PAUSE_MS);
    private static final long VACUUM_EVERY_NANOS = TimeUnit.SECONDS.toNanos(1);
    /** Failures of the oldest append alone, in a row, before it is set aside. */
    static final int STRIKES = 3;
    static final int MAX_SET_ASIDE_IN_A_ROW = 10;

    /** An append of this server waiting for its positions, registered in round {@code round}. */
    private record Waiter(long appendId, UUID first, UUID last, long round, CompletableFuture<Linker.Linked> done) {
    }

    private final Linker linker;
    private final long pollMillis;
    private final Consumer<EventsAppended> local;
    private final Semaphore wake = new Semaphore(0);
    private final Map<Long, Waiter> waiters = new ConcurrentHashMap<>();
    private final Map<Long, Integer> strikes = new ConcurrentHashMap<>();
    private volatile boolean closed;
    private volatile boolean started;
    /** Rounds begun; a round is the passes run for one wake-up. Only the loop's thread writes it. */
    private volatile long rounds;
    private int limit;
    /**
     * Appends set aside since the last successful link. A fault that every pass meets is no append's fault: after
     * {@link #MAX_SET_ASIDE_IN_A_ROW} in a row nothing more is set aside until something links again.
     */
    private int setAsideInARow;
    private long lastVacuum = System.nanoTime();

    /**
     * @param local told of the {@code $all} range each pass linked, so that this server's {@code $all}
     *              subscriptions need not wait for the NOTIFY
     */
    public BackgroundLinker(Linker linker, Duration poll, Consumer<EventsAppended> local) {
        if (poll.isNegative() || poll.isZero()) {
            throw new IllegalArgumentException("linker poll interval must be > 0, was " + poll);
        }
        this.linker = linker;
        this.pollMillis = poll.toMillis();
        this.local = local;
        this.limit = linker.batchSize();
    }

    /** Starts the loop as one long-running task on {@code executor}. */
    public synchronized void start(Executor executor) {
        if (started) {
            return;
        }
        started = true;
        executor.execute(this::run);
    }

    /** Asks for a pass soon. Cheap, never blocks. */
    public void signal() {
        if (wake.availablePermits() == 0) {
            wake.release();
        }
    }

    /**
     * Registers a committed append of this server (its {@code jes_unlinked} id and first and last event ids) and
     * wakes the loop. The future completes with its positions once a pass has linked it (positions 0 when a hard
     * delete removed it; a {@code notLinked} reason when it, or an earlier append of its stream, was set aside), or
     * with {@code null} when this linker closes first.
     */
    public CompletableFuture<Linker.Linked> awaitLinked(long appendId, UUID first, UUID last) {
        Waiter w = new Waiter(appendId, first, last, rounds, new CompletableFuture<>());
        waiters.put(appendId, w);
        if (closed) {
            waiters.remove(appendId);
            w.done().complete(null);
        }
        signal();
        return w.done();
    }

    /** Stops waiting for {@code appendId} (its caller gave up); the append is still linked. */
    public void forget(long appendId) {
        waiters.remove(appendId);
    }

    /** This server's appends registered and not yet linked. */
    public int waiting() {
        return waiters.size();
    }

    /**
     * Waits while this server has more than {@code max} appends waiting for their positions (the caller's own
     * included), at most {@code timeout}: how appends that do not wait for their own positions are paced, so that
     * the backlog stays bounded.
     *
     * @return whether the backlog fell to {@code max} in time
     */
    public boolean awaitRoom(int max, Duration timeout) throws InterruptedException {
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

    @Override
    public void close() {
        closed = true;
        wake.release();
        for (Waiter w : List.copyOf(waiters.values())) {
            waiters.remove(w.appendId());
            w.done().complete(null);
        }
    }

    private void run() {
        long pause = 0;
        boolean failing = false;
        try {
            while (!closed) {
                boolean woken;
                if (pause > 0) {
                    TimeUnit.MILLISECONDS.sleep(pause);
                    woken = true;
                } else {
                    woken = wake.tryAcquire(pollMillis, TimeUnit.MILLISECONDS);
                }
                // signals arriving from here on ask for another round after this one
                wake.drainPermits();
                if (closed) {
                    break;
                }
                try {
                    linkAll(woken || !waiters.isEmpty());
                    if (failing) {
                        LOG.info("JES0301I linking appends into $all works again");
                    }
                    failing = false;
                    pause = 0;
                } catch (RuntimeException | Error e) { // an Error too: the loop must never end unseen
                    pause = RETRY.after(pause);
                    if (!failing) {
                        LOG.log(Level.WARNING, "JES0302W linking appends into $all failed (retrying every "
                                + MAX_PAUSE_MS / 1000 + " s at most; appends still commit, $all readers and"
                                + " appends waiting for their positions wait): " + e.getMessage(), e);
                    } else {
                        LOG.log(Level.FINE, "linking appends into $all failed again", e);
                    }
                    failing = true;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            if (!closed) {
                LOG.warning("JES0303W the $all linker was interrupted and stops; appends still commit but $all"
                        + " readers wait for another server's linker");
            }
        } finally {
            close();
        }
    }

    /** One round: passes until one is not full, then the waiters another server may have linked. */
    private void linkAll(boolean surelyPending) {
        if (!surelyPending && !linker.pending()) {
            return;
        }
        long round = ++rounds;
        Linker.Pass pass;
        do {
            pass = nextPass();
            released(pass);
        } while (!closed && pass.full());
        resolveLeftovers(round);
        long now = System.nanoTime();
        if (now - lastVacuum > VACUUM_EVERY_NANOS) {
            lastVacuum = now;
            try {
                linker.vacuum();
            } catch (RuntimeException e) {
                LOG.log(Level.FINE, "vacuuming jes_unlinked failed (autovacuum will)", e);
            }
        }
    }

    /**
     * A pass of up to {@link #limit} appends. When it fails for a reason other than the connection, the limit
     * halves (an append that cannot be linked is then found in a few passes while the others still flow); at 1,
     * the oldest append is set aside after {@link #STRIKES} failures in a row. Successful passes double it back.
     */
    private Linker.Pass nextPass() {
        try {
            Linker.Pass pass = linker.pass(limit);
            limit = Math.min(linker.batchSize(), limit * 2);
            if (!pass.linked().isEmpty()) {
                strikes.clear();
                setAsideInARow = 0;
            }
            return pass;
        } catch (RuntimeException e) {
            if (notTheAppends(e)) {
                throw e;
            }
            if (limit > 1) {
                limit = Math.max(1, limit / 2);
                LOG.log(Level.FINE, "a linker pass failed; trying " + limit + " appends at a time", e);
                return new Linker.Pass(List.of(), true);
            }
            long oldest = linker.oldest();
            if (oldest == 0 || strikes.merge(oldest, 1, Integer::sum) < STRIKES) {
                throw e;
            }
            if (setAsideInARow >= MAX_SET_ASIDE_IN_A_ROW) {
                LOG.log(Level.SEVERE, "JES0308E " + setAsideInARow + " appends in a row could not be linked into $all"
                        + " and were set aside; nothing more is set aside until an append links again (a fault every"
                        + " pass meets, not an append's): " + e.getMessage(), e);
                throw e;
            }
            strikes.remove(oldest);
            setAsideInARow++;
            Linker.SetAside aside = linker.setAside(oldest, String.valueOf(e.getMessage()));
            if (aside != null) {
                LOG.log(Level.SEVERE, "JES0305E an append to stream '" + aside.streamId() + "' (versions "
                        + aside.firstVersion() + "-" + aside.lastVersion() + ", events " + aside.eventIds()
                        + ", jes_unlinked id " + aside.appendId() + ") could not be linked into $all and was set"
                        + " aside in jes_set_aside; the appends of other streams are linked, the later ones of its"
                        + " stream wait behind it. Its events stay in their stream;"
                        + " EventStoreOperations.retrySetAside retries it. Cause: " + e.getMessage(), e);
                complete(oldest, Linker.Linked.notLinked(oldest, AppendNotLinkedException.Reason.SET_ASIDE,
                        "it was set aside (jes_set_aside id " + oldest + "): " + e.getMessage()));
            }
            return new Linker.Pass(List.of(), true);
        }
    }

    /**
     * Whether a failure says nothing about the appends in the pass: anything but an error of their data, a
     * constraint or a limit.
     */
    static boolean notTheAppends(RuntimeException e) {
        String state = e instanceof StorageException s ? s.sqlState() : null;
        if (state == null || state.length() < 2) {
            return true;
        }
        // Only what one append's own rows can cause counts against it: its data (22: a value out of range, a
        // notification payload too long), a constraint (23), a limit (54: an index row too big). Everything else
        // (a statement timeout or cancel 57014, a read-only server 25006, a lock timeout 55P03, a deadlock 40P01,
        // the connection 08, resources 53, the schema or privileges 42, a shutdown 57P, internal XX) would meet
        // any pass, and a healthy append set aside for it would leave $all without it.
        return switch (state.substring(0, 2)) {
            case "22", "23", "54" -> false;
            default -> true;
        };
    }

    private void complete(long appendId, Linker.Linked outcome) {
        Waiter w = waiters.remove(appendId);
        if (w != null) {
            w.done().complete(outcome);
        }
    }

    private void released(Linker.Pass pass) {
        for (Linker.Linked h : pass.held()) {
            complete(h.appendId(), h);
        }
        long first = Long.MAX_VALUE;
        long last = 0;
        for (Linker.Linked l : pass.linked()) {
            complete(l.appendId(), l);
            if (l.firstPosition() > 0) {
                first = Math.min(first, l.firstPosition());
                last = Math.max(last, l.lastPosition());
            }
        }
        if (last > 0) {
            local.accept(new EventsAppended(EventStore.ALL, first, last));
        }
    }

    /**
     * Waiters registered before this round began whose appends no pass of it linked: another server's pass did,
     * or a hard delete removed them, or they were set aside. Each is looked up by its event ids; one still
     * waiting asks for another round.
     */
    private void resolveLeftovers(long round) {
        List<Waiter> left = new ArrayList<>();
        for (Waiter w : waiters.values()) {
            if (w.round() < round) {
                left.add(w);
            }
        }
        for (Waiter w : left) {
            Linker.Standing s = linker.standing(w.appendId(), w.first(), w.last());
            if (s.waiting()) {
                signal();
            } else if (waiters.remove(w.appendId(), w)) {
                w.done().complete(new Linker.Linked(w.appendId(), s.firstPosition(), s.lastPosition(), 0,
                        s.notLinked(), s.detail()));
            }
        }
    }
}
