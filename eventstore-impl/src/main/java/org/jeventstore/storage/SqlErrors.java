package org.jeventstore.storage;

import java.sql.SQLException;
import org.jeventstore.DuplicateEventException;
import org.jeventstore.SerializationException;
import org.jeventstore.StorageException;
import org.postgresql.util.PSQLException;
import org.postgresql.util.ServerErrorMessage;

/** The one place where PostgreSQL errors (SQLSTATE and constraint name) become the store's exceptions. */
public final class SqlErrors {

    static final String UNIQUE_VIOLATION = "23505";
    /** E.g. the JSON escape of the NUL character, which jsonb cannot hold. */
    static final String UNTRANSLATABLE_CHARACTER = "22P05";
    /** Text that is not valid JSON, cast to jsonb (a serializer that wrote something else). */
    static final String INVALID_TEXT_REPRESENTATION = "22P02";

    private SqlErrors() {
    }

    /** A database failure while doing {@code what}. */
    public static StorageException storage(String what, SQLException e) {
        return new StorageException(what + " failed: " + e.getMessage() + " (SQLSTATE " + e.getSQLState() + ")",
                e.getSQLState(), e);
    }

    /** The constraint a server error names, or {@code null}. */
    static String constraint(SQLException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof PSQLException p) {
                ServerErrorMessage m = p.getServerErrorMessage();
                return m == null ? null : m.getConstraint();
            }
        }
        return null;
    }

    /**
     * The JSON of {@code what} was refused by PostgreSQL's jsonb type, or {@code null} when {@code e} is another
     * error.
     */
    static SerializationException jsonRefused(String what, SQLException e) {
        String state = e.getSQLState();
        if (UNTRANSLATABLE_CHARACTER.equals(state) || INVALID_TEXT_REPRESENTATION.equals(state)) {
            return new SerializationException(what + " failed: PostgreSQL cannot store the JSON as jsonb: "
                    + e.getMessage() + " (SQLSTATE " + state + ")", e);
        }
        return null;
    }

    /**
     * Maps an error of an append or link to {@code streamId}: a unique violation on an event's primary key is a
     * duplicate event; anything else is a storage failure.
     */
    static RuntimeException append(String streamId, SQLException e) {
        if (UNIQUE_VIOLATION.equals(e.getSQLState())) {
            String constraint = constraint(e);
            if ("events_pkey".equals(constraint)) {
                return new DuplicateEventException(streamId, "an event with the same id is already stored ("
                        + detail(e) + ")");
            }
            if ("stream_events_pkey".equals(constraint)) {
                return new DuplicateEventException(streamId, "the event is already in this stream ("
                        + detail(e) + ")");
            }
        }
        SerializationException json = jsonRefused("appending to stream '" + streamId + "'", e);
        if (json != null) {
            return json;
        }
        return storage("appending to stream '" + streamId + "'", e);
    }

    private static String detail(SQLException e) {
        if (e instanceof PSQLException p && p.getServerErrorMessage() != null
                && p.getServerErrorMessage().getDetail() != null) {
            return p.getServerErrorMessage().getDetail();
        }
        return e.getMessage();
    }
}
