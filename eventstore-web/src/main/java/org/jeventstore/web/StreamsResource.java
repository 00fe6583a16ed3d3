package org.jeventstore.web;

import jakarta.enterprise.context.RequestScoped;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.jeventstore.AppendResult;
import org.jeventstore.EventData;
import org.jeventstore.EventStore;
import org.jeventstore.ExpectedVersion;
import org.jeventstore.InvalidRequestException;
import org.jeventstore.RecordedEvent;
import org.jeventstore.StreamInfo;

/**
 * A small JSON API over the store, so a running server does something observable:
 * <pre>
 * POST /api/streams/{id}?expectedVersion=any|no_stream|stream_exists|N   body: [{"eventType":..,"data":{..}}]
 * GET  /api/streams/{id}?start=1&count=100&direction=forward|backward
 * GET  /api/streams/{id}/info
 * GET  /api/all?start=1&count=100&direction=forward|backward
 * </pre>
 */
@Path("/")
@RequestScoped
@Produces(MediaType.APPLICATION_JSON)
public class StreamsResource {

    /** An event in a request body. */
    public static class NewEvent {
        public UUID eventId;
        public String eventType;
        public Object data;
        public Map<String, Object> metadata;
        public UUID causationId;
        public UUID correlationId;
    }

    @Inject
    EventStore store;

    @POST
    @Path("streams/{streamId}")
    @Consumes(MediaType.APPLICATION_JSON)
    public AppendResult append(@PathParam("streamId") String streamId,
                               @QueryParam("expectedVersion") @DefaultValue("any") String expected,
                               List<NewEvent> events) {
        if (events == null) {
            throw new InvalidRequestException("request body must be a JSON array of events");
        }
        List<EventData> data = new ArrayList<>(events.size());
        for (NewEvent e : events) {
            if (e == null || e.eventType == null || e.data == null) {
                throw new InvalidRequestException("each event needs an eventType and data");
            }
            data.add(new EventData(e.eventId, e.eventType, e.data, e.metadata, e.causationId, e.correlationId));
        }
        return store.appendToStream(streamId, expectedVersion(expected), data);
    }

    @GET
    @Path("streams/{streamId}")
    public List<RecordedEvent> read(@PathParam("streamId") String streamId,
                                    @QueryParam("start") Long start,
                                    @QueryParam("count") @DefaultValue("100") int count,
                                    @QueryParam("direction") @DefaultValue("forward") String direction) {
        boolean forward = forward(direction);
        long from = start != null ? start : forward ? 1 : -1;
        int limit = Math.min(count, 10_000);
        return forward ? store.readStreamForward(streamId, from, limit) : store.readStreamBackward(streamId, from, limit);
    }

    @GET
    @Path("streams/{streamId}/info")
    public StreamInfo info(@PathParam("streamId") String streamId) {
        return store.streamInfo(streamId);
    }

    @GET
    @Path("all")
    public List<RecordedEvent> readAll(@QueryParam("start") Long start,
                                       @QueryParam("count") @DefaultValue("100") int count,
                                       @QueryParam("direction") @DefaultValue("forward") String direction) {
        return read(EventStore.ALL, start, count, direction);
    }

    static ExpectedVersion expectedVersion(String value) {
        switch (value.trim().toLowerCase()) {
            case "any":
                return ExpectedVersion.any();
            case "no_stream":
                return ExpectedVersion.noStream();
            case "stream_exists":
                return ExpectedVersion.streamExists();
            default:
                try {
                    return ExpectedVersion.exactly(Long.parseLong(value.trim()));
                } catch (IllegalArgumentException e) {
                    throw new InvalidRequestException("expectedVersion must be any, no_stream, stream_exists or a"
                            + " version >= 0, was '" + value + "'");
                }
        }
    }

    private static boolean forward(String direction) {
        if ("forward".equalsIgnoreCase(direction)) {
            return true;
        }
        if ("backward".equalsIgnoreCase(direction)) {
            return false;
        }
        throw new InvalidRequestException("direction must be forward or backward, was '" + direction + "'");
    }
}
