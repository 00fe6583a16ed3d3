package org.jeventstore.storage;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.jeventstore.EventStore;
import org.jeventstore.EventsAppended;

/**
 * Runs {@link Linker} passes on a long-running executor task: woken by this server's appends once they have
 * committed ({@link #signal()}), and every {@code poll} regardless, which also links what a server that died
 * between its commit and its link left behind. After a pass that filled its batch it runs another at once;
 * a failing pass is logged and retried with a growing pause (at most 5 s). Every server runs one: their passes
 * queue on the {@code $all} row, so no election is needed.
 */
public final class BackgroundLinker implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(BackgroundLinker.class.getName());
    private static final long MAX_PAUSE_MS = 5_000;
    private static final long VACUUM_EVERY_NANOS = TimeUnit.SECONDS.toNanos(1);

    private final Linker linker;
    private final long pollMillis;
    private final Consumer<EventsAppended> local;
    private final Semaphore wake = new Semaphore(0);
    private volatile boolean closed;
    private volatile boolean started;
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
    }

    /** Starts the loop as one long-running task on {@code executor}. */
    public synchronized void start(Executor executor) {
        if (started) {
            return;
        }
        started = true;
        executor.execute(this::run);
    }

    /** Asks for a pass soon: called after an append committed. Cheap, never blocks. */
    public void signal() {
        if (wake.availablePermits() == 0) {
            wake.release();
        }
    }

    @Override
    public void close() {
        closed = true;
        wake.release();
    }

    private void run() {
        long pause = 0;
        boolean failing = false;
        try {
            while (!closed) {
                if (pause > 0) {
                    TimeUnit.MILLISECONDS.sleep(pause);
                } else {
                    wake.tryAcquire(pollMillis, TimeUnit.MILLISECONDS);
                }
                // signals arriving from here on ask for another pass after this one
                wake.drainPermits();
                if (closed) {
                    break;
                }
                try {
                    linkAll();
                    if (failing) {
                        LOG.info("JES0301I linking appends into $all works again");
                    }
                    failing = false;
                    pause = 0;
                } catch (RuntimeException e) {
                    pause = pause == 0 ? 100 : Math.min(pause * 2, MAX_PAUSE_MS);
                    if (!failing) {
                        LOG.log(Level.WARNING, "JES0302W linking appends into $all failed (retrying every "
                                + MAX_PAUSE_MS / 1000 + " s at most; appends still commit, $all readers wait): "
                                + e.getMessage(), e);
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
        }
    }

    private void linkAll() {
        if (!linker.pending()) {
            return;
        }
        List<Linker.Linked> linked;
        do {
            linked = linker.pass();
            if (!linked.isEmpty()) {
                long first = linked.stream().mapToLong(Linker.Linked::firstPosition).min().getAsLong();
                long last = linked.stream().mapToLong(Linker.Linked::lastPosition).max().getAsLong();
                local.accept(new EventsAppended(EventStore.ALL, first, last));
            }
        } while (!closed && linked.size() >= linker.batchSize()); // a full batch: more may be waiting
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
