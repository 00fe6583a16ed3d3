package org.jeventstore.subscriptions;

import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.logging.Logger;
import org.jeventstore.RecordedEvent;
import org.jeventstore.StreamDeletedException;
import org.jeventstore.StreamNotFoundException;
import org.jeventstore.SubscriptionOptions;
import org.jeventstore.storage.EventReader;

/**
 * The events a holding has read and not yet handed out. Events always come from storage, read after the last
 * event read: a notification only says "read again" ({@link #poke}), so a live batch can never be out of order or
 * skip anything, and a lost notification is made good by the next one, by a reconnect of the listener, or by the
 * safety poll. Reading stops while {@code maxQueueSize} events wait (back-pressure without loss). Worker thread
 * only, except {@link #poke}.
 *
 * <p>Catching up, the next page is read ahead on the executor while the worker hands out this one, so that
 * PostgreSQL's work and the transfer of one page overlap the handler's work on the previous one. The page being
 * read ahead counts against {@code maxQueueSize} (pages are then at most half of it), so no more events are held
 * than before; it is always the page right after the last one taken, and a new holding discards it.
 */
final class EventFeed {

    private static final Logger LOG = Logger.getLogger(EventFeed.class.getName());

    private final EventReader reader;
    private final String streamId;
    private final String description;
    private final int maxQueueSize;
    private final long safetyPollNanos;
    /** Storage is read a whole page at a time, once the queue has room for one (not one event per round trip). */
    private final int page;
    /** Where pages are read ahead; null: only on the worker. */
    private final Executor readAhead;
    private final Runnable wakeUp;
    private final ArrayDeque<RecordedEvent> queue = new ArrayDeque<>();
    private volatile boolean readAgain = true;
    private long lastRead;
    private long lastReadNanos = System.nanoTime();
    /** The page being read ahead (from {@code lastRead + 1}, {@code page} events), or null. */
    private CompletableFuture<List<RecordedEvent>> ahead;

    EventFeed(EventReader reader, String streamId, String description, int readBatchSize,
              SubscriptionOptions options, Executor readAhead, Runnable wakeUp) {
        this.reader = reader;
        this.streamId = streamId;
        this.description = description;
        this.maxQueueSize = options.maxQueueSize();
        this.safetyPollNanos = options.safetyPoll().toNanos();
        // Two pages must fit in the queue for one to be read while the other is handed out.
        this.readAhead = readAhead != null && maxQueueSize >= 2 ? readAhead : null;
        this.page = Math.min(readBatchSize, this.readAhead != null ? maxQueueSize / 2 : maxQueueSize);
        this.wakeUp = wakeUp;
    }

    /** A holding starts after {@code checkpoint}: what an earlier holding read but did not hand out is dropped. */
    void start(long checkpoint) {
        queue.clear();
        ahead = null; // a read still running for an earlier holding is ignored when it ends
        lastRead = checkpoint;
        readAgain = true;
    }

    /** New events may be stored (any thread). */
    void poke() {
        readAgain = true;
    }

    /** Whether a read is wanted and the queue has room for a page, or a page read ahead is ready. */
    boolean wantsToRead() {
        return ahead != null ? ahead.isDone() : readAgain && maxQueueSize - queue.size() >= page;
    }

    /**
     * Takes the page read ahead once it is ready (waiting for it only when nothing else is queued), or reads a
     * page when wanted; true when it came back full (more may be stored: catching up).
     */
    boolean readIfWanted() throws InterruptedException {
        List<RecordedEvent> batch;
        if (ahead != null) {
            if (!ahead.isDone() && !queue.isEmpty()) {
                return false;
            }
            CompletableFuture<List<RecordedEvent>> read = ahead;
            ahead = null;
            batch = await(read);
        } else {
            if (!wantsToRead()) {
                return false;
            }
            readAgain = false;
            batch = read(lastRead + 1, page);
        }
        lastReadNanos = System.nanoTime();
        if (!batch.isEmpty()) {
            queue.addAll(batch);
            lastRead = batch.get(batch.size() - 1).eventNumber();
        }
        if (batch.size() == page) {
            readAgain = true;
            readAheadIfRoom();
            return true;
        }
        return false;
    }

    /** Starts reading the next page on the executor when the queue has room for it beside what waits. */
    private void readAheadIfRoom() {
        if (readAhead == null || maxQueueSize - queue.size() < page) {
            return;
        }
        long from = lastRead + 1;
        CompletableFuture<List<RecordedEvent>> next = new CompletableFuture<>();
        try {
            readAhead.execute(() -> {
                try {
                    next.complete(read(from, page));
                } catch (Throwable t) {
                    next.completeExceptionally(t);
                } finally {
                    wakeUp.run();
                }
            });
        } catch (RejectedExecutionException e) {
            return; // the executor is shutting down: the worker reads the page itself
        }
        readAgain = false;
        ahead = next;
    }

    /** The page read ahead; its failure is the worker's, as if it had read the page itself. */
    private static List<RecordedEvent> await(CompletableFuture<List<RecordedEvent>> read)
            throws InterruptedException {
        try {
            return read.get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            if (e.getCause() instanceof Error err) {
                throw err;
            }
            throw new IllegalStateException("reading ahead failed: " + e.getCause(), e.getCause());
        }
    }

    /** Whether a page is being read ahead (the worker then has more to hand out even with an empty queue). */
    boolean readingAhead() {
        return ahead != null;
    }

    /** After an idle wait: reads anyway once the safety poll is due (a notification may have been lost). */
    void pollIfDue() {
        if (System.nanoTime() - lastReadNanos >= safetyPollNanos) {
            readAgain = true;
        }
    }

    boolean isEmpty() {
        return queue.isEmpty();
    }

    RecordedEvent peek() {
        return queue.peek();
    }

    RecordedEvent poll() {
        return queue.poll();
    }

    private List<RecordedEvent> read(long from, int count) {
        try {
            return reader.read(streamId, from, count, true);
        } catch (StreamNotFoundException e) {
            return List.of(); // nothing appended to it yet
        } catch (StreamDeletedException e) {
            LOG.warning("JES0217W subscription " + description + ": the stream is deleted; nothing more to deliver");
            return List.of();
        }
    }
}
