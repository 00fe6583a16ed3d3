package org.jeventstore.web;

import jakarta.json.Json;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.ext.ExceptionMapper;
import jakarta.ws.rs.ext.Provider;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.jeventstore.AppendNotLinkedException;
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

/**
 * Store errors as JSON {@code {"error": type, "message": text}} with a fitting HTTP status. Messages about the
 * caller's request (404, 409, 410, 400) name its streams, versions and ids; a failure of the server (503, 500)
 * says only what happened and a reference, and the log has the database's own message under that reference:
 * a response never carries SQL, a stack trace or a server path.
 */
@Provider
public class ErrorMapper implements ExceptionMapper<EventStoreException> {

    private static final Logger LOG = Logger.getLogger(ErrorMapper.class.getName());

    @Override
    public Response toResponse(EventStoreException e) {
        if (e instanceof AppendNotLinkedException n) {
            // committed, only its $all positions are missing: 202, so that no client resends what is stored
            return Response.status(202).type(MediaType.APPLICATION_JSON).entity(Json.createObjectBuilder()
                    .add("streamVersion", n.lastVersion()).add("firstPosition", 0).add("lastPosition", 0)
                    .add("linked", false).add("reason", n.reason().name())
                    .add("message", String.valueOf(n.getMessage())).build().toString()).build();
        }
        int status = status(e);
        String message;
        if (status >= 500) {
            message = serverFailure(e, status == 503 ? "the database is unavailable or refused the request; retry"
                    + " later" : "the request failed inside the server");
        } else if (e instanceof SerializationException) {
            message = serverFailure(e, "the event data could not be stored or read as JSON");
        } else if (e instanceof DuplicateEventException d) {
            message = "stream '" + AppendBody.clip(d.streamId()) + "': an event with one of these event ids is"
                    + " already stored (an event id identifies one event: a retry of an append that succeeded"
                    + " is refused)";
        } else {
            message = String.valueOf(e.getMessage());
        }
        return json(status, e.getClass().getSimpleName(), message);
    }

    /** Logs {@code e} under a fresh reference and returns {@code summary} with that reference. */
    static String serverFailure(Throwable e, String summary) {
        String reference = java.util.UUID.randomUUID().toString().substring(0, 8);
        LOG.log(Level.WARNING, "JES0400W HTTP request failed (reference " + reference + "): " + e, e);
        return summary + " (reference " + reference + " in the server log)";
    }

    static Response json(int status, String error, String message) {
        return Response.status(status).type(MediaType.APPLICATION_JSON).entity(body(error, message)).build();
    }

    /** The error answer's JSON text, for the servlet filters that answer before JAX-RS. */
    static String body(String error, String message) {
        return Json.createObjectBuilder().add("error", error).add("message", message).build().toString();
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
