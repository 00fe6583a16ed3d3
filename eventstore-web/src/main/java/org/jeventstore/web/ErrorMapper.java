package org.jeventstore.web;

import jakarta.json.Json;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.ext.ExceptionMapper;
import jakarta.ws.rs.ext.Provider;
import org.jeventstore.ConfigurationException;
import org.jeventstore.DuplicateEventException;
import org.jeventstore.EventNotFoundException;
import org.jeventstore.EventStoreException;
import org.jeventstore.InvalidRequestException;
import org.jeventstore.SerializationException;
import org.jeventstore.StorageException;
import org.jeventstore.StreamDeletedException;
import org.jeventstore.StreamExistsException;
import org.jeventstore.StreamNotFoundException;
import org.jeventstore.WrongExpectedVersionException;

/** Store errors as JSON {@code {"error": type, "message": text}} with a fitting HTTP status. */
@Provider
public class ErrorMapper implements ExceptionMapper<EventStoreException> {

    @Override
    public Response toResponse(EventStoreException e) {
        return Response.status(status(e))
                .type(MediaType.APPLICATION_JSON)
                .entity(Json.createObjectBuilder()
                        .add("error", e.getClass().getSimpleName())
                        .add("message", String.valueOf(e.getMessage()))
                        .build().toString())
                .build();
    }

    static int status(EventStoreException e) {
        if (e instanceof StreamNotFoundException || e instanceof EventNotFoundException) {
            return 404;
        }
        if (e instanceof StreamDeletedException) {
            return 410;
        }
        if (e instanceof WrongExpectedVersionException || e instanceof StreamExistsException
                || e instanceof DuplicateEventException) {
            return 409;
        }
        if (e instanceof InvalidRequestException || e instanceof SerializationException) {
            return 400;
        }
        if (e instanceof StorageException || e instanceof ConfigurationException) {
            return 503;
        }
        return 500;
    }
}
