package org.jeventstore.notifications;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.jeventstore.config.Backoff;

/**
 * Announces this server's committed appends on the store's channel, after their commit and outside their
 * transaction: PostgreSQL takes a database-wide lock at the commit of every transaction that notified and keeps it
 * through the commit's WAL flush, so appends that notify themselves commit one after the other and lose group
 * commit (issue 24: 8 writers ran 0.20x of plain inserts with a NOTIFY each).
 *
 * <p>One per store on a server. Writers only queue their ranges ({@link #announce}, never blocks on the database);
 * one loop sends everything queued since its last round in one short transaction of its own (see
 * notify-appends.sql), so under load many appends share one notifying commit. Ranges of one stream queued in the
 * same round go out merged where they touch and in version order; rounds go out in the order they were queued.
 * Listeners must not rely on commit order across rounds or servers: this store's subscriptions read storage on any
 * announcement, and Elixir's subscriptions ignore ranges they have seen and catch up from storage on a gap.
 *
 * <p>What this gives up: a server that dies between an append's commit and the round that announces it never
 * announces it. Other servers' persistent subscriptions still read it at their next safety poll
 * ({@code SubscriptionOptions.safetyPoll}, default 5 s) or at the next announcement of their stream; transient
 * subscriptions and {@code EventsAppended} observers elsewhere at the next announcement of the same stream.
 *
 * <p>A round the database refuses is retried with backoff (10 ms doubling, {@value #ATTEMPTS} attempts in all);
 * then its announcements are dropped and logged (JES0110W), for the same safety net to make good. While the loop
 * does not run (before the executor starts it, after {@link #close}) the announcing thread sends itself.
 */
public final class Notifier implements AutoCloseable {

    /** Sends payloads on the store's channel, in one transaction; throws when the database refused. */
    @FunctionalInterface
    public interface Sender {
        void send(List<String> payloads);
    }

    private static final Logger LOG = Logger.getLogger(Notifier.class.getName());
    static final int ATTEMPTS = 4;
    private static final Backoff RETRY = Backoff.of(10, 1_000);
    /** At most this many payloads per statement. */
    static final int CHUNK = 1_000;

    private final Sender sender;
    private final String description;
    /** Ranges waiting for the next round, per stream in the order streams were first announced. */
    private Map<Stream, List<long[]>> pending = new LinkedHashMap<>();
    private final Object sending = new Object();
    private final Semaphore wake = new Semaphore(0);
    private final CountDownLatch stopped = new CountDownLatch(1);
    private volatile boolean started;
    /** Whether the loop runs (an executor may take its time to start it, or never do). */
    private volatile boolean running;
    private volatile boolean closed;

    private record Stream(String uuid, long id) {
    }

    /** @param description what the log calls this notifier (its schema) */
    public Notifier(Sender sender, String description) {
        this.sender = sender;
        this.description = description;
    }

    /** Runs the sending loop as one long-running task on {@code executor}. */
    public synchronized void start(Executor executor) {
        if (started || closed) {
            return;
        }
        started = true;
        executor.execute(this::run);
    }

    /** Queues committed ranges for the next round and wakes the loop; sends at once when no loop runs. */
    public void announce(Collection<Announcement> announcements) {
        if (announcements.isEmpty()) {
            return;
        }
        synchronized (this) {
            for (Announcement a : announcements) {
                pending.computeIfAbsent(new Stream(a.streamUuid(), a.streamId()), s -> new ArrayList<>(2))
                        .add(new long[] {a.from(), a.to()});
            }
        }
        if (!running || closed) {
            flush();
        } else if (wake.availablePermits() == 0) {
            wake.release();
        }
    }

    public void announce(Announcement announcement) {
        announce(List.of(announcement));
    }

    /** Whether the loop runs (otherwise announcing threads send themselves). */
    boolean running() {
        return running;
    }

    /** Stops the loop after one last round for what is queued; returns within about one round. */
    @Override
    public void close() {
        closed = true;
        wake.release();
        if (running) {
            try {
                if (!stopped.await(5, TimeUnit.SECONDS)) {
                    LOG.warning("JES0111W the notifier of " + description + " did not stop within 5 s");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        flush();
    }

    private void run() {
        running = true;
        try {
            while (!closed) {
                wake.acquire();
                wake.drainPermits();
                flush();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            if (!closed) {
                LOG.warning("JES0112W the notifier of " + description + " was interrupted; this server's appends"
                        + " are announced by their own threads from now on");
            }
        } catch (RuntimeException | Error e) { // the loop must never end unseen
            LOG.log(Level.SEVERE, "JES0113E the notifier of " + description + " failed; this server's appends"
                    + " are announced by their own threads from now on", e);
        } finally {
            running = false;
            stopped.countDown();
            flush();
        }
    }

    /** One round: everything queued so far, in one transaction (chunked), retried a few times, then dropped. */
    private void flush() {
        synchronized (sending) {
            List<String> payloads = take();
            if (payloads.isEmpty()) {
                return;
            }
            long pause = 0;
            for (int attempt = 1; ; attempt++) {
                try {
                    for (int i = 0; i < payloads.size(); i += CHUNK) {
                        sender.send(payloads.subList(i, Math.min(payloads.size(), i + CHUNK)));
                    }
                    return;
                } catch (RuntimeException e) {
                    if (attempt >= ATTEMPTS) {
                        LOG.log(Level.WARNING, "JES0110W the notifier of " + description + " dropped "
                                + payloads.size() + " announcements after " + attempt + " attempts (other servers"
                                + " read those appends at their next safety poll): " + e.getMessage(), e);
                        return;
                    }
                    pause = RETRY.after(pause);
                    try {
                        TimeUnit.MILLISECONDS.sleep(pause);
                    } catch (InterruptedException interrupted) {
                        Thread.currentThread().interrupt();
                        LOG.warning("JES0110W the notifier of " + description + " dropped " + payloads.size()
                                + " announcements: interrupted while retrying after " + e.getMessage());
                        return;
                    }
                }
            }
        }
    }

    /**
     * PostgreSQL refuses a payload of this many bytes or more (and with it the whole round). The store's own stream
     * ids are shorter ({@link org.jeventstore.StreamIds#MAX_BYTES}); a stream another writer named longer is linked
     * all the same, and only its announcement is left out.
     */
    static final int MAX_PAYLOAD_BYTES = 8_000;

    /** Takes what is queued: per stream, its ranges sorted and merged where they touch. */
    private List<String> take() {
        Map<Stream, List<long[]>> taken;
        synchronized (this) {
            if (pending.isEmpty()) {
                return List.of();
            }
            taken = pending;
            pending = new LinkedHashMap<>();
        }
        List<String> payloads = new ArrayList<>(taken.size());
        for (Map.Entry<Stream, List<long[]>> e : taken.entrySet()) {
            if (e.getKey().uuid().getBytes(StandardCharsets.UTF_8).length > MAX_PAYLOAD_BYTES - 64) {
                LOG.warning("JES0114W the notifier of " + description + " cannot announce stream id " + e.getKey().id()
                        + ": its name (" + e.getKey().uuid().length() + " characters) does not fit a notification;"
                        + " its events are stored and linked, and subscribers read them at their next safety poll");
                continue;
            }
            List<long[]> ranges = e.getValue();
            ranges.sort(Comparator.comparingLong(r -> r[0]));
            long from = ranges.get(0)[0];
            long to = ranges.get(0)[1];
            for (int i = 1; i < ranges.size(); i++) {
                long[] r = ranges.get(i);
                if (r[0] <= to + 1) {
                    to = Math.max(to, r[1]);
                } else {
                    payloads.add(new Announcement(e.getKey().uuid(), e.getKey().id(), from, to).payload());
                    from = r[0];
                    to = r[1];
                }
            }
            payloads.add(new Announcement(e.getKey().uuid(), e.getKey().id(), from, to).payload());
        }
        return payloads;
    }
}
