package org.jeventstore;

import java.util.Objects;
import java.util.concurrent.CompletionStage;

/**
 * Receives the events of a persistent subscription, one at a time. Returning normally acknowledges the event; an
 * exception means it was not handled: it is delivered again after a capped backoff, and the subscription does not
 * move past it, unless {@link SubscriptionOptions#maxAttempts()} is set (then it is parked, or the subscription
 * halts, after that many attempts).
 *
 * <p>Two variants: {@link #fenced} also receives the delivery's {@link FencingToken}; {@link #async} returns a
 * {@link CompletionStage} whose completion is the acknowledgement, so that up to {@code bufferSize} events per
 * subscriber are in flight at once.
 */
@FunctionalInterface
public interface SubscriptionHandler {

    void handle(RecordedEvent event) throws Exception;

    /**
     * Called by {@link #handleAsync}: {@code token} identifies the holding of the subscription's lock this
     * delivery belongs to. By default it is ignored; a handler made with {@link #fenced} receives it.
     */
    default void handle(RecordedEvent event, FencingToken token) throws Exception {
        handle(event);
    }

    /**
     * What the store calls. {@code null} means handled (synchronously); a stage means in flight until it
     * completes: normally = acknowledged, exceptionally = not handled (retried after a backoff like an
     * exception). An exception thrown here is retried at once on this subscriber, before its next event.
     */
    default CompletionStage<?> handleAsync(RecordedEvent event, FencingToken token) throws Exception {
        handle(event, token);
        return null;
    }

    /**
     * A handler that is given the {@link FencingToken} of every delivery, to fence its own writes:
     * {@code store.subscribeToAll("billing", SubscriptionHandler.fenced((event, token) -> ...), options)}.
     */
    static SubscriptionHandler fenced(Fenced handler) {
        Objects.requireNonNull(handler, "handler");
        return new SubscriptionHandler() {
            @Override
            public void handle(RecordedEvent event) {
                throw new IllegalStateException("a fenced subscription handler needs its fencing token: call"
                        + " handle(event, token)");
            }

            @Override
            public void handle(RecordedEvent event, FencingToken token) throws Exception {
                handler.handle(event, token);
            }
        };
    }

    /**
     * A handler that acknowledges asynchronously: the event counts as handled when the returned stage completes
     * normally. Up to {@code bufferSize} events per subscriber are then in flight; they are started in order
     * (per partition key with {@code partitionBy}) and may complete in any order; the checkpoint is the
     * low-water mark of completed ones. A stage that completes exceptionally is retried after a backoff, while
     * later events may already be in flight: with {@code bufferSize} 1 (the default) a subscriber starts nothing
     * else until an event is done, so the order is strict.
     */
    static SubscriptionHandler async(Async handler) {
        Objects.requireNonNull(handler, "handler");
        return new SubscriptionHandler() {
            @Override
            public void handle(RecordedEvent event) {
                throw new IllegalStateException("an asynchronous subscription handler is called through"
                        + " handleAsync(event, token)");
            }

            @Override
            public CompletionStage<?> handleAsync(RecordedEvent event, FencingToken token) throws Exception {
                CompletionStage<?> stage = handler.handle(event, token);
                if (stage == null) {
                    throw new IllegalStateException("asynchronous subscription handler returned no CompletionStage"
                            + " for event " + event.eventNumber() + " of stream '" + event.streamId() + "'");
                }
                return stage;
            }
        };
    }

    /**
     * A handler that acknowledges explicitly, as Elixir's subscribers do: an event stays in flight (counting
     * against {@code bufferSize}) until {@link Acknowledger#ack} acknowledges it or a later one, from the call or
     * from any thread afterwards. {@code ack(event)} acknowledges that event and every earlier one this handler
     * received and has not acknowledged yet. Throwing from the call is a failure, retried as usual; an event it
     * does not acknowledge is delivered again by the next holder of the subscription. The returned handler is
     * also the {@link Acknowledger}: {@code handler.ack(event)} works as {@code acks.ack(event)}. One handler per
     * subscriber: two subscribers sharing one handler share its acknowledgements.
     */
    static ManualSubscriptionHandler manual(Manual handler) {
        return new ManualSubscriptionHandler(handler);
    }

    /** A subscription handler that acknowledges its events with {@link Acknowledger#ack}. */
    @FunctionalInterface
    interface Manual {
        void handle(RecordedEvent event, FencingToken token, Acknowledger acks) throws Exception;
    }

    /** A subscription handler that also receives the delivery's fencing token. */
    @FunctionalInterface
    interface Fenced {
        void handle(RecordedEvent event, FencingToken token) throws Exception;
    }

    /** A subscription handler whose returned stage is the acknowledgement. */
    @FunctionalInterface
    interface Async {
        CompletionStage<?> handle(RecordedEvent event, FencingToken token) throws Exception;
    }
}
