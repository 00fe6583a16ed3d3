package org.jeventstore;

/** Event data or metadata could not be turned into JSON, or back. */
public class SerializationException extends EventStoreException {

    public SerializationException(String message, Throwable cause) {
        super(message, cause);
    }
}
