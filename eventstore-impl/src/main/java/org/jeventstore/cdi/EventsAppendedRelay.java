package org.jeventstore.cdi;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Function;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.jeventstore.EventStore;
import org.jeventstore.EventsAppended;

/**
 * Hands {@link EventsAppended} notifications to the observers one at a time, off the caller's thread: a drain task
 * runs on the executor only while notifications wait, so no thread is held while idle, and the notification
 * listener's thread only enqueues (it must never wait for observers: PostgreSQL keeps undelivered notifications in
 * a bounded queue whose overflow fails the writers' commits). When the delivery returns a stage (the asynchronous
 * observers, {@code fireAsync}), the next notification is handed out once that stage completes, without holding a
 * thread meanwhile: slow asynchronous observers must not pile up one executor task per notification either.
 *
 * <p>The queue is bounded by coalescing, since a notification is a hint ("stream S has new events from F to T"):
 * at most one notification waits per stream; one that arrives for a stream that already has one waiting widens
 * it (the lowest first version, the highest last version) and keeps its place. However slow an observer is and
 * however many appends a stream gets meanwhile, every stream's last version reaches it, and per stream the ranges
 * it sees come in the order they were announced (PostgreSQL announces a stream's appends in version order) and
 * never overlap. Across streams, notifications come in the order the streams first had one waiting.
 *
 * <p>The streams waiting are bounded too ({@code maxStreams}): when that many wait, a notification of one more
 * stream is folded into {@code $all}'s, which is always taken: every append also advances {@code $all} and
 * announces it, so its events are still announced, by the range of {@code $all} positions that holds them
 * (JES0107W says when folding starts). A link to such a stream does not advance {@code $all}: it is not announced.
 * At most {@code maxStreams + 1} notifications wait.
 */
final class EventsAppendedRelay {

    /** Streams that may wait at once: about 10-20 MB with ordinary stream ids, before folding into $all. */
    static final int MAX_STREAMS = 100_000;

    private static final Logger LOG = Logger.getLogger(EventsAppendedRelay.class.getName());

    private final String name;
    private final Executor executor;
    private final Function<EventsAppended, CompletionStage<?>> deliver;
    private final int maxStreams;
    /** Guarded by itself: the waiting notification of each stream, in the order the streams began to wait. */
    private final Map<String, EventsAppended> waiting = new LinkedHashMap<>();
    /** Guarded by {@link #waiting}: a drain task is scheduled or running. */
    private boolean scheduled;
    /** Guarded by {@link #waiting}: notifications folded into $all's since the queue last emptied. */
    private long folded;

    /**
     * @param deliver    hands one notification to the observers; returns {@code null} when they are done, or a
     *                   stage that completes when they are (a failed stage is logged, as a thrown exception is)
     * @param maxStreams how many streams' notifications may wait before further streams' are folded into $all's
     */
    EventsAppendedRelay(String name, Executor executor, Function<EventsAppended, CompletionStage<?>> deliver,
                        int maxStreams) {
        if (maxStreams < 1) {
            throw new IllegalArgumentException(name + ": maxStreams must be at least 1, was " + maxStreams);
        }
        this.name = name;
        this.executor = executor;
        this.deliver = deliver;
        this.maxStreams = maxStreams;
    }

    void submit(EventsAppended appended) {
        boolean schedule;
        synchronized (waiting) {
            String stream = appended.streamId();
            EventsAppended queued = waiting.get(stream);
            if (queued != null) {
                waiting.put(stream, widened(queued, appended));
            } else if (waiting.size() < maxStreams || EventStore.ALL.equals(stream)) {
                waiting.put(stream, appended);
            } else if (folded++ == 0) {
                LOG.warning("JES0107W " + name + ": " + waiting.size() + " streams' notifications wait for slow"
                        + " observers; until they catch up, notifications of further streams are folded into $all's"
                        + " (first folded: " + appended + ")");
            }
            schedule = !scheduled;
            scheduled = true;
        }
        if (schedule) {
            schedule();
        }
    }

    /** How many notifications wait (one per stream at most). */
    int size() {
        synchronized (waiting) {
            return waiting.size();
        }
    }

    private static EventsAppended widened(EventsAppended a, EventsAppended b) {
        return new EventsAppended(a.streamId(), Math.min(a.fromVersion(), b.fromVersion()),
                Math.max(a.toVersion(), b.toVersion()));
    }

    private void schedule() {
        try {
            executor.execute(this::drain);
        } catch (RejectedExecutionException e) {
            int size;
            synchronized (waiting) {
                scheduled = false;
                size = waiting.size();
            }
            LOG.log(Level.WARNING, "JES0105W " + name + ": executor refused the dispatch task; " + size
                    + " notification(s) wait for the next one", e);
        }
    }

    private void drain() {
        boolean handedOn = false;
        try {
            EventsAppended next;
            while ((next = take()) != null) {
                CompletionStage<?> pending;
                try {
                    pending = deliver.apply(next);
                } catch (RuntimeException | Error e) { // an observer's Error is its own: the others go on
                    LOG.log(Level.WARNING, "JES0106W " + name + ": an observer failed on " + next, e);
                    continue;
                }
                if (pending != null && !finished(pending, next)) {
                    // this task ends holding the flag; the stage's completion starts the next one
                    handedOn = true;
                    return;
                }
            }
            handedOn = true; // take() cleared the flag: a submit from now on schedules the next task
        } finally {
            if (!handedOn) {
                // an Error left the loop while this task still held the flag: hand it on to a new task
                boolean again;
                synchronized (waiting) {
                    again = !waiting.isEmpty();
                    scheduled = again;
                }
                if (again) {
                    schedule();
                }
            }
        }
    }

    /**
     * Whether the asynchronous delivery of {@code appended} has finished; if not, the next drain task is scheduled
     * when it does. (Completion is observed through {@code whenComplete} only: a container's stage need not
     * support {@code toCompletableFuture}.)
     */
    private boolean finished(CompletionStage<?> pending, EventsAppended appended) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        pending.whenComplete((result, failure) -> {
            if (failure != null) {
                LOG.log(Level.WARNING, "JES0106W " + name + ": an asynchronous observer failed on " + appended,
                        failure);
            }
            done.complete(null);
        });
        if (done.isDone()) {
            return true;
        }
        done.whenComplete((result, failure) -> schedule());
        return false;
    }

    /** The oldest waiting notification, removed; {@code null} (and no drain task scheduled) when none waits. */
    private EventsAppended take() {
        synchronized (waiting) {
            Iterator<EventsAppended> it = waiting.values().iterator();
            if (!it.hasNext()) {
                scheduled = false;
                if (folded > 0) {
                    LOG.info("JES0108I " + name + ": observers caught up; " + folded + " notification(s) were"
                            + " folded into $all's meanwhile");
                    folded = 0;
                }
                return null;
            }
            EventsAppended next = it.next();
            it.remove();
            return next;
        }
    }
}
