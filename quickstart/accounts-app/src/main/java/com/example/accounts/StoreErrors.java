package com.example.accounts;

import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.ext.ExceptionMapper;
import jakarta.ws.rs.ext.Provider;
import java.util.Map;
import org.jeventstore.AppendNotLinkedException;
import org.jeventstore.EventStoreException;
import org.jeventstore.InvalidRequestException;
import org.jeventstore.StorageException;
import org.jeventstore.StreamExistsException;
import org.jeventstore.StreamNotFoundException;
import org.jeventstore.WrongExpectedVersionException;

/**
 * The store's refusals as HTTP answers. They reach this mapper as themselves, not inside an {@code EJBException},
 * because they are EJB application exceptions. (A {@code StorageException}, a failure of the database, stays a
 * system exception: the container logs it and the client gets a 500.)
 */
@Provider
public class StoreErrors implements ExceptionMapper<EventStoreException> {

    @Override
    public Response toResponse(EventStoreException e) {
        Response.Status status;
        if (e instanceof WrongExpectedVersionException || e instanceof StreamExistsException) {
            status = Response.Status.CONFLICT; // someone else changed the account first: read again, decide again
        } else if (e instanceof StreamNotFoundException) {
            status = Response.Status.NOT_FOUND;
        } else if (e instanceof InvalidRequestException) {
            status = Response.Status.BAD_REQUEST;
        } else if (e instanceof AppendNotLinkedException) {
            status = Response.Status.ACCEPTED; // committed, only not in $all yet: the client must not send it again
        } else if (e instanceof StorageException) {
            status = Response.Status.SERVICE_UNAVAILABLE;
        } else {
            status = Response.Status.INTERNAL_SERVER_ERROR;
        }
        return Response.status(status).type(MediaType.APPLICATION_JSON)
                .entity(Map.of("error", e.getClass().getSimpleName(), "message", e.getMessage())).build();
    }
}
