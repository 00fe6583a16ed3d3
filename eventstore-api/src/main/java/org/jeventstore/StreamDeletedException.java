package org.jeventstore;

import jakarta.ejb.ApplicationException;

/** The stream was soft deleted: it can no longer be read or appended to. */
@ApplicationException(rollback = true, inherited = true)
public class StreamDeletedException extends EventStoreException {

    private final String streamId;

    public StreamDeletedException(String streamId) {
        super("stream '" + streamId + "' is deleted");
        this.streamId = streamId;
    }

    public String streamId() {
        return streamId;
    }
}
