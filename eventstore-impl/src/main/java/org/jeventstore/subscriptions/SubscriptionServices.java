package org.jeventstore.subscriptions;

import java.util.concurrent.Executor;
import java.util.Collection;
import java.util.function.Supplier;
import org.jeventstore.storage.EventReader;
import org.jeventstore.telemetry.Telemetry;

/**
 * What the persistent subscriptions of one server share: their tables, the reader, the lock session, the
 * executor their workers and handlers run on, how many events a read takes, telemetry, and which subscriptions this
 * server runs (the balancing policy compares them).
 */
record SubscriptionServices(SubscriptionRows rows, ParkedEvents parked, EventReader reader, AdvisoryLocks locks,
                            Presence presence, Executor executor, int readBatchSize, Telemetry telemetry,
                            Supplier<Collection<PersistentSubscription>> running) {
}
