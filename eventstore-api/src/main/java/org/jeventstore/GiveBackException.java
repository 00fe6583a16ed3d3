package org.jeventstore;

/**
 * Thrown by a persistent subscription's handler (or its stage completes with it) to give the event back: it is
 * handed to another subscriber of the subscription on this server at once, without a failure's backoff, log
 * entry or counted attempt. Events of the same partition key queued behind it on this subscriber go with it, so
 * the key's order holds. When this subscriber is the only one, it gets the event again after
 * {@code retryInterval}. Use it for "not now, not here" (a local resource is busy); a failure is an ordinary
 * exception.
 */
public class GiveBackException extends RuntimeException {

    public GiveBackException(String reason) {
        super(reason, null, false, false); // no stack trace: it is an answer, not a failure
    }
}
