package org.jeventstore.web;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;
import org.jeventstore.cdi.EventStoreRuntime;

/**
 * Ready when the database answers and holds the current schema. (Health checks live in the web module: that is
 * where every server's MicroProfile Health implementation finds them.)
 */
@Readiness
@ApplicationScoped
public class ReadinessCheck implements HealthCheck {

    @Inject
    EventStoreRuntime runtime;

    @Override
    public HealthCheckResponse call() {
        String reason = runtime.notReadyReason();
        var builder = HealthCheckResponse.named("eventstore-database")
                .withData("schema", runtime.config().settings().schema().name())
                .withData("datasource", runtime.config().dataSource());
        return reason == null ? builder.up().build() : builder.down().withData("reason", reason).build();
    }
}
