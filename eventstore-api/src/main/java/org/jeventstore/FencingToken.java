package org.jeventstore;

/**
 * Identifies one holding of a persistent subscription's lock, for a handler that writes to a system of its own
 * and wants to fence those writes.
 *
 * <p>Every time a server takes over a subscription (after a crash, a lost lock session, a graceful hand-over or
 * balancing), the subscription's epoch in the database is advanced, so a later holding always has a higher epoch.
 * A server whose lock session died while one of its handlers was still running may go on for a moment: its
 * checkpoint saves are refused and it stops, but a handler that writes elsewhere can only be stopped by that
 * system. Store the epoch with what you write (for instance per subscription, or per projected row) and refuse a
 * write that carries a lower epoch than the one stored: then a stale holder can never overwrite the newer
 * holder's work.
 *
 * @param streamId         the subscription's stream ({@code $all} for all)
 * @param subscriptionName the subscription's name
 * @param epoch            the holding's epoch: strictly higher for every later holding of this subscription
 */
public record FencingToken(String streamId, String subscriptionName, long epoch) {

    /** Whether this token belongs to a later holding than {@code other} of the same subscription. */
    public boolean newerThan(FencingToken other) {
        return epoch > other.epoch;
    }
}
