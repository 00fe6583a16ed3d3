package org.jeventstore.web;

import jakarta.enterprise.context.RequestScoped;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.sse.Sse;
import jakarta.ws.rs.sse.SseEventSink;

/**
 * {@code GET /api/live} (any role): Server-Sent Events, one {@code event} per event reaching {@code $all} from
 * now on, its data the event's JSON and its id the {@code $all} position.
 */
@Path("live")
@RequestScoped
public class LiveResource {

    @Inject
    LiveTail tail;

    @GET
    @Produces(MediaType.SERVER_SENT_EVENTS)
    public void live(@Context SseEventSink sink, @Context Sse sse) {
        if (!tail.open(sink, sse)) {
            sink.send(sse.newEventBuilder().name("refused").data("too many live tails on this server").build());
            sink.close();
            return;
        }
        // a comment line, so the client sees the stream open before the first event
        sink.send(sse.newEventBuilder().comment("tail of $all").build());
    }
}
