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
 * @param concurrencyLimit    1 (default): single-active, one subscriber, strictly in order. N above 1: competing
 *                            subscribers, as Elixir's: up to N subscribers on each server (one more is refused
 *                            with {@link TooManySubscribersException}); each event goes to a subscriber with room
 *                            in its buffer, the checkpoint is the low-water mark of the acknowledgements. Across
 *                            servers the events are split into N partitions (by {@code partitionBy}, else by event
 *                            number), each held by one server at a time and spread over the servers (README,
 *                            "Competing subscribers")
 * @param partitionBy         with {@code concurrencyLimit} above 1: the partition key (compared by {@code toString()}).
 *                            The events of one key go to one subscriber while it has any of them in flight, so a
 *                            key is handled in order; {@code null} (the default): no order, every event goes to
 *                            whichever subscriber has room
 * @param bufferSize          events in flight per subscriber (default 1)
 * @param maxQueueSize        events read ahead and waiting for a free subscriber (default 1000); beyond it events
 *                            stay in storage and are read later: nothing is lost
 * @param checkpointThreshold save the checkpoint after this many events were acknowledged (default 100; Elixir's
 *                            {@code checkpoint_threshold}); events the selector filters out count as acknowledged.
 *                            Redelivery bound: a server that takes over delivers again at most
 *                            {@code 2 * checkpointThreshold - 2} events the previous holder had acknowledged, plus
 *                            those that were in flight (at most {@code bufferSize} per subscriber). Saves run beside
 *                            delivery, which waits only while {@code 2 * checkpointThreshold - 1} acknowledged
 *                            events are unsaved; with threshold 1 every acknowledgement is saved before the next
 *                            delivery starts (only those in flight come again)
 * @param checkpointAfter     also save acknowledged progress this long after it was made (default 1 s); zero = off,
 *                            saves by count only (Elixir's {@code checkpoint_after: 0}). A holding that ends
 *                            gracefully always saves
 * @param retryInterval       how often a standby server retries the subscription's lock (default 1 s)
 * @param safetyPoll          how often an idle subscription reads storage anyway, in case a notification was
 *                            lost (default 5 s)
 * @param maxRetryBackoff     cap of the backoff between attempts at an event whose handler failed (default 30 s)
 * @param maxAttempts         how many times a failing event is tried before {@code onExhausted} applies; 0 (the
 *                            default) means unlimited: a failing event is retried forever and the subscription
 *                            does not move past it (the behaviour before parking existed). Attempts are counted
 *                            by the server delivering the event; a server that takes the subscription over starts
 *                            counting again.
 * @param onExhausted         what happens to an event that failed {@code maxAttempts} times (default
 *                            {@link OnExhausted#PARK}); ignored while {@code maxAttempts} is 0
 * @param parkHoldsKey        with {@code partitionBy}: whether a parked event holds back the later events of its
 *                            partition key (default true: they are parked behind it, unhandled, so they can never
 *                            overtake it, and a replay delivers them in order; other keys flow). False: only the
 *                            failed event is parked and the rest of its key is delivered
 * @param serverConcurrency   with {@code concurrencyLimit} above 1: at most this many handler calls of the
 *                            subscription run at once on one server, whatever number of subscribers and partitions
 *                            it has; 0 (the default) means no limit beyond the subscribers' buffers. It stands for
 *                            what one server can take (a downstream pool, its cores): calls beyond it wait their
 *                            turn (fairly), and the balancer spreads partitions evenly, so adding servers adds
 *                            throughput
 * @param handlerTimeout      the longest one handler call (an asynchronous one: until its stage completes) may run
 *                            (default 60 s; {@link Duration#ZERO} = no deadline). Past it the call is abandoned:
 *                            its thread is interrupted, the holding ends (its fencing epoch is advanced, so nothing
 *                            of it is saved any more) and the lock is released, so this or another server takes
 *                            the subscription over and delivers the event again (logged JES0227E, counted in
 *                            {@code jeventstore.subscription.handler.timeouts}). A call that ignores the
 *                            interrupt may still finish while the next holding delivers: a fenced handler
 *                            ({@code SubscriptionHandler.fenced}) refuses its late writes by their epoch
 * @param unknownTypes        what becomes of an event of a type no class of this server reads (default
 *                            {@link UnknownTypes#DELIVER}: delivered with its data as a JSON value)
 */
public record SubscriptionOptions(StartFrom startFrom, Predicate<RecordedEvent> selector, int concurrencyLimit,
                                  Function<RecordedEvent, Object> partitionBy, int bufferSize, int maxQueueSize,
                                  int checkpointThreshold, Duration checkpointAfter, Duration retryInterval,
                                  Duration safetyPoll, Duration maxRetryBackoff, int maxAttempts,
                                  OnExhausted onExhausted, boolean parkHoldsKey, int serverConcurrency,
                                  Duration handlerTimeout, UnknownTypes unknownTypes) {

    /**
     * What a subscription does with an event of a type no class of this server reads: after aliases and upcasters,
     * its type name maps to no registered class (nor to a class of a package allowed by name). Such an event is
     * never acknowledged unseen: it is delivered, counted as skipped, or refused.
     */
    public enum UnknownTypes {
        /**
         * Delivered, its data a JSON value (maps, lists, strings, numbers, booleans): what handlers of
         * {@code RecordedEvent} always got, and the default. A CDI subscription of payload observers only (no
         * {@code RecordedEvent} observer to deliver it to) skips and counts it instead, as {@link #SKIP}.
         */
        DELIVER,
        /**
         * Acknowledged without calling the handler, and counted: the metric
         * {@code jeventstore.subscription.skipped} ({@code reason=unknown_type}), the console's state of the
         * subscription on this server, and a log line (JES0250W) the first time each type is skipped.
         */
        SKIP,
        /**
         * Not acknowledged: the delivery fails with an {@link UnknownEventTypeException} naming the event and its
         * type, so it is retried with backoff like a failing handler, and with {@code maxAttempts} parked or the
         * subscription halted ({@code onExhausted}). For a subscription that must see every event as a class: a
         * renamed type without its alias stops it instead of passing by.
         */
        FAIL;

        /** {@code deliver}, {@code skip} or {@code fail} (any case); anything else is refused naming {@code setting}. */
        public static UnknownTypes parse(String setting, String value) {
            if (value != null) {
                for (UnknownTypes u : values()) {
                    if (u.name().equalsIgnoreCase(value.trim())) {
                        return u;
                    }
                }
            }
            throw new IllegalArgumentException(setting + " must be 'deliver', 'skip' or 'fail', was '" + value + "'");
        }
    }

    /** What becomes of an event whose handler failed {@code maxAttempts} times. */
    public enum OnExhausted {
        /**
         * Recorded as parked for this subscription, with its last failure, and delivery moves on past it (the
         * checkpoint may pass it). Operators list, replay or skip parked events ({@code EventStoreOperations},
         * {@code /api/ops/subscriptions/parked}).
         */
        PARK,
        /**
         * The subscription stops delivering on the server holding it ({@code SubscriptionState.HALTED}, log
         * JES0242E): it keeps its lock, so no other server retries the event meanwhile, and its checkpoint stays
         * before the event. It resumes when it is started again (a restart of the server) or its lock moves.
         */
        STOP;

        /** {@code park} or {@code stop} (any case); anything else is refused naming {@code setting}. */
        public static OnExhausted parse(String setting, String value) {
            if (value != null) {
                for (OnExhausted o : values()) {
                    if (o.name().equalsIgnoreCase(value.trim())) {
                        return o;
                    }
                }
            }
            throw new IllegalArgumentException(setting + " must be 'park' or 'stop', was '" + value + "'");
        }
    }

    public SubscriptionOptions {
        Objects.requireNonNull(startFrom, "startFrom");
        requirePositive("concurrencyLimit", concurrencyLimit);
        requirePositive("bufferSize", bufferSize);
        requirePositive("maxQueueSize", maxQueueSize);
        requirePositive("checkpointThreshold", checkpointThreshold);
        if (checkpointAfter == null || checkpointAfter.isNegative()) {
            throw new IllegalArgumentException("subscription option checkpointAfter must be a positive duration, or"
                    + " zero for off, was " + checkpointAfter);
        }
        requirePositive("retryInterval", retryInterval);
        requirePositive("safetyPoll", safetyPoll);
        requirePositive("maxRetryBackoff", maxRetryBackoff);
        if (maxAttempts < 0) {
            throw new IllegalArgumentException("subscription option maxAttempts must be >= 1, or 0 for unlimited, was "
                    + maxAttempts);
        }
        Objects.requireNonNull(onExhausted, "onExhausted");
        if (handlerTimeout == null || handlerTimeout.isNegative()) {
            throw new IllegalArgumentException("subscription option handlerTimeout must be a positive duration, or"
                    + " zero for none, was " + handlerTimeout);
        }
        Objects.requireNonNull(unknownTypes, "unknownTypes");
        if (serverConcurrency < 0) {
            throw new IllegalArgumentException("subscription option serverConcurrency must be >= 1, or 0 for one per"
                    + " partition, was " + serverConcurrency);
        }
    }

    public static SubscriptionOptions defaults() {
        return new SubscriptionOptions(StartFrom.origin(), null, 1, null, 1, 1000, 100, Duration.ofSeconds(1),
                Duration.ofSeconds(1), Duration.ofSeconds(5), Duration.ofSeconds(30), 0, OnExhausted.PARK, true, 0,
                Duration.ofSeconds(60), UnknownTypes.DELIVER);
    }

    public SubscriptionOptions startFrom(StartFrom value) {
        return new SubscriptionOptions(value, selector, concurrencyLimit, partitionBy, bufferSize, maxQueueSize,
                checkpointThreshold, checkpointAfter, retryInterval, safetyPoll, maxRetryBackoff,
                maxAttempts, onExhausted, parkHoldsKey, serverConcurrency, handlerTimeout, unknownTypes);
    }

    public SubscriptionOptions selector(Predicate<RecordedEvent> value) {
        return new SubscriptionOptions(startFrom, value, concurrencyLimit, partitionBy, bufferSize, maxQueueSize,
                checkpointThreshold, checkpointAfter, retryInterval, safetyPoll, maxRetryBackoff,
                maxAttempts, onExhausted, parkHoldsKey, serverConcurrency, handlerTimeout, unknownTypes);
    }

    public SubscriptionOptions concurrency(int limit, Function<RecordedEvent, Object> partitionKey) {
        return new SubscriptionOptions(startFrom, selector, limit, partitionKey, bufferSize, maxQueueSize,
                checkpointThreshold, checkpointAfter, retryInterval, safetyPoll, maxRetryBackoff,
                maxAttempts, onExhausted, parkHoldsKey, serverConcurrency, handlerTimeout, unknownTypes);
    }

    public SubscriptionOptions bufferSize(int value) {
        return new SubscriptionOptions(startFrom, selector, concurrencyLimit, partitionBy, value, maxQueueSize,
                checkpointThreshold, checkpointAfter, retryInterval, safetyPoll, maxRetryBackoff,
                maxAttempts, onExhausted, parkHoldsKey, serverConcurrency, handlerTimeout, unknownTypes);
    }

    public SubscriptionOptions maxQueueSize(int value) {
        return new SubscriptionOptions(startFrom, selector, concurrencyLimit, partitionBy, bufferSize, value,
                checkpointThreshold, checkpointAfter, retryInterval, safetyPoll, maxRetryBackoff,
                maxAttempts, onExhausted, parkHoldsKey, serverConcurrency, handlerTimeout, unknownTypes);
    }

    public SubscriptionOptions checkpoint(int threshold, Duration after) {
        return new SubscriptionOptions(startFrom, selector, concurrencyLimit, partitionBy, bufferSize, maxQueueSize,
                threshold, after, retryInterval, safetyPoll, maxRetryBackoff, maxAttempts, onExhausted, parkHoldsKey,
                serverConcurrency, handlerTimeout, unknownTypes);
    }

    public SubscriptionOptions retryInterval(Duration value) {
        return new SubscriptionOptions(startFrom, selector, concurrencyLimit, partitionBy, bufferSize, maxQueueSize,
                checkpointThreshold, checkpointAfter, value, safetyPoll, maxRetryBackoff,
                maxAttempts, onExhausted, parkHoldsKey, serverConcurrency, handlerTimeout, unknownTypes);
    }

    public SubscriptionOptions safetyPoll(Duration value) {
        return new SubscriptionOptions(startFrom, selector, concurrencyLimit, partitionBy, bufferSize, maxQueueSize,
                checkpointThreshold, checkpointAfter, retryInterval, value, maxRetryBackoff,
                maxAttempts, onExhausted, parkHoldsKey, serverConcurrency, handlerTimeout, unknownTypes);
    }

    public SubscriptionOptions maxRetryBackoff(Duration value) {
        return new SubscriptionOptions(startFrom, selector, concurrencyLimit, partitionBy, bufferSize, maxQueueSize,
                checkpointThreshold, checkpointAfter, retryInterval, safetyPoll, value,
                maxAttempts, onExhausted, parkHoldsKey, serverConcurrency, handlerTimeout, unknownTypes);
    }

    /**
     * After {@code attempts} failed attempts at one event (at least 1; 0 = unlimited, the default), {@code policy}
     * applies: {@link OnExhausted#PARK} or {@link OnExhausted#STOP}.
     */
    public SubscriptionOptions maxAttempts(int attempts, OnExhausted policy) {
        return new SubscriptionOptions(startFrom, selector, concurrencyLimit, partitionBy, bufferSize, maxQueueSize,
                checkpointThreshold, checkpointAfter, retryInterval, safetyPoll, maxRetryBackoff, attempts, policy,
                parkHoldsKey, serverConcurrency, handlerTimeout, unknownTypes);
    }

    /** See {@code parkHoldsKey} above (default true). */
    public SubscriptionOptions parkHoldsKey(boolean value) {
        return new SubscriptionOptions(startFrom, selector, concurrencyLimit, partitionBy, bufferSize, maxQueueSize,
                checkpointThreshold, checkpointAfter, retryInterval, safetyPoll, maxRetryBackoff, maxAttempts,
                onExhausted, value, serverConcurrency, handlerTimeout, unknownTypes);
    }

    /** See {@code serverConcurrency} above (0, the default: one handler call per partition held). */
    public SubscriptionOptions serverConcurrency(int value) {
        return new SubscriptionOptions(startFrom, selector, concurrencyLimit, partitionBy, bufferSize, maxQueueSize,
                checkpointThreshold, checkpointAfter, retryInterval, safetyPoll, maxRetryBackoff, maxAttempts,
                onExhausted, parkHoldsKey, value, handlerTimeout, unknownTypes);
    }

    /** See {@code handlerTimeout} above (default 60 s; zero: no deadline). */
    public SubscriptionOptions handlerTimeout(Duration value) {
        return new SubscriptionOptions(startFrom, selector, concurrencyLimit, partitionBy, bufferSize, maxQueueSize,
                checkpointThreshold, checkpointAfter, retryInterval, safetyPoll, maxRetryBackoff, maxAttempts,
                onExhausted, parkHoldsKey, serverConcurrency, value, unknownTypes);
    }

    /** See {@code unknownTypes} above (default {@link UnknownTypes#DELIVER}). */
    public SubscriptionOptions unknownTypes(UnknownTypes value) {
        return new SubscriptionOptions(startFrom, selector, concurrencyLimit, partitionBy, bufferSize, maxQueueSize,
                checkpointThreshold, checkpointAfter, retryInterval, safetyPoll, maxRetryBackoff, maxAttempts,
                onExhausted, parkHoldsKey, serverConcurrency, handlerTimeout, value);
    }

    /** Whether failing events are given up after {@link #maxAttempts()} attempts. */
    public boolean attemptsLimited() {
        return maxAttempts > 0;
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
