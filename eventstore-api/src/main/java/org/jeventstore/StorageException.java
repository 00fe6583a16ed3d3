package org.jeventstore;

/** The database failed or could not be reached; the message says what was being done. */
public class StorageException extends EventStoreException {

    private final String sqlState;

    public StorageException(String message, String sqlState, Throwable cause) {
        super(message, cause);
        this.sqlState = sqlState;
    }

    /** The SQLSTATE of the underlying error, when there is one. */
    public String sqlState() {
        return sqlState;
    }
}
