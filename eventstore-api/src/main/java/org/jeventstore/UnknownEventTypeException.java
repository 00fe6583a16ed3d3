package org.jeventstore;

/**
 * A subscription whose unknown-types policy is {@link SubscriptionOptions.UnknownTypes#FAIL} met an event of a
 * type no class of this server reads (after aliases and upcasters): the event is not acknowledged. It counts as a
 * failed attempt, so it is retried, and with {@code maxAttempts} parked or the subscription halted.
 */
public class UnknownEventTypeException extends EventStoreException {

    private final String eventType;

    public UnknownEventTypeException(String message, String eventType) {
        super(message);
        this.eventType = eventType;
    }

    /** The type name no class was found for. */
    public String eventType() {
        return eventType;
    }
}
