package org.jeventstore.web;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Readiness;
import org.jeventstore.EventStore;
import org.jeventstore.StreamNotFoundException;
import org.jeventstore.Subscription;
import org.jeventstore.SubscriptionState;
import org.jeventstore.cdi.EventStoreRuntime;

/**
 * Informational: this server's {@code @EventSubscription} subscriptions, each with its role (active here, or
 * standby while another server holds it), its saved checkpoint and its lag behind the stream's head. Always UP:
 * a standby subscription is healthy.
 */
@Readiness
@ApplicationScoped
public class SubscriptionsCheck implements HealthCheck {

    @Inject
    EventStoreRuntime runtime;

    @Inject
    EventStore store;

    @Override
    public HealthCheckResponse call() {
        HealthCheckResponseBuilder builder = HealthCheckResponse.named("eventstore-subscriptions").up();
        for (Subscription s : runtime.annotatedSubscriptions()) {
            builder.withData(s.name(), describe(s));
        }
        return builder.build();
    }

    private String describe(Subscription s) {
        SubscriptionState state = s.state();
        boolean active = state == SubscriptionState.CATCHING_UP || state == SubscriptionState.SUBSCRIBED;
        StringBuilder text = new StringBuilder(active ? "active" : state == SubscriptionState.STANDBY ? "standby"
                : state.name().toLowerCase());
        text.append(" stream=").append(s.streamId());
        if (active) {
            text.append(" checkpoint=").append(s.checkpoint());
            try {
                long head = store.streamInfo(s.streamId()).version();
                text.append(" lag=").append(Math.max(0, head - s.checkpoint()));
            } catch (StreamNotFoundException e) {
                text.append(" lag=0");
            } catch (RuntimeException e) {
                text.append(" lag=unknown");
            }
        }
        return text.toString();
    }
}
