package org.jeventstore;

/** The root of every error the event store reports. Unchecked: callers catch the subclasses they can handle. */
public abstract class EventStoreException extends RuntimeException {

    protected EventStoreException(String message) {
        super(message);
    }

    protected EventStoreException(String message, Throwable cause) {
        super(message, cause);
    }
}
