package org.jeventstore.subscriptions;

import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

/**
 * A holding's progress: what was sent and acknowledged, what is saved, and whether another event may be handed
 * out. Worker thread only (the {@link CheckpointSaver} writes on its own thread).
 *
 * <p>The redelivery bound: an event is handed out only while fewer than {@code threshold} acknowledged events
 * are not yet covered by the saved checkpoint. So after a crash at most {@code threshold} acknowledged events are
 * delivered again (plus those in flight, never acknowledged); with threshold 1 every acknowledgement is saved
 * before the next delivery starts. Saves are requested early (at half the threshold) so that, while the database
 * keeps up, delivery never waits for them.
 */
final class Checkpoints {

    private final CheckpointSaver saver;
    private final CheckpointTracker tracker;
    private final int threshold;
    private final int saveAt;
    private final long afterNanos;
    /** Acknowledged event numbers above the saved checkpoint (above an unfinished one, they cannot be saved yet). */
    private final TreeSet<Long> ackedUnsaved = new TreeSet<>();
    private long progressSinceRequest;
    private long lastRequestNanos = System.nanoTime();

    Checkpoints(CheckpointSaver saver, long checkpoint, int threshold, long afterMillis) {
        this.saver = saver;
        this.tracker = new CheckpointTracker(checkpoint);
        this.threshold = threshold;
        this.saveAt = Math.max(1, (threshold + 1) / 2);
        this.afterNanos = TimeUnit.MILLISECONDS.toNanos(afterMillis);
    }

    void sent(long eventNumber) {
        tracker.sent(eventNumber);
    }

    /**
     * Filtered out: counts as acknowledged, but no handler saw it, so it never holds up delivery, nor does it call
     * for a save by count (a crash only makes it read and skip again): what it moves is saved with the next
     * acknowledgements' save or after {@code checkpointAfter}. A partition skips most of what it reads.
     */
    void skipped(long eventNumber) {
        tracker.skipped(eventNumber);
    }

    void acked(long eventNumber) {
        tracker.acked(eventNumber);
        ackedUnsaved.add(eventNumber);
        progressSinceRequest++;
    }

    /** Whether another event may be handed out without breaking the redelivery bound. */
    boolean mayDeliver() {
        ackedUnsaved.headSet(saver.saved(), true).clear();
        return ackedUnsaved.size() < threshold;
    }

    /** Requests a save when one is due (by count, by the bound, or by time); never changes the state. */
    void saveIfDue() {
        long mark = tracker.lowWaterMark();
        if (mark <= saver.saved()) {
            progressSinceRequest = 0;
            return;
        }
        if (progressSinceRequest >= saveAt || !mayDeliver()
                || System.nanoTime() - lastRequestNanos >= afterNanos) {
            saver.request(mark);
            progressSinceRequest = 0;
            lastRequestNanos = System.nanoTime();
        }
    }

    /** How long the worker may sleep before a save falls due; {@code Long.MAX_VALUE} when none is pending. */
    long millisUntilSaveDue() {
        if (tracker.lowWaterMark() <= saver.saved()) {
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
