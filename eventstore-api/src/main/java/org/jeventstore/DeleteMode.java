package org.jeventstore;

/** How {@link EventStore#deleteStream} deletes. */
public enum DeleteMode {
    /** Marks the stream deleted; its events stay in {@code $all} and in streams that link them. */
    SOFT,
    /**
     * Removes the stream, its events and their {@code $all} and link rows. Refused unless hard deletes are
     * enabled in the store's configuration. {@code $all} positions are not reused: readers step over the gap.
     */
    HARD
}
