package org.jeventstore.storage;

import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.jeventstore.EventStore;
import org.jeventstore.EventsAppended;
import org.jeventstore.config.Backoff;

/**
 * Runs {@link LinkPasses} passes on a long-running executor task: woken by this server's appends once they have
 * committed, and every {@code poll} regardless, which also links what a server that died between its commit and
 * its link left behind. Every server runs one: their passes queue on the {@code $all} row, so no election is
 * needed.
 *
 * <p>Appends of this server that wait for their positions register with {@link #awaitLinked} and are released
 * by the pass that links them: one pass links everyone waiting (group linking), so a waiting append costs about
 * one pass, not a commit of its own. An append linked by another server's pass is found after the next round
 * of this server's passes (by its event ids).
 *
 * <p>Beside the loop: {@link LinkWaiters} (the appends waiting for their positions) and {@link FailingPasses}
 * (what a failed pass means). A pass that fails for a reason of the appends' own (their data, a constraint, a limit: see
 * {@link #notTheAppends}) is retried with fewer appends, down to the oldest alone; an append that fails alone three
 * times in a row is set aside ({@code jes_set_aside}, logged JES0305E with its stream and event ids, counted in
 * readiness) so that the appends of other streams keep flowing, while the later appends of its stream wait behind
 * it (so that the stream keeps its order in {@code $all}). Any other failure (a timeout, a cancel, a deadlock, a
 * read-only server, the connection) is never an append's fault: the loop retries with backoff. After ten set aside
 * in a row without a successful link, the fault is taken for one every pass meets: nothing more is set aside
 * (JES0308E). A failing loop is logged and retried with a growing pause (at most 5 s); it never stops while the
 * store is open.
 */
public final class LinkerLoop implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(LinkerLoop.class.getName());
    private static final long MAX_PAUSE_MS = 5_000;
    private static final Backoff RETRY = Backoff.of(100, MAX_PAUSE_MS);
    private static final long VACUUM_EVERY_NANOS = TimeUnit.SECONDS.toNanos(1);

    private final LinkPasses linker;
    private final long pollMillis;
    private final Consumer<EventsAppended> local;
    private final Semaphore wake = new Semaphore(0);
    private final LinkWaiters waiters = new LinkWaiters();
    private final FailingPasses failures;
    private volatile boolean closed;
    private volatile boolean started;
    /** Rounds begun; a round is the passes run for one wake-up. Only the loop's thread writes it. */
    private volatile long rounds;
    private long lastVacuum = System.nanoTime();

    /**
     * @param local told of the {@code $all} range each pass linked, so that this server's {@code $all}
     *              subscriptions need not wait for the NOTIFY
     */
    public LinkerLoop(LinkPasses linker, Duration poll, Consumer<EventsAppended> local) {
        if (poll.isNegative() || poll.isZero()) {
            throw new IllegalArgumentException("linker poll interval must be > 0, was " + poll);
        }
        this.linker = linker;
        this.pollMillis = poll.toMillis();
        this.local = local;
        this.failures = new FailingPasses(linker, waiters);
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
    public CompletableFuture<LinkPasses.Linked> awaitLinked(long appendId, UUID first, UUID last) {
        CompletableFuture<LinkPasses.Linked> done = waiters.register(appendId, first, last, rounds);
        signal();
        return done;
    }

    /** Stops waiting for {@code appendId} (its caller gave up); the append is still linked. */
    public void forget(long appendId) {
        waiters.forget(appendId);
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
        return waiters.awaitRoom(max, timeout);
    }

    @Override
    public void close() {
        closed = true;
        wake.release();
        waiters.close();
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
        LinkPasses.Pass pass;
        do {
            try {
                pass = linker.pass(failures.limit());
                failures.succeeded(pass);
            } catch (RuntimeException e) {
                pass = failures.failed(e);
            }
            long[] range = waiters.released(pass);
            if (range != null) {
                local.accept(new EventsAppended(EventStore.ALL, range[0], range[1]));
            }
        } while (!closed && pass.full());
        if (waiters.resolveLeftovers(round, linker)) {
            signal();
        }
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
}
