package org.jeventstore.subscriptions;

import java.time.Duration;
import java.util.concurrent.Executor;
import javax.sql.DataSource;
import org.jeventstore.telemetry.Telemetry;

/**
 * Where a server's subscriptions run and with what: the executor of their workers, handlers and listener tasks
 * (never shut down by them), the non-transactional DataSource of the advisory-lock session, the bound on one round
 * trip on that session, how many events one read takes, and telemetry.
 */
public record SubscriptionSettings(DataSource lockDataSource, Executor executor, Duration networkTimeout,
                                   int readBatchSize, Telemetry telemetry) {
}
