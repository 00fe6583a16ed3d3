package org.jeventstore;

/**
 * What an append or link did.
 *
 * @param streamVersion     the stream's version after the append (its last event's version)
 * @param firstPosition     the {@code $all} position of the first appended event (0 for a link, which adds
 *                          nothing to {@code $all})
 * @param lastPosition      the {@code $all} position of the last appended event (0 for a link)
 */
public record AppendResult(long streamVersion, long firstPosition, long lastPosition) {
}
