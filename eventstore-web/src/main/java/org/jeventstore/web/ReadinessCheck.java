package org.jeventstore.web;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.Objects;
import java.util.logging.Logger;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;
import org.jeventstore.operations.EventStoreOperations;

/**
 * Ready when the database answers and holds the current schema; also shows how many committed appends wait for
 * their {@code $all} positions and for how long, and how many were set aside because they could not be linked
 * (informational: neither makes the server unready). (Health checks live in the web module: that is where every
 * server's MicroProfile Health implementation finds them.)
 *
 * <p>The probe answers anyone who reaches the port, so its data names nothing internal: the reason is a short
 * summary, and the detail (database messages, schema and DataSource names) goes to the log when it changes.
 */
@Readiness
@ApplicationScoped
public class ReadinessCheck implements HealthCheck {

    private static final Logger LOG = Logger.getLogger(ReadinessCheck.class.getName());

    @Inject
    EventStoreOperations operations;

    private volatile String lastDetail;

    @Override
    public HealthCheckResponse call() {
        EventStoreOperations.Readiness readiness = operations.readiness();
        var builder = HealthCheckResponse.named("eventstore-database");
        String detail = readiness.ready() ? null : readiness.detail();
        if (!Objects.equals(detail, lastDetail)) {
            lastDetail = detail;
            if (detail != null) {
                LOG.warning(() -> "JES0008W not ready: " + detail);
            }
        }
        if (!readiness.ready()) {
            return builder.down().withData("reason", readiness.summary()).build();
        }
        try {
            // appends committed but not yet in $all: a backlog that keeps growing means no linker runs
            EventStoreOperations.LinkBacklog backlog = operations.linkBacklog();
            builder.withData("unlinked-appends", backlog.appends())
                    .withData("oldest-unlinked-ms", backlog.oldestMillis())
                    .withData("set-aside-appends", backlog.setAside()); // could not be linked: see JES0305E
        } catch (RuntimeException e) {
            LOG.warning(() -> "JES0009W link backlog unknown: " + e.getMessage());
            builder.withData("unlinked-appends", "unknown");
        }
        return builder.up().build();
    }
}
