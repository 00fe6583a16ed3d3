package org.jeventstore.web;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;
import org.jeventstore.cdi.EventStoreRuntime;
import org.jeventstore.storage.Linker;

/**
 * Ready when the database answers and holds the current schema; also shows how many committed appends wait for
 * their {@code $all} positions and for how long, and how many were set aside because they could not be linked
 * (informational: neither makes the server unready). (Health checks live in the web module: that is where every
 * server's MicroProfile Health implementation finds them.)
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
        if (reason != null) {
            return builder.down().withData("reason", reason).build();
        }
        try {
            // appends committed but not yet in $all: a backlog that keeps growing means no linker runs
            Linker.Backlog backlog = runtime.store().linkBacklog();
            builder.withData("unlinked-appends", backlog.appends())
                    .withData("oldest-unlinked-ms", backlog.oldestMillis())
                    .withData("set-aside-appends", backlog.setAside()); // could not be linked: see JES0305E
        } catch (RuntimeException e) {
            builder.withData("unlinked-appends", "unknown: " + e.getMessage());
        }
        return builder.up().build();
    }
}
