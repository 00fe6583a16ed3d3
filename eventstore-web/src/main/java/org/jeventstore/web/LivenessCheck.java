package org.jeventstore.web;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Liveness;
import org.jeventstore.operations.EventStoreOperations;

/**
 * Live unless one of the long-lived connections has been down for longer than the configured limit: the
 * notification listener's (also when its loop has stalled) or the subscriptions' advisory-lock connection
 * (without it this server runs none of its subscriptions).
 */
@Liveness
@ApplicationScoped
public class LivenessCheck implements HealthCheck {

    @Inject
    EventStoreOperations operations;

    @Inject
    @ConfigProperty(name = "eventstore.listener.down-limit-ms", defaultValue = "60000")
    long limitMs;

    @Override
    public HealthCheckResponse call() {
        Duration limit = Duration.ofMillis(limitMs);
        Instant now = Instant.now();
        Instant listenerDown = operations.listenerDownSince();
        Instant locksDown = operations.lockConnectionDownSince();
        HealthCheckResponseBuilder builder = HealthCheckResponse.named("eventstore-listener")
                .withData("connected", listenerDown == null)
                .withData("lock-connection", locksDown == null ? "up" : "down")
                .withData("limitMs", limitMs);
        boolean live = true;
        if (listenerDown != null) {
            Duration down = Duration.between(listenerDown, now);
            builder.withData("disconnectedForMs", down.toMillis());
            live = down.compareTo(limit) <= 0;
        }
        if (locksDown != null) {
            Duration down = Duration.between(locksDown, now);
            builder.withData("lockConnectionDownForMs", down.toMillis());
            live &= down.compareTo(limit) <= 0;
        }
        return live ? builder.up().build() : builder.down().build();
    }
}
