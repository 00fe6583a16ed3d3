package org.jeventstore;

/** A request the store refuses before touching the database: a bad argument, or an operation not allowed (appending to $all, hard delete not enabled). */
public class InvalidRequestException extends EventStoreException {

    public InvalidRequestException(String message) {
        super(message);
    }
}
