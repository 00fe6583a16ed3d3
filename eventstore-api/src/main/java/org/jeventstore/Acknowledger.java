package org.jeventstore;

/** Acknowledges the events of a {@link SubscriptionHandler#manual manual} subscription handler. */
@FunctionalInterface
public interface Acknowledger {

    /**
     * Acknowledges {@code event} and every earlier event this handler received and has not acknowledged yet
     * (earlier: received before it). Acknowledging an event already acknowledged, or not received by this
     * handler, changes nothing. Returns how many events this acknowledged.
     */
    int ack(RecordedEvent event);
}
