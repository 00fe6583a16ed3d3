package org.jeventstore;

import java.util.concurrent.CompletableFuture;

/**
 * Lets an {@code @EventSubscription} observer acknowledge its event after it returns: declare an
 * {@code Acknowledgement} parameter after the observed one and call {@link #later()} during the call. The event then
 * counts as handled when the returned future completes normally; completed exceptionally, it is delivered again
 * after a backoff, as if the observer had thrown. An observer that never calls {@code later()} acknowledges by
 * returning, as usual.
 *
 * <p>Up to the subscription's {@code bufferSize} events per subscriber are then in flight at once, started in order
 * (per key with {@code partitionBy}); the checkpoint is the low-water mark of the completed ones. When several
 * observers of one event defer, the event is acknowledged once all their futures have completed.
 */
public interface Acknowledgement {

    /** Defers this event's acknowledgement to the returned future. Only during the observer's call. */
    CompletableFuture<Void> later();
}
