package org.jeventstore.web;

import jakarta.enterprise.context.RequestScoped;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.SecurityContext;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.jeventstore.InvalidRequestException;
import org.jeventstore.operations.EventStoreOperations;
import org.jeventstore.operations.SubscriptionAdmin;

/**
 * What the console shows about the store and the cluster (any role), from the store's operations view:
 * {@code GET /api/ops/subscriptions} (every persistent subscription: checkpoint, head, lag, holder, state here),
 * {@code /api/ops/servers} (the servers up and the subscriptions each holds), {@code /api/ops/backlog} (appends
 * waiting for {@code $all} positions), {@code /api/ops/settings}, {@code /api/ops/events/{eventId}} (where an
 * event was appended: causation and correlation links), {@code /api/ops/me} (the caller and their roles),
 * {@code /api/ops/subscriptions/parked?stream=..&name=..} (a subscription's parked events).
 */
@Path("ops")
@RequestScoped
@Produces(MediaType.APPLICATION_JSON)
public class OperationsResource {

    /** What the console needs to know about this server's settings. */
    public record Settings(boolean hardDeletes, int maxPageEvents) {
    }

    /** The caller and the roles the console shows actions for. */
    public record Me(String user, List<String> roles) {
    }

    static final List<String> ROLES = List.of("eventstore-reader", "eventstore-writer", "eventstore-admin");

    @Inject
    EventStoreOperations operations;

    @Inject
    SubscriptionAdmin admin;

    @Context
    SecurityContext security;

    @Inject
    HttpLimits limits;

    @GET
    @Path("subscriptions")
    public List<EventStoreOperations.SubscriptionInfo> subscriptions() {
        return operations.subscriptions();
    }

    /**
     * {@code GET /api/ops/subscriptions/parked?stream=..&name=..[&after=N][&limit=N]}: the subscription's parked
     * and skipped events in event order (at most {@code limit}, default and most 1000; continue after the last
     * event number); 404 for an unknown subscription.
     */
    @GET
    @Path("subscriptions/parked")
    public List<SubscriptionAdmin.ParkedEvent> parked(@jakarta.ws.rs.QueryParam("stream") String streamId,
                                                         @jakarta.ws.rs.QueryParam("name") String name,
                                                         @jakarta.ws.rs.QueryParam("after") String after,
                                                         @jakarta.ws.rs.QueryParam("limit") String limit) {
        if (streamId == null || name == null) {
            throw new InvalidRequestException("stream and name are required query parameters");
        }
        StreamsResource.checkStreamId(streamId);
        long from = after == null ? 0 : StreamsResource.number("after", after, 0);
        long most = limit == null ? SubscriptionAdmin.MAX_PARKED_PAGE : StreamsResource.number("limit", limit, 1);
        if (most > SubscriptionAdmin.MAX_PARKED_PAGE) {
            throw new InvalidRequestException("limit must be at most " + SubscriptionAdmin.MAX_PARKED_PAGE
                    + ", was " + most);
        }
        if (!admin.subscriptionExists(streamId, name)) {
            throw new RequestProblem(404, "no subscription '" + AppendBody.clip(name) + "' on stream '"
                    + AppendBody.clip(streamId) + "'");
        }
        return admin.parkedEvents(streamId, name, from, (int) most);
    }

    @GET
    @Path("servers")
    public List<EventStoreOperations.ServerInfo> servers() {
        return operations.servers();
    }

    @GET
    @Path("backlog")
    public EventStoreOperations.LinkBacklog backlog() {
        return operations.linkBacklog();
    }

    @GET
    @Path("settings")
    public Settings settings() {
        return new Settings(operations.hardDeletesEnabled(), limits.maxPageEvents());
    }

    @GET
    @Path("events/{eventId}")
    public EventStoreOperations.EventLocation event(@PathParam("eventId") String eventId) {
        UUID id;
        try {
            id = UUID.fromString(eventId);
        } catch (IllegalArgumentException e) {
            throw new InvalidRequestException("event id must be a UUID, was '" + AppendBody.clip(eventId) + "'");
        }
        return operations.findEvent(id).orElseThrow(() -> new RequestProblem(404, "no event " + id));
    }

    @GET
    @Path("me")
    public Me me() {
        List<String> roles = new ArrayList<>();
        for (String role : ROLES) {
            if (security.isUserInRole(role)) {
                roles.add(role);
            }
        }
        return new Me(security.getUserPrincipal() == null ? null : security.getUserPrincipal().getName(), roles);
    }

}
