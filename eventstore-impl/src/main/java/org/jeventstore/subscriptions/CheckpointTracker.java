package org.jeventstore.subscriptions;

import java.util.TreeSet;

/**
 * The contiguous low-water mark of acknowledged events: the highest event number such that every event sent up
 * to it has been acknowledged (or was filtered out). Events are sent in increasing order; acknowledgements may
 * come in any order from concurrent subscribers. Three subscribers acknowledging 1, 2, 3, 6, 5, 4 move the mark
 * to 1, 2, 3, 3, 3, 6. Not thread-safe: one subscription worker owns it.
 */
final class CheckpointTracker {

    private final TreeSet<Long> inFlight = new TreeSet<>();
    private long lastSent;

    CheckpointTracker(long checkpoint) {
        this.lastSent = checkpoint;
    }

    /** An event was handed to a subscriber. */
    void sent(long eventNumber) {
        advance(eventNumber);
        inFlight.add(eventNumber);
    }

    /** An event was filtered out: it counts as acknowledged. */
    void skipped(long eventNumber) {
        advance(eventNumber);
    }

    /** A subscriber acknowledged an event; acknowledging one twice, or one never sent, changes nothing. */
    void acked(long eventNumber) {
        inFlight.remove(eventNumber);
    }

    long lowWaterMark() {
        return inFlight.isEmpty() ? lastSent : inFlight.first() - 1;
    }

    int inFlight() {
        return inFlight.size();
    }

    private void advance(long eventNumber) {
        if (eventNumber <= lastSent) {
            throw new IllegalStateException("event " + eventNumber + " sent after " + lastSent + ": out of order");
        }
        lastSent = eventNumber;
    }
}
