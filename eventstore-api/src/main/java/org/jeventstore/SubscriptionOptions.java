package org.jeventstore;

import java.time.Duration;
import java.util.Objects;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * How a persistent subscription behaves. Start from {@link #defaults()} and change what you need.
 *
 * @param startFrom           where a new subscription starts (default origin); ignored once it has a checkpoint
 * @param selector            only events it accepts are delivered; the others count as acknowledged
 * @param concurrencyLimit    1 (default): single-active, strictly in order; N above 1: N partitions by
 *                            {@code partitionBy}, each single-active on its own, spread over the servers (README,
 *                            "Single-active and partitioned subscriptions")
 * @param partitionBy         the partition key of a partitioned subscription (compared by {@code toString()});
 *                            {@code null} means the event's stream id
 * @param bufferSize          events in flight per subscriber (default 1)
 * @param maxQueueSize        events read ahead and waiting for a free subscriber (default 1000); beyond it events
 *                            stay in storage and are read later: nothing is lost
 * @param checkpointThreshold save the checkpoint after this many acknowledged events (default 100)
 * @param checkpointAfter     save pending progress after this long at the latest (default 1 s)
 * @param retryInterval       how often a standby server retries the subscription's lock (default 1 s)
 * @param safetyPoll          how often an idle subscription reads storage anyway, in case a notification was
 *                            lost (default 5 s)
 * @param maxRetryBackoff     cap of the backoff between attempts at an event whose handler failed (default 30 s)
 */
public record SubscriptionOptions(StartFrom startFrom, Predicate<RecordedEvent> selector, int concurrencyLimit,
                                  Function<RecordedEvent, Object> partitionBy, int bufferSize, int maxQueueSize,
                                  int checkpointThreshold, Duration checkpointAfter, Duration retryInterval,
                                  Duration safetyPoll, Duration maxRetryBackoff) {

    public SubscriptionOptions {
        Objects.requireNonNull(startFrom, "startFrom");
        requirePositive("concurrencyLimit", concurrencyLimit);
        requirePositive("bufferSize", bufferSize);
        requirePositive("maxQueueSize", maxQueueSize);
        requirePositive("checkpointThreshold", checkpointThreshold);
        requirePositive("checkpointAfter", checkpointAfter);
        requirePositive("retryInterval", retryInterval);
        requirePositive("safetyPoll", safetyPoll);
        requirePositive("maxRetryBackoff", maxRetryBackoff);
    }

    public static SubscriptionOptions defaults() {
        return new SubscriptionOptions(StartFrom.origin(), null, 1, null, 1, 1000, 100, Duration.ofSeconds(1),
                Duration.ofSeconds(1), Duration.ofSeconds(5), Duration.ofSeconds(30));
    }

    public SubscriptionOptions startFrom(StartFrom value) {
        return new SubscriptionOptions(value, selector, concurrencyLimit, partitionBy, bufferSize, maxQueueSize,
                checkpointThreshold, checkpointAfter, retryInterval, safetyPoll, maxRetryBackoff);
    }

    public SubscriptionOptions selector(Predicate<RecordedEvent> value) {
        return new SubscriptionOptions(startFrom, value, concurrencyLimit, partitionBy, bufferSize, maxQueueSize,
                checkpointThreshold, checkpointAfter, retryInterval, safetyPoll, maxRetryBackoff);
    }

    public SubscriptionOptions concurrency(int limit, Function<RecordedEvent, Object> partitionKey) {
        return new SubscriptionOptions(startFrom, selector, limit, partitionKey, bufferSize, maxQueueSize,
                checkpointThreshold, checkpointAfter, retryInterval, safetyPoll, maxRetryBackoff);
    }

    public SubscriptionOptions bufferSize(int value) {
        return new SubscriptionOptions(startFrom, selector, concurrencyLimit, partitionBy, value, maxQueueSize,
                checkpointThreshold, checkpointAfter, retryInterval, safetyPoll, maxRetryBackoff);
    }

    public SubscriptionOptions maxQueueSize(int value) {
        return new SubscriptionOptions(startFrom, selector, concurrencyLimit, partitionBy, bufferSize, value,
                checkpointThreshold, checkpointAfter, retryInterval, safetyPoll, maxRetryBackoff);
    }

    public SubscriptionOptions checkpoint(int threshold, Duration after) {
        return new SubscriptionOptions(startFrom, selector, concurrencyLimit, partitionBy, bufferSize, maxQueueSize,
                threshold, after, retryInterval, safetyPoll, maxRetryBackoff);
    }

    public SubscriptionOptions retryInterval(Duration value) {
        return new SubscriptionOptions(startFrom, selector, concurrencyLimit, partitionBy, bufferSize, maxQueueSize,
                checkpointThreshold, checkpointAfter, value, safetyPoll, maxRetryBackoff);
    }

    public SubscriptionOptions safetyPoll(Duration value) {
        return new SubscriptionOptions(startFrom, selector, concurrencyLimit, partitionBy, bufferSize, maxQueueSize,
                checkpointThreshold, checkpointAfter, retryInterval, value, maxRetryBackoff);
    }

    public SubscriptionOptions maxRetryBackoff(Duration value) {
        return new SubscriptionOptions(startFrom, selector, concurrencyLimit, partitionBy, bufferSize, maxQueueSize,
                checkpointThreshold, checkpointAfter, retryInterval, safetyPoll, value);
    }

    private static void requirePositive(String name, int value) {
        if (value < 1) {
            throw new IllegalArgumentException("subscription option " + name + " must be >= 1, was " + value);
        }
    }

    private static void requirePositive(String name, Duration value) {
        if (value == null || value.isNegative() || value.isZero()) {
            throw new IllegalArgumentException("subscription option " + name + " must be a positive duration, was "
                    + value);
        }
    }
}
