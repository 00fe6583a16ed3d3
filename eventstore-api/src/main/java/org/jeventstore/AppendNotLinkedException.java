package org.jeventstore;

import jakarta.ejb.ApplicationException;

/**
 * An append that <em>committed</em> but could not be given its {@code $all} positions, in the default
 * ({@code linked}) append mode, where an append returns only with them. Its events are stored in their stream:
 * do not append them again (with an {@code exactly(n)} expected version a repeat would be refused anyway; with
 * {@code any()} it would store them twice).
 *
 * <p>Why it has no positions ({@link #reason()}):
 * <ul>
 *   <li>{@code PENDING}: no linker pass linked it within {@code eventstore.link-timeout-ms} (the database
 *       refused passes meanwhile: a statement timeout, the {@code $all} row held by a long transaction, an
 *       outage), or the waiting thread was interrupted. It waits in {@code jes_unlinked} and is linked later
 *       with nothing more to do.</li>
 *   <li>{@code SET_ASIDE}: a pass could not link it even alone (an error of the append itself, logged JES0305E)
 *       and it was moved to {@code jes_set_aside}.</li>
 *   <li>{@code HELD}: an earlier append of the same stream is set aside, and the later ones wait behind it, so
 *       that the stream keeps its order in {@code $all}.</li>
 * </ul>
 * The last two wait for an operator ({@code EventStoreOperations.retrySetAside}).
 */
@ApplicationException(rollback = false, inherited = true)
public class AppendNotLinkedException extends EventStoreException {

    /** Why a committed append has no {@code $all} positions. */
    public enum Reason { PENDING, SET_ASIDE, HELD }

    private final String streamId;
    private final long firstVersion;
    private final long lastVersion;
    private final Reason reason;

    public AppendNotLinkedException(String streamId, long firstVersion, long lastVersion, Reason reason,
                                    String detail) {
        super("the append to stream '" + streamId + "' committed (versions " + firstVersion + "-" + lastVersion
                + ") but has no $all positions: " + detail + ". Its events are stored; do not append them again");
        this.streamId = streamId;
        this.firstVersion = firstVersion;
        this.lastVersion = lastVersion;
        this.reason = reason;
    }

    public String streamId() {
        return streamId;
    }

    /** The stream version of the append's first event. */
    public long firstVersion() {
        return firstVersion;
    }

    /** The stream's version after the append (its last event's version). */
    public long lastVersion() {
        return lastVersion;
    }

    public Reason reason() {
        return reason;
    }
}
