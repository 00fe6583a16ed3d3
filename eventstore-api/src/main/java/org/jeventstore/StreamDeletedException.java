package org.jeventstore;

/** The stream was soft deleted: it can no longer be read or appended to. */
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
