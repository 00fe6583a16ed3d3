package org.jeventstore;

import jakarta.ejb.ApplicationException;

/** An event with this id is already in the stream (or, for an append, in the store). */
@ApplicationException(rollback = true, inherited = true)
public class DuplicateEventException extends EventStoreException {

    private final String streamId;

    public DuplicateEventException(String streamId, String detail) {
        super("duplicate event appending to stream '" + streamId + "': " + detail);
        this.streamId = streamId;
    }

    public String streamId() {
        return streamId;
    }
}
