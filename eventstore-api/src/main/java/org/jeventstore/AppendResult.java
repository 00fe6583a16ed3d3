package org.jeventstore;

/**
 * What an append or link did.
 *
 * <p>An append that finds the {@code $all} row free (the usual case without contention) takes its
 * {@code $all} positions itself and reports them here. One that finds it busy, or finds other appends waiting for
 * their positions, commits without it and gets its positions from a linker pass just after the commit (one pass
 * links every append waiting); by default the append waits for that pass and reports them too. They are 0 only
 * for an append inside a JTA transaction (the positions come when the container commits), for a store configured
 * to return at the commit ({@code eventstore.append-mode=committed}), and after the link timeout
 * ({@code eventstore.link-timeout-ms}, logged JES0306W). A stream's own reads see the append as soon as it has
 * committed.
 *
 * @param streamVersion     the stream's version after the append (its last event's version)
 * @param firstPosition     the {@code $all} position of the first appended event, 0 when not known yet (and for
 *                          a link, which adds nothing to {@code $all})
 * @param lastPosition      the {@code $all} position of the last appended event, 0 when not known yet
 */
public record AppendResult(long streamVersion, long firstPosition, long lastPosition) {
}
