package org.jeventstore;

import jakarta.ejb.ApplicationException;

/** The stream does not exist. */
@ApplicationException(rollback = true, inherited = true)
public class StreamNotFoundException extends EventStoreException {

    private final String streamId;

    public StreamNotFoundException(String streamId) {
        super("stream '" + streamId + "' not found");
        this.streamId = streamId;
    }

    public String streamId() {
        return streamId;
    }
}
