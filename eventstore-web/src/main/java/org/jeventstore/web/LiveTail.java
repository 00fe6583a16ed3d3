package org.jeventstore.web;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.ObservesAsync;
import jakarta.inject.Inject;
import jakarta.json.bind.Jsonb;
import jakarta.json.bind.JsonbBuilder;
import jakarta.ws.rs.sse.Sse;
import jakarta.ws.rs.sse.SseEventSink;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.jeventstore.EventStore;
import org.jeventstore.EventsAppended;
import org.jeventstore.RecordedEvent;

/**
 * The console's live tail of {@code $all}: fed by the notification relay (the store's {@link EventsAppended} CDI
 * event, fired on every server for every append that reached {@code $all}), it reads the new events once and
 * sends each to every open Server-Sent Events connection. The number of connections is bounded; a connection
 * whose client went away is dropped at its next send.
 */
@ApplicationScoped
public class LiveTail {

    static final int MAX_CONNECTIONS = 32;
    /** A burst of appends sends at most this many events per notification: a tail is for watching, not for copying. */
    static final int MAX_EVENTS_PER_NOTIFICATION = 200;

    private static final Logger LOG = Logger.getLogger(LiveTail.class.getName());
    private static final Jsonb JSON = JsonbBuilder.create();

    private final Set<Connection> connections = ConcurrentHashMap.newKeySet();
    /** The last {@code $all} position sent, so overlapping notifications send nothing twice. */
    private final AtomicLong sent = new AtomicLong();

    @Inject
    EventStore store;

    record Connection(SseEventSink sink, Sse sse) {
    }

    /** Opens a tail on {@code sink}; false when there are too many already. */
    boolean open(SseEventSink sink, Sse sse) {
        if (connections.size() >= MAX_CONNECTIONS) {
            return false;
        }
        connections.add(new Connection(sink, sse));
        return true;
    }

    int connections() {
        return connections.size();
    }

    void onAppended(@ObservesAsync EventsAppended appended) {
        if (!EventStore.ALL.equals(appended.streamId()) || connections.isEmpty()) {
            return;
        }
        try {
            long from = Math.max(appended.fromVersion(), sent.get() + 1);
            long to = appended.toVersion();
            if (from > to) {
                return;
            }
            from = Math.max(from, to - MAX_EVENTS_PER_NOTIFICATION + 1);
            List<RecordedEvent> events = store.readAllForward(from, (int) (to - from + 1));
            for (RecordedEvent e : events) {
                sent.accumulateAndGet(e.eventNumber(), Math::max);
                String json = JSON.toJson(e);
                for (Connection c : connections) {
                    send(c, e.eventNumber(), json);
                }
            }
        } catch (RuntimeException e) {
            // a tail that misses a notification misses its events; it must never fail the relay
            LOG.log(Level.WARNING, "JES0403W live tail could not send events " + appended.fromVersion() + ".."
                    + appended.toVersion() + ": " + e, e);
        }
    }

    private void send(Connection c, long position, String json) {
        if (c.sink().isClosed()) {
            connections.remove(c);
            return;
        }
        c.sink().send(c.sse().newEventBuilder().name("event").id(Long.toString(position)).data(json).build())
                .whenComplete((ok, failure) -> {
                    if (failure != null) {
                        connections.remove(c);
                        try {
                            c.sink().close();
                        } catch (RuntimeException ignored) {
                            // the client is gone either way
                        }
                    }
                });
    }
}
