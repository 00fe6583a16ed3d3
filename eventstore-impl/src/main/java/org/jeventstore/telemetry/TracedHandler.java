package org.jeventstore.telemetry;

import io.opentelemetry.context.Scope;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import org.jeventstore.FencingToken;
import org.jeventstore.RecordedEvent;
import org.jeventstore.SubscriptionHandler;

/**
 * A persistent subscription's handler with a span and metrics around every delivery. It sits between the
 * subscription engine and the application's handler and changes nothing about what is delivered or acknowledged:
 * whatever the handler returns or throws passes through unchanged.
 */
public final class TracedHandler implements SubscriptionHandler {

    private final SubscriptionHandler delegate;
    private final Telemetry telemetry;
    private final String streamId;
    private final String name;
    /** Events whose last delivery here failed: their next delivery counts as a retry. */
    private final Set<UUID> failedBefore = ConcurrentHashMap.newKeySet();

    public TracedHandler(SubscriptionHandler delegate, Telemetry telemetry, String streamId, String name) {
        this.delegate = delegate;
        this.telemetry = telemetry;
        this.streamId = streamId;
        this.name = name;
    }

    /** The application's handler. */
    public SubscriptionHandler delegate() {
        return delegate;
    }

    @Override
    public void handle(RecordedEvent event) throws Exception {
        delegate.handle(event);
    }

    @Override
    public void handle(RecordedEvent event, FencingToken token) throws Exception {
        delegate.handle(event, token);
    }

    @Override
    public CompletionStage<?> handleAsync(RecordedEvent event, FencingToken token) throws Exception {
        UUID id = event.eventId();
        Telemetry.DeliverySpan span = telemetry.startDelivery(streamId, name, event,
                id != null && failedBefore.contains(id));
        CompletionStage<?> stage;
        try (Scope ignored = span.makeCurrent()) {
            stage = delegate.handleAsync(event, token);
        } catch (Exception | Error e) {
            ended(span, id, e);
            throw e;
        }
        if (stage == null) {
            ended(span, id, null);
            return null;
        }
        return stage.whenComplete((result, failure) -> ended(span, id,
                failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure));
    }

    private void ended(Telemetry.DeliverySpan span, UUID id, Throwable failure) {
        if (id != null) {
            if (failure == null) {
                failedBefore.remove(id);
            } else {
                if (failedBefore.size() >= 10_000) {
                    failedBefore.clear(); // events given up on (parked, or handed to another server) stay behind
                }
                failedBefore.add(id);
            }
        }
        span.end(failure);
    }
}
