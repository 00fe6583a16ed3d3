package org.jeventstore;

import jakarta.ejb.ApplicationException;

/** Event data or metadata could not be turned into JSON, or back. */
@ApplicationException(rollback = true, inherited = true)
public class SerializationException extends EventStoreException {

    public SerializationException(String message, Throwable cause) {
        super(message, cause);
    }
}
