package org.jeventstore;

/**
 * Receives the events of a persistent subscription, one at a time. Returning normally acknowledges the event; an
 * exception means it was not handled: it is delivered again after a capped backoff, and the subscription does not
 * move past it.
 */
@FunctionalInterface
public interface SubscriptionHandler {

    void handle(RecordedEvent event) throws Exception;

    /**
     * What the store calls: {@code token} identifies the holding of the subscription's lock this delivery belongs
     * to. By default it is ignored; a handler made with {@link #fenced} receives it.
     */
    default void handle(RecordedEvent event, FencingToken token) throws Exception {
        handle(event);
    }

    /**
     * A handler that is given the {@link FencingToken} of every delivery, to fence its own writes:
     * {@code store.subscribeToAll("billing", SubscriptionHandler.fenced((event, token) -> ...), options)}.
     */
    static SubscriptionHandler fenced(Fenced handler) {
        java.util.Objects.requireNonNull(handler, "handler");
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

    /** A subscription handler that also receives the delivery's fencing token. */
    @FunctionalInterface
    interface Fenced {
        void handle(RecordedEvent event, FencingToken token) throws Exception;
    }
}
