package org.jeventstore.cdi;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.context.Dependent;
import jakarta.enterprise.inject.Produces;
import org.jeventstore.FencingToken;
import org.jeventstore.SubscriptionHandler;

/**
 * Gives an {@code @EventSubscription} observer the {@link FencingToken} of the delivery it is called in: declare
 * a {@code FencingToken} parameter after the observed one. Observers are called synchronously on the thread
 * that handles the event, so the token travels with that thread for the duration of the call.
 */
@ApplicationScoped
public class FencingTokens {

    private static final ThreadLocal<FencingToken> CURRENT = new ThreadLocal<>();

    /** Wraps an annotated subscription's handler so that its observers can be given the token. */
    static SubscriptionHandler fenced(SubscriptionHandler observers) {
        return SubscriptionHandler.fenced((event, token) -> {
            FencingToken outer = CURRENT.get();
            CURRENT.set(token);
            try {
                observers.handle(event);
            } finally {
                if (outer == null) {
                    CURRENT.remove();
                } else {
                    CURRENT.set(outer);
                }
            }
        });
    }

    @Produces
    @Dependent
    FencingToken current() {
        FencingToken token = CURRENT.get();
        if (token == null) {
            throw new IllegalStateException("a FencingToken can only be injected into an @EventSubscription"
                    + " observer, during its call");
        }
        return token;
    }
}
