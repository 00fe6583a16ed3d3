package org.jeventstore.web;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Liveness;
import org.jeventstore.operations.EventStoreOperations;

/** Live unless the notification listener has been reconnecting for longer than the configured limit. */
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
        Instant since = operations.listenerDownSince();
        var builder = HealthCheckResponse.named("eventstore-listener")
                .withData("connected", since == null);
        if (since == null) {
            return builder.up().build();
        }
        Duration down = Duration.between(since, Instant.now());
        builder.withData("disconnectedForMs", down.toMillis()).withData("limitMs", limitMs);
        return down.toMillis() > limitMs ? builder.down().build() : builder.up().build();
    }
}
