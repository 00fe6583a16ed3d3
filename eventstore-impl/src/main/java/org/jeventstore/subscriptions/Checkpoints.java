package org.jeventstore.subscriptions;

import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

/**
 * A holding's progress: what was sent and acknowledged, what is saved, and whether another event may be handed
 * out. Worker thread only (the {@link CheckpointSaver} writes on its own thread).
 *
 * <p>Saves, with Elixir's meaning of the settings: one is requested once {@code threshold} events have been
 * acknowledged (or filtered out by the subscription's selector) since the last request, and {@code after} the
 * last request when progress is pending (0: never by time).
 *
 * <p>The redelivery bound: an event is handed out only while fewer than {@code 2 * threshold - 1} acknowledged
 * events are not covered by the saved checkpoint. So a holder that takes over delivers again at most
 * {@code 2 * threshold - 2} events acknowledged here, plus those that were in flight; with threshold 1 every
 * acknowledgement is saved before the next delivery. Saves run beside delivery (requested at {@code threshold}),
 * so above threshold 1, while the database keeps up, delivery never waits for them.
 */
final class Checkpoints {

    private final CheckpointSaver saver;
    private final CheckpointTracker tracker;
    private final int threshold;
    private final int unsavedLimit;
    /** 0: no saves by time. */
    private final long afterNanos;
    /** Acknowledged event numbers above the saved checkpoint (above an unfinished one, they cannot be saved yet). */
    private final TreeSet<Long> ackedUnsaved = new TreeSet<>();
    private long progressSinceRequest;
    private long lastRequestNanos = System.nanoTime();

    Checkpoints(CheckpointSaver saver, long checkpoint, int threshold, long afterMillis) {
        this.saver = saver;
        this.tracker = new CheckpointTracker(checkpoint);
        this.threshold = threshold;
        this.unsavedLimit = 2 * threshold - 1;
        this.afterNanos = TimeUnit.MILLISECONDS.toNanos(afterMillis);
    }

    void sent(long eventNumber) {
        tracker.sent(eventNumber);
    }

    /**
     * Filtered out by the subscription's selector: counts as acknowledged, and towards a save by count as Elixir
     * counts it; no handler saw it, so it never holds up delivery (a crash only makes it read and skip again).
     */
    void skipped(long eventNumber) {
        tracker.skipped(eventNumber);
        progressSinceRequest++;
    }

    /**
     * Another partition's event: passed over, and saved with this partition's next save. It calls for no save
     * of its own: a partition passes over most of what it reads.
     */
    void passed(long eventNumber) {
        tracker.skipped(eventNumber);
    }

    void acked(long eventNumber) {
        tracker.acked(eventNumber);
        ackedUnsaved.add(eventNumber);
        progressSinceRequest++;
    }

    /** Whether another event may be handed out without breaking the redelivery bound. */
    boolean mayDeliver() {
        return mayDeliver(0);
    }

    /**
     * Whether another event may be taken from the feed while {@code waiting} events taken earlier wait for their
     * key's subscriber: each of them will be acknowledged too, so they count here, and the bound stays 2t-2
     * acknowledged events plus those the subscribers hold. (Found by the short campaign, seed 424242: without
     * them, waiting events let a takeover redeliver more.) With threshold 1 no event can wait: a key whose
     * subscriber is busy holds up the events behind it.
     */
    boolean mayDeliver(int waiting) {
        ackedUnsaved.headSet(saver.saved(), true).clear();
        return ackedUnsaved.size() + waiting < unsavedLimit;
    }

    /** Requests a save when one is due (by count, by the bound, or by time); never changes the state. */
    void saveIfDue() {
        long mark = tracker.lowWaterMark();
        if (mark <= saver.saved()) {
            return; // acknowledgements above an event still in flight: counted, saved once the mark moves
        }
        if (progressSinceRequest >= threshold || !mayDeliver()
                || (afterNanos > 0 && System.nanoTime() - lastRequestNanos >= afterNanos)) {
            saver.request(mark);
            progressSinceRequest = 0;
            lastRequestNanos = System.nanoTime();
        }
    }

    /** How long the worker may sleep before a save falls due; {@code Long.MAX_VALUE} when none is pending. */
    long millisUntilSaveDue() {
        if (afterNanos == 0 || tracker.lowWaterMark() <= saver.saved()) {
            return Long.MAX_VALUE;
        }
        return Math.max(1, TimeUnit.NANOSECONDS.toMillis(afterNanos - (System.nanoTime() - lastRequestNanos)));
    }

    long lowWaterMark() {
        return tracker.lowWaterMark();
    }

    int inFlight() {
        return tracker.inFlight();
    }

    long saved() {
        return saver.saved();
    }
}
