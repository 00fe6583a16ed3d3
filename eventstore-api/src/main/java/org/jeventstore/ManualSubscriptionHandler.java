package org.jeventstore;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Iterator;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * A subscription handler that acknowledges explicitly ({@link SubscriptionHandler#manual}): every event it is
 * given is in flight until {@link #ack} acknowledges it or a later one. It keeps the events it received and has
 * not acknowledged in the order received; an acknowledgement completes them up to the one named.
 */
public final class ManualSubscriptionHandler implements SubscriptionHandler, Acknowledger {

    private record Pending(RecordedEvent event, CompletableFuture<Void> done) {
    }

    private final Manual handler;
    /** Received and not acknowledged, oldest first; guarded by itself. */
    private final Deque<Pending> pending = new ArrayDeque<>();

    ManualSubscriptionHandler(Manual handler) {
        this.handler = Objects.requireNonNull(handler, "handler");
    }

    @Override
    public void handle(RecordedEvent event) {
        throw new IllegalStateException("a manual subscription handler is called through handleAsync(event, token)");
    }

    @Override
    public CompletionStage<?> handleAsync(RecordedEvent event, FencingToken token) throws Exception {
        Pending p = new Pending(event, new CompletableFuture<>());
        synchronized (pending) {
            pending.addLast(p);
        }
        try {
            handler.handle(event, token, this);
        } catch (Exception | Error e) {
            synchronized (pending) {
                pending.remove(p); // a failure: retried (a new delivery), not acknowledged by a later ack
            }
            throw e;
        }
        return p.done();
    }

    @Override
    public int ack(RecordedEvent event) {
        Objects.requireNonNull(event, "event");
        java.util.List<CompletableFuture<Void>> done = new java.util.ArrayList<>();
        synchronized (pending) {
            // up to its latest reception: an event delivered again (a new holder) is acknowledged with it
            int last = -1;
            int i = 0;
            for (Pending p : pending) {
                if (same(p.event(), event)) {
                    last = i;
                }
                i++;
            }
            Iterator<Pending> it = pending.iterator();
            for (int n = 0; n <= last; n++) {
                done.add(it.next().done());
                it.remove();
            }
        }
        int n = 0;
        for (CompletableFuture<Void> f : done) {
            if (f.complete(null)) { // outside the lock: completing runs the engine's acknowledgement
                n++;
            }
        }
        return n;
    }

    /** Events received and not acknowledged yet. */
    public int unacknowledged() {
        synchronized (pending) {
            pending.removeIf(p -> p.done().isDone()); // given up by the engine (their holding ended)
            return pending.size();
        }
    }

    private static boolean same(RecordedEvent a, RecordedEvent b) {
        return a.eventNumber() == b.eventNumber() && Objects.equals(a.eventId(), b.eventId());
    }
}
