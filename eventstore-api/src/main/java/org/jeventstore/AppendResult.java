package org.jeventstore;

/**
 * What an append or link did.
 *
 * <p>An append that finds the {@code $all} row free (the usual case without contention) takes its
 * {@code $all} positions itself and reports them here. One that finds it busy commits without it and gets its
 * positions from a linker just after the commit: a store built without an executor links on the appending thread
 * and still reports them; a store with a background linker (every store in the server) reports 0 and 0, and the
 * events reach {@code $all} and its subscribers a few milliseconds later, in an order every reader agrees on. A
 * stream's own reads see the append as soon as it has committed.
 *
 * @param streamVersion     the stream's version after the append (its last event's version)
 * @param firstPosition     the {@code $all} position of the first appended event, 0 when not known yet (and for
 *                          a link, which adds nothing to {@code $all})
 * @param lastPosition      the {@code $all} position of the last appended event, 0 when not known yet
 */
public record AppendResult(long streamVersion, long firstPosition, long lastPosition) {
}
