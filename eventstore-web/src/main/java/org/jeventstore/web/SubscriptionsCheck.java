package org.jeventstore.web;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;
import org.jeventstore.operations.EventStoreOperations;

/**
 * Informational: how many subscriptions are active on this server and how many stand by while another server
 * holds them. Always UP: a standby subscription is healthy. The probe is open to anyone, so it counts and names
 * nothing; {@code GET /api/subscriptions} (any role) has names, holders, checkpoints and lag.
 */
@Readiness
@ApplicationScoped
public class SubscriptionsCheck implements HealthCheck {

    @Inject
    EventStoreOperations operations;

    @Override
    public HealthCheckResponse call() {
        int active = 0;
        int standby = 0;
        try {
            for (EventStoreOperations.SubscriptionInfo s : operations.subscriptions()) {
                if ("active".equals(s.localState())) {
                    active++;
                } else if ("standby".equals(s.localState())) {
                    standby++;
                }
            }
        } catch (RuntimeException e) {
            // the database check reports the outage; this one only counts
            return HealthCheckResponse.named("eventstore-subscriptions").up().withData("known", false).build();
        }
        return HealthCheckResponse.named("eventstore-subscriptions").up()
                .withData("active", active).withData("standby", standby).build();
    }
}
