package org.jeventstore;

import jakarta.ejb.ApplicationException;

/** A request the store refuses before touching the database: a bad argument, or an operation not allowed (appending to $all, hard delete not enabled). */
@ApplicationException(rollback = true, inherited = true)
public class InvalidRequestException extends EventStoreException {

    public InvalidRequestException(String message) {
        super(message);
    }
}
