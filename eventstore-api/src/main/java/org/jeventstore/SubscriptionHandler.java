package org.jeventstore;

/**
 * Receives the events of a persistent subscription, one at a time. Returning normally acknowledges the event; an
 * exception means it was not handled: it is delivered again after a capped backoff, and the subscription does not
 * move past it.
 */
@FunctionalInterface
public interface SubscriptionHandler {

    void handle(RecordedEvent event) throws Exception;
}
