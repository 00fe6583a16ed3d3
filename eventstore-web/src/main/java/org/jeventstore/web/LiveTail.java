package org.jeventstore.web;

import jakarta.annotation.PostConstruct;
import jakarta.annotation.PreDestroy;
import jakarta.annotation.Resource;
import jakarta.enterprise.concurrent.ManagedScheduledExecutorService;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.ObservesAsync;
import jakarta.inject.Inject;
import jakarta.json.bind.Jsonb;
import jakarta.json.bind.JsonbBuilder;
import jakarta.ws.rs.sse.OutboundSseEvent;
import jakarta.ws.rs.sse.Sse;
import jakarta.ws.rs.sse.SseEventSink;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.eclipse.microprofile.config.Config;
import org.jeventstore.EventStore;
import org.jeventstore.EventsAppended;
import org.jeventstore.RecordedEvent;

/**
 * The console's live tail of {@code $all}: fed by the notification relay (the store's {@link EventsAppended} CDI
 * event, fired on every server for every append that reached {@code $all}), it reads the new events once and
 * sends each to every open Server-Sent Events connection. The number of connections is bounded, checked and
 * taken in one step. A connection whose client went away is dropped when a send to it fails or finds it closed;
 * so that a quiet store does not keep dead ones (and refuse new tails), every connection also gets a heartbeat
 * (an SSE comment, which browsers ignore) every {@code eventstore.http.live-heartbeat-ms} (default 15 s). The
 * heartbeat also keeps proxies from ending an idle tail.
 */
@ApplicationScoped
public class LiveTail {

    static final int MAX_CONNECTIONS = 32;
    /** A burst of appends sends at most this many events per notification: a tail is for watching, not for copying. */
    static final int MAX_EVENTS_PER_NOTIFICATION = 200;
    static final int DEFAULT_HEARTBEAT_MILLIS = 15_000;

    private static final Logger LOG = Logger.getLogger(LiveTail.class.getName());
    private static final Jsonb JSON = JsonbBuilder.create();

    private final Set<Connection> connections = ConcurrentHashMap.newKeySet();
    /** The last {@code $all} position sent, so overlapping notifications send nothing twice. */
    private final AtomicLong sent = new AtomicLong();

    @Inject
    EventStore store;

    @Inject
    Config config;

    @Resource
    ManagedScheduledExecutorService scheduler;

    private ScheduledFuture<?> heartbeats;

    /** One tail; identity, not the sink's equals, tells two apart. */
    static final class Connection {
        final SseEventSink sink;
        final Sse sse;

        Connection(SseEventSink sink, Sse sse) {
            this.sink = sink;
            this.sse = sse;
        }
    }

    @PostConstruct
    void startHeartbeats() {
        long every = HttpLimits.positive(config, "eventstore.http.live-heartbeat-ms", DEFAULT_HEARTBEAT_MILLIS);
        heartbeats = scheduler.scheduleWithFixedDelay(this::heartbeat, every, every, TimeUnit.MILLISECONDS);
    }

    /** When the application stops: no more heartbeats, and every tail ends (its client may reconnect elsewhere). */
    @PreDestroy
    void stop() {
        if (heartbeats != null) {
            heartbeats.cancel(false);
        }
        connections.forEach(this::drop);
    }

    /**
     * Opens a tail on {@code sink}; false when there are too many already. Synchronized so that the check and
     * the add are one step: two clients asking for the last place at once cannot both get it. Removals need no
     * lock, they only make room.
     */
    synchronized boolean open(SseEventSink sink, Sse sse) {
        if (connections.size() >= MAX_CONNECTIONS) {
            return false;
        }
        connections.add(new Connection(sink, sse));
        return true;
    }

    int connections() {
        return connections.size();
    }

    /** Sends every connection a comment, so that the ones whose client went away fail and leave. */
    void heartbeat() {
        try {
            for (Connection c : connections) {
                send(c, () -> c.sse.newEventBuilder().comment("heartbeat").build());
            }
        } catch (RuntimeException e) {
            // a scheduled task that throws is never run again: log, and beat again next time
            LOG.log(Level.WARNING, "JES0408W live tail heartbeat failed: " + e, e);
        }
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
                    send(c, () -> c.sse.newEventBuilder().name("event").id(Long.toString(e.eventNumber()))
                            .data(json).build());
                }
            }
        } catch (RuntimeException e) {
            // a tail that misses a notification misses its events; it must never fail the relay
            LOG.log(Level.WARNING, "JES0403W live tail could not send events " + appended.fromVersion() + ".."
                    + appended.toVersion() + ": " + e, e);
        }
    }

    /**
     * Sends {@code event} to {@code c}, or drops {@code c} when its sink is closed or the send fails (at once, or
     * later: sends complete asynchronously). A connection is sent to by one thread at a time: the heartbeat and a
     * notification may meet on it.
     */
    private void send(Connection c, Supplier<OutboundSseEvent> event) {
        CompletionStage<?> sending;
        synchronized (c) {
            if (c.sink.isClosed()) {
                drop(c);
                return;
            }
            try {
                sending = c.sink.send(event.get());
            } catch (RuntimeException e) {
                drop(c);
                return;
            }
        }
        sending.whenComplete((ok, failure) -> {
            if (failure != null) {
                drop(c);
            }
        });
    }

    private void drop(Connection c) {
        if (connections.remove(c)) {
            try {
                c.sink.close();
            } catch (RuntimeException ignored) {
                // the client is gone either way
            }
        }
    }
}
