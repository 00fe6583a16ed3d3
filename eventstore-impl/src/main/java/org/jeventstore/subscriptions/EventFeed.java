package org.jeventstore.subscriptions;

import java.util.ArrayDeque;
import java.util.List;
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
 */
final class EventFeed {

    private static final Logger LOG = Logger.getLogger(EventFeed.class.getName());

    private final EventReader reader;
    private final String streamId;
    private final String description;
    private final int readBatchSize;
    private final int maxQueueSize;
    private final long safetyPollNanos;
    /** Storage is read a whole page at a time, once the queue has room for one (not one event per round trip). */
    private final int page;
    private final ArrayDeque<RecordedEvent> queue = new ArrayDeque<>();
    private volatile boolean readAgain = true;
    private long lastRead;
    private long lastReadNanos = System.nanoTime();

    EventFeed(EventReader reader, String streamId, String description, int readBatchSize,
              SubscriptionOptions options) {
        this.reader = reader;
        this.streamId = streamId;
        this.description = description;
        this.readBatchSize = readBatchSize;
        this.maxQueueSize = options.maxQueueSize();
        this.safetyPollNanos = options.safetyPoll().toNanos();
        this.page = Math.min(readBatchSize, maxQueueSize);
    }

    /** A holding starts after {@code checkpoint}: what an earlier holding read but did not hand out is dropped. */
    void start(long checkpoint) {
        queue.clear();
        lastRead = checkpoint;
        readAgain = true;
    }

    /** New events may be stored (any thread). */
    void poke() {
        readAgain = true;
    }

    /** Whether a read is wanted and the queue has room for a page. */
    boolean wantsToRead() {
        return readAgain && maxQueueSize - queue.size() >= page;
    }

    /** Reads a page when wanted; true when it came back full (more may be stored: catching up). */
    boolean readIfWanted() {
        if (!wantsToRead()) {
            return false;
        }
        readAgain = false;
        int want = Math.min(readBatchSize, maxQueueSize - queue.size());
        List<RecordedEvent> batch = read(lastRead + 1, want);
        lastReadNanos = System.nanoTime();
        if (!batch.isEmpty()) {
            queue.addAll(batch);
            lastRead = batch.get(batch.size() - 1).eventNumber();
        }
        if (batch.size() == want) {
            readAgain = true;
            return true;
        }
        return false;
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
