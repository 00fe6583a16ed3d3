package org.jeventstore.web;

import jakarta.enterprise.context.RequestScoped;
import jakarta.inject.Inject;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.logging.Logger;
import org.jeventstore.DeleteMode;
import org.jeventstore.EventStore;
import org.jeventstore.InvalidRequestException;
import org.jeventstore.operations.EventStoreOperations;
import org.jeventstore.operations.SubscriptionAdmin;

/**
 * The console's administrative actions, for the {@code eventstore-admin} role only (web.xml guards
 * {@code /api/admin/*}). Each is logged with the user who asked.
 */
@Path("admin")
@RequestScoped
@Produces(MediaType.APPLICATION_JSON)
public class AdminResource {

    private static final Logger LOG = Logger.getLogger(AdminResource.class.getName());

    @Inject
    EventStoreOperations operations;

    @Inject
    SubscriptionAdmin admin;

    @Inject
    EventStore store;

    @jakarta.ws.rs.core.Context
    jakarta.ws.rs.core.SecurityContext security;

    /** {@code DELETE /api/admin/subscriptions?stream=..&name=..}: forgets the subscription's checkpoint. */
    @DELETE
    @Path("subscriptions")
    public Response deleteSubscription(@QueryParam("stream") String streamId, @QueryParam("name") String name) {
        if (streamId == null || name == null) {
            throw new InvalidRequestException("stream and name are required query parameters");
        }
        StreamsResource.checkStreamId(streamId);
        boolean known = operations.subscriptions().stream()
                .anyMatch(s -> s.streamId().equals(streamId) && s.name().equals(name));
        if (!known) {
            throw new RequestProblem(404, "no subscription '" + AppendBody.clip(name) + "' on stream '"
                    + AppendBody.clip(streamId) + "'");
        }
        admin.deleteSubscription(streamId, name);
        LOG.info(() -> "JES0401I " + caller() + " deleted subscription '" + name + "' on '" + streamId + "'");
        return Response.noContent().build();
    }

    /**
     * {@code POST /api/admin/subscriptions/reset?stream=..&name=..&position=N}: sets the checkpoint to N (0 = from
     * the start), only while no server runs the subscription (409 otherwise).
     */
    @jakarta.ws.rs.POST
    @Path("subscriptions/reset")
    public Response resetSubscription(@QueryParam("stream") String streamId, @QueryParam("name") String name,
                                      @QueryParam("position") String position) {
        if (streamId == null || name == null || position == null) {
            throw new InvalidRequestException("stream, name and position are required query parameters");
        }
        StreamsResource.checkStreamId(streamId);
        long to = StreamsResource.number("position", position, 0);
        switch (admin.resetSubscription(streamId, name, to)) {
            case NOT_FOUND:
                throw new RequestProblem(404, "no subscription '" + AppendBody.clip(name) + "' on stream '"
                        + AppendBody.clip(streamId) + "'");
            case RUNNING:
                throw new RequestProblem(409, "subscription '" + AppendBody.clip(name) + "' runs on a server: stop"
                        + " it there (eventstore.subscription." + AppendBody.clip(name) + ".enabled=false) first");
            case BEYOND_HEAD:
                throw new RequestProblem(400, "position " + to + " is past the end of stream '"
                        + AppendBody.clip(streamId) + "': events appended up to it later would never be delivered");
            default:
                LOG.info(() -> "JES0404I " + caller() + " reset subscription '" + name + "' on '" + streamId
                        + "' to " + to);
                return Response.noContent().build();
        }
    }

    /** What a replay request did. */
    public record ReplayRequested(long events) {
    }

    /**
     * {@code POST /api/admin/subscriptions/parked/replay?stream=..&name=..}: the subscription's parked events are
     * delivered again, in order, by the server holding it; answers how many were asked for.
     */
    @jakarta.ws.rs.POST
    @Path("subscriptions/parked/replay")
    public ReplayRequested replayParked(@QueryParam("stream") String streamId, @QueryParam("name") String name) {
        if (streamId == null || name == null) {
            throw new InvalidRequestException("stream and name are required query parameters");
        }
        StreamsResource.checkStreamId(streamId);
        long n = admin.replayParked(streamId, name);
        if (n < 0) {
            throw new RequestProblem(404, "no subscription '" + AppendBody.clip(name) + "' on stream '"
                    + AppendBody.clip(streamId) + "'");
        }
        LOG.info(() -> "JES0405I " + caller() + " asked to replay " + n + " parked events of subscription '" + name
                + "' on '" + streamId + "'");
        return new ReplayRequested(n);
    }

    /**
     * {@code POST /api/admin/subscriptions/parked/skip?stream=..&name=..&event=<uuid>&reason=..}: gives a parked
     * event up; its row stays with the reason, the user and the time.
     */
    @jakarta.ws.rs.POST
    @Path("subscriptions/parked/skip")
    public Response skipParked(@QueryParam("stream") String streamId, @QueryParam("name") String name,
                               @QueryParam("event") String event, @QueryParam("reason") String reason) {
        if (streamId == null || name == null || event == null || reason == null) {
            throw new InvalidRequestException("stream, name, event and reason are required query parameters");
        }
        StreamsResource.checkStreamId(streamId);
        java.util.UUID eventId;
        try {
            eventId = java.util.UUID.fromString(event);
        } catch (IllegalArgumentException e) {
            throw new InvalidRequestException("event must be an event id (UUID), was '" + AppendBody.clip(event) + "'");
        }
        switch (admin.skipParked(streamId, name, eventId, reason, caller())) {
            case NOT_FOUND:
                throw new RequestProblem(404, "no subscription '" + AppendBody.clip(name) + "' on stream '"
                        + AppendBody.clip(streamId) + "'");
            case NOT_PARKED:
                throw new RequestProblem(404, "event " + eventId + " is not parked by subscription '"
                        + AppendBody.clip(name) + "'");
            default:
                LOG.info(() -> "JES0406I " + caller() + " skipped parked event " + eventId + " of subscription '"
                        + name + "' on '" + streamId + "': " + AppendBody.clip(reason));
                return Response.noContent().build();
        }
    }

    /**
     * {@code DELETE /api/admin/streams/{id}?expectedVersion=any}: hard delete (the events are gone), only when
     * {@code eventstore.hard-deletes} is on.
     */
    @DELETE
    @Path("streams/{streamId}")
    public Response hardDelete(@PathParam("streamId") String streamId,
                               @QueryParam("expectedVersion") @DefaultValue("any") String expected) {
        StreamsResource.checkStreamId(streamId);
        if (EventStore.ALL.equals(streamId)) {
            throw new InvalidRequestException("$all cannot be deleted");
        }
        if (!operations.hardDeletesEnabled()) {
            throw new RequestProblem(409, "hard deletes are not enabled on this server (eventstore.hard-deletes)");
        }
        store.deleteStream(streamId, StreamsResource.expectedVersion(expected), DeleteMode.HARD);
        LOG.info(() -> "JES0402I " + caller() + " hard deleted stream '" + streamId + "'");
        return Response.noContent().build();
    }

    private String caller() {
        return security.getUserPrincipal() == null ? "?" : security.getUserPrincipal().getName();
    }
}
