package org.jeventstore.web;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;
import org.jeventstore.operations.EventStoreOperations;

/**
 * Informational: how many subscriptions are active on this server, how many stand by while another server
 * holds them, how many are halted here (an event exhausted its attempts under STOP), and how many events the
 * store's subscriptions have parked. Always UP: a standby subscription is healthy, and a halted or parking
 * projection is no reason to take this server out of a load balancer (the log and the console say which). The probe is open to anyone, so it counts and names
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
        int halted = 0;
        long parked = 0;
        try {
            for (EventStoreOperations.SubscriptionInfo s : operations.subscriptions()) {
                if ("active".equals(s.localState())) {
                    active++;
                } else if ("standby".equals(s.localState())) {
                    standby++;
                } else if ("halted".equals(s.localState())) {
                    halted++; // an event exhausted its attempts under STOP (JES0242E)
                }
                parked += s.parked();
            }
        } catch (RuntimeException e) {
            // the database check reports the outage; this one only counts
            return HealthCheckResponse.named("eventstore-subscriptions").up().withData("known", false).build();
        }
        return HealthCheckResponse.named("eventstore-subscriptions").up()
                .withData("active", active).withData("standby", standby)
                .withData("halted", halted).withData("parked-events", parked).build();
    }
}
