package org.jeventstore;

/**
 * The root of every error the event store reports. Unchecked: callers catch the subclasses they can handle.
 *
 * <p>In an EJB, the errors of a request (a wrong expected version, a stream that exists or is deleted, a bad
 * argument, data that does not serialize, ...) are <em>application exceptions</em>
 * ({@code @jakarta.ejb.ApplicationException(rollback = true, inherited = true)} on each): the caller gets the
 * exception itself, not an {@code EJBException}, the container marks the transaction for rollback, and logs
 * nothing. {@link AppendNotLinkedException} (its events committed) does not mark it. {@link StorageException}
 * (the database failed) and {@link ConfigurationException} stay system exceptions: the container logs them,
 * rolls back and wraps them, as for any failure of the infrastructure. Outside an EJB container the annotation is
 * inert (a JVM ignores annotations whose class it cannot load), so the API needs no EJB jar.
 */
public abstract class EventStoreException extends RuntimeException {

    protected EventStoreException(String message) {
        super(message);
    }

    protected EventStoreException(String message, Throwable cause) {
        super(message, cause);
    }
}
