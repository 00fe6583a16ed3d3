package org.jeventstore;

/**
 * What an append or link did.
 *
 * <p>An append's events get their {@code $all} positions just after it commits. A store that links on the
 * appending thread (one built without an executor) reports them here; a store with a background linker (every
 * store in the server) and any append inside a JTA transaction report 0 and 0: the events reach {@code $all}
 * and its subscribers a few milliseconds later, in an order every reader agrees on. A stream's own reads see
 * the append as soon as it has committed.
 *
 * @param streamVersion     the stream's version after the append (its last event's version)
 * @param firstPosition     the {@code $all} position of the first appended event, 0 when not known yet (and for
 *                          a link, which adds nothing to {@code $all})
 * @param lastPosition      the {@code $all} position of the last appended event, 0 when not known yet
 */
public record AppendResult(long streamVersion, long firstPosition, long lastPosition) {
}
