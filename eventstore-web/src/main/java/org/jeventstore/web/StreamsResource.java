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
import jakarta.json.bind.Jsonb;
import jakarta.json.bind.JsonbBuilder;
import jakarta.ws.rs.core.Response;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.jeventstore.AppendResult;
import org.jeventstore.EventData;
import org.jeventstore.EventStore;
import org.jeventstore.StreamIds;
import org.jeventstore.ExpectedVersion;
import org.jeventstore.InvalidRequestException;
import org.jeventstore.RecordedEvent;
import org.jeventstore.Page;
import org.jeventstore.StreamInfo;
import org.jeventstore.StreamQuery;

/**
 * A small JSON API over the store, so a running server does something observable:
 * <pre>
 * POST /api/streams/{id}?expectedVersion=any|no_stream|stream_exists|N   body: [{"eventType":..,"data":{..}}]
 * GET  /api/streams/{id}?start=1&count=100&direction=forward|backward   (count capped, page capped in bytes)
 * GET  /api/streams/{id}/info
 * GET  /api/all?start=1&count=100&direction=forward|backward
 * </pre>
 */
@Path("/")
@RequestScoped
@Produces(MediaType.APPLICATION_JSON)
public class StreamsResource {

    /** JSON-B instances are thread-safe and costly to create: one for the resource class. */
    private static final Jsonb JSON = JsonbBuilder.create();

    @Inject
    EventStore store;

    @Inject
    HttpLimits limits;

    @POST
    @Path("streams/{streamId}")
    @Consumes(MediaType.APPLICATION_JSON)
    public AppendResult append(@PathParam("streamId") String streamId,
                               @QueryParam("expectedVersion") @DefaultValue("any") String expected,
                               InputStream body) {
        checkStreamId(streamId);
        ExpectedVersion version = expectedVersion(expected);
        List<EventData> events = AppendBody.read(body, limits);
        return store.appendToStream(streamId, version, events);
    }

    @GET
    @Path("streams/{streamId}")
    public Response read(@PathParam("streamId") String streamId,
                         @QueryParam("start") String start,
                         @QueryParam("count") String count,
                         @QueryParam("direction") @DefaultValue("forward") String direction) {
        checkStreamId(streamId);
        boolean forward = forward(direction);
        long from = start != null ? number("start", start, Long.MIN_VALUE) : forward ? 1 : -1;
        int limit = (int) Math.min(count != null ? number("count", count, 1) : 100, limits.maxPageEvents());
        return Response.ok(page(streamId, forward, from, limit), MediaType.APPLICATION_JSON).build();
    }

    /**
     * Up to {@code limit} events as a JSON array, read in small batches so that a page of large events stops
     * once it passes the byte limit instead of holding them all; the first event is always included. The events
     * an upcaster made of one stored event share its number and come whole: a client continues after the last
     * number, so a page never ends between them (the first number's come whole even past the byte limit).
     */
    String page(String streamId, boolean forward, long from, int limit) {
        StringBuilder out = new StringBuilder("[");
        long bytes = 1;
        int taken = 0;
        long next = from;
        long number = Long.MIN_VALUE; // of the events last added, and where they begin in out
        int numberStart = 1;
        int numberTaken = 0;
        while (taken < limit) {
            int batch = Math.min(limit - taken, 100);
            List<RecordedEvent> events = forward ? store.readStreamForward(streamId, next, batch)
                    : store.readStreamBackward(streamId, next, batch);
            for (RecordedEvent e : events) {
                String json = JSON.toJson(e);
                long size = json.getBytes(StandardCharsets.UTF_8).length + 1L;
                boolean sameNumber = e.eventNumber() == number;
                if (taken > 0 && bytes + size > limits.maxPageBytes() && !(sameNumber && taken == numberTaken)) {
                    if (sameNumber) { // drop the number's events added so far: the next page repeats them whole
                        out.setLength(Math.max(1, numberStart - 1));
                        taken -= numberTaken;
                    }
                    return out.append(']').toString();
                }
                if (!sameNumber) {
                    number = e.eventNumber();
                    numberStart = out.length() + (taken > 0 ? 1 : 0);
                    numberTaken = 0;
                }
                out.append(taken > 0 ? "," : "").append(json);
                bytes += size;
                taken++;
                numberTaken++;
                next = forward ? e.eventNumber() + 1 : e.eventNumber() - 1;
            }
            if (events.size() < batch || (!forward && next < 1)) {
                break;
            }
        }
        return out.append(']').toString();
    }

    /** {@code GET /api/streams?search=&page=1&pageSize=50}: the streams, a page at a time, by id. */
    @GET
    @Path("streams")
    public Page<StreamInfo> streams(@QueryParam("search") String search, @QueryParam("page") String page,
                                    @QueryParam("pageSize") String pageSize) {
        int number = (int) Math.min(Integer.MAX_VALUE, page == null ? 1 : number("page", page, 1));
        long size = pageSize == null ? 50 : number("pageSize", pageSize, 1);
        if (size > 1000) {
            throw new InvalidRequestException("pageSize must be at most 1000, was " + size);
        }
        String text = search == null || search.isBlank() ? null : search;
        if (text != null) {
            checkStreamId(text);
        }
        return store.paginateStreams(new StreamQuery(number, (int) size, text, StreamQuery.SortBy.STREAM_ID, true));
    }

    @GET
    @Path("streams/{streamId}/info")
    public StreamInfo info(@PathParam("streamId") String streamId) {
        checkStreamId(streamId);
        return store.streamInfo(streamId);
    }

    @GET
    @Path("all")
    public Response readAll(@QueryParam("start") String start,
                            @QueryParam("count") String count,
                            @QueryParam("direction") @DefaultValue("forward") String direction) {
        return read(EventStore.ALL, start, count, direction);
    }

    /** Refused here what the store (or the database) would refuse: the one rule of {@link StreamIds}. */
    static void checkStreamId(String streamId) {
        StreamIds.checkLength(streamId);
    }

    static long number(String name, String value, long min) {
        try {
            long parsed = Long.parseLong(value.trim());
            if (parsed >= min) {
                return parsed;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new InvalidRequestException(name + " must be a whole number" + (min > Long.MIN_VALUE ? " >= " + min
                : "") + ", was '" + AppendBody.clip(value) + "'");
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
                            + " version >= 0, was '" + AppendBody.clip(value) + "'");
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
        throw new InvalidRequestException("direction must be forward or backward, was '"
                + AppendBody.clip(direction) + "'");
    }
}
