package org.jeventstore.subscriptions;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.jeventstore.FencingToken;

/**
 * One holding of a subscription's lock on this server, from taking it to releasing it. {@code number} counts this
 * server's holdings of the subscription (deliveries and acknowledgements carry it, so that a late one of an ended
 * holding is ignored); {@code lockSession} is the lock session it was taken in (a new session means the lock is
 * gone); {@code token} carries the cluster-wide epoch. Fields are the worker's, except where volatile.
 */
final class Holding {

    final long number;
    final long lockSession;
    final FencingToken token;
    final Checkpoints checkpoints;
    final long since = System.nanoTime();
    /** Ending gracefully: no event starts any more, those in flight may finish. */
    volatile boolean draining;
    /** Ended by the handler deadline (from the watchdog's thread): nothing of it may start, retry or save. */
    volatile boolean abandoned;
    /** Whether the parked events' state has been read in this holding. */
    boolean parkedRead;
    private long lastVerifiedNanos = System.nanoTime();

    Holding(long number, long lockSession, FencingToken token, Checkpoints checkpoints) {
        this.number = number;
        this.lockSession = lockSession;
        this.token = token;
        this.checkpoints = checkpoints;
    }

    /** Whether the database should be asked again where this holding stands (once every {@code every}). */
    boolean verifyDue(Duration every) {
        if (System.nanoTime() - lastVerifiedNanos < every.toNanos()) {
            return false;
        }
        lastVerifiedNanos = System.nanoTime();
        return true;
    }

    /** Milliseconds until the next verification is due. */
    long millisUntilVerify(Duration every) {
        return every.toMillis() - TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - lastVerifiedNanos);
    }
}
