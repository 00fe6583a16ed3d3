package org.jeventstore.cdi;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.context.Dependent;
import jakarta.enterprise.inject.Produces;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.jeventstore.Acknowledgement;
import org.jeventstore.FencingToken;
import org.jeventstore.SubscriptionHandler;

/**
 * Gives an {@code @EventSubscription} observer what belongs to the delivery it is called in: its
 * {@link FencingToken} and its {@link Acknowledgement} (declare either as a parameter after the observed one).
 * Observers are called synchronously on the thread that handles the event, so the delivery travels with that
 * thread for the duration of the call.
 */
@ApplicationScoped
public class FencingTokens {

    /** One event's delivery to the observers of a subscription. */
    private static final class Delivery implements Acknowledgement {
        private final FencingToken token;
        private final List<CompletableFuture<Void>> deferred = new ArrayList<>();
        private boolean open = true;

        Delivery(FencingToken token) {
            this.token = token;
        }

        @Override
        public synchronized CompletableFuture<Void> later() {
            if (!open) {
                throw new IllegalStateException("Acknowledgement.later() can only be called during the observer's"
                        + " call");
            }
            CompletableFuture<Void> f = new CompletableFuture<>();
            deferred.add(f);
            return f;
        }

        /** Null when every observer acknowledged by returning; otherwise the stage of all deferred ones. */
        synchronized CompletableFuture<Void> close() {
            open = false;
            return deferred.isEmpty() ? null : CompletableFuture.allOf(deferred.toArray(CompletableFuture[]::new));
        }
    }

    private static final ThreadLocal<Delivery> CURRENT = new ThreadLocal<>();

    /**
     * Wraps an annotated subscription's handler so that its observers can be given the token and may defer their
     * acknowledgement.
     */
    static SubscriptionHandler fenced(SubscriptionHandler observers) {
        return new SubscriptionHandler() {
            @Override
            public void handle(org.jeventstore.RecordedEvent event) {
                throw new IllegalStateException("called through handleAsync(event, token)");
            }

            @Override
            public java.util.concurrent.CompletionStage<?> handleAsync(org.jeventstore.RecordedEvent event,
                                                                       FencingToken token) throws Exception {
                Delivery outer = CURRENT.get();
                Delivery delivery = new Delivery(token);
                CURRENT.set(delivery);
                CompletableFuture<Void> deferred;
                try {
                    observers.handle(event);
                } finally {
                    if (outer == null) {
                        CURRENT.remove();
                    } else {
                        CURRENT.set(outer);
                    }
                    deferred = delivery.close(); // later() is refused from here on
                }
                return deferred;
            }
        };
    }

    private static Delivery delivery(String what) {
        Delivery d = CURRENT.get();
        if (d == null) {
            throw new IllegalStateException("a " + what + " can only be injected into an @EventSubscription"
                    + " observer, during its call");
        }
        return d;
    }

    @Produces
    @Dependent
    FencingToken current() {
        return delivery("FencingToken").token;
    }

    @Produces
    @Dependent
    Acknowledgement acknowledgement() {
        return delivery("Acknowledgement");
    }
}
