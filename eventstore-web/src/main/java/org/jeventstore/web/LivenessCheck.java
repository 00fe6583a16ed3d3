package org.jeventstore.web;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Liveness;
import org.jeventstore.cdi.EventStoreRuntime;

/** Live unless the notification listener has been reconnecting for longer than the configured limit. */
@Liveness
@ApplicationScoped
public class LivenessCheck implements HealthCheck {

    @Inject
    EventStoreRuntime runtime;

    @Override
    public HealthCheckResponse call() {
        Instant since = runtime.listenerDownSince();
        Duration limit = runtime.listenerDownLimit();
        var builder = HealthCheckResponse.named("eventstore-listener")
                .withData("connected", since == null);
        if (since == null) {
            return builder.up().build();
        }
        Duration down = Duration.between(since, Instant.now());
        builder.withData("disconnectedForMs", down.toMillis()).withData("limitMs", limit.toMillis());
        return down.compareTo(limit) > 0 ? builder.down().build() : builder.up().build();
    }
}
