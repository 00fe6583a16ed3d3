package org.jeventstore;

/** The stream does not exist. */
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
