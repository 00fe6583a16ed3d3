package org.jeventstore;

import jakarta.ejb.ApplicationException;

/** The caller expected no stream, but the stream exists. */
@ApplicationException(rollback = true, inherited = true)
public class StreamExistsException extends EventStoreException {

    private final String streamId;

    public StreamExistsException(String streamId, long actualVersion) {
        super("stream '" + streamId + "' already exists (expected no stream, actual version " + actualVersion + ")");
        this.streamId = streamId;
    }

    public String streamId() {
        return streamId;
    }
}
