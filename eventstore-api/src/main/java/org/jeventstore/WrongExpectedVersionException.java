package org.jeventstore;

import jakarta.ejb.ApplicationException;

/** The stream is not at the version the caller expected. */
@ApplicationException(rollback = true, inherited = true)
public class WrongExpectedVersionException extends EventStoreException {

    private final String streamId;
    private final ExpectedVersion expected;
    private final long actualVersion;

    public WrongExpectedVersionException(String streamId, ExpectedVersion expected, long actualVersion) {
        super("wrong expected version for stream '" + streamId + "': expected " + expected
                + ", actual version " + actualVersion);
        this.streamId = streamId;
        this.expected = expected;
        this.actualVersion = actualVersion;
    }

    public String streamId() {
        return streamId;
    }

    public ExpectedVersion expected() {
        return expected;
    }

    /** The stream's version when the append was refused (0 when it does not exist). */
    public long actualVersion() {
        return actualVersion;
    }
}
