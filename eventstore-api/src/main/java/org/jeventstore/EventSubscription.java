package org.jeventstore;

import jakarta.enterprise.util.Nonbinding;
import jakarta.inject.Qualifier;
import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Makes a CDI observer method a persistent subscription's handler:
 * <pre>
 * void on(&#64;Observes &#64;EventSubscription(name = "billing") RecordedEvent event) { ... }
 * void on(&#64;Observes &#64;EventSubscription(name = "billing") InvoiceIssued data) { ... }   // only this type
 * </pre>
 * Every server starts the subscription; only the one holding its lock calls the observers. A normal return
 * acknowledges the event; an exception makes it retried (with capped backoff) without moving past it (unless
 * {@link #maxAttempts()} is set).
 * Each option can be overridden per server by MicroProfile Config {@code eventstore.subscription.<name>.<option>}
 * ({@code enabled}, {@code start-from}, {@code concurrency-limit}, {@code partition-by}, {@code buffer-size}, {@code max-queue-size},
 * {@code checkpoint-threshold}, {@code checkpoint-after-ms}, {@code retry-interval-ms}, {@code max-attempts},
 * {@code on-exhausted}, {@code park-holds-key}, {@code server-concurrency}, {@code handler-timeout-ms},
 * {@code unknown-types}).
 */
@Qualifier
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.PARAMETER, ElementType.FIELD, ElementType.METHOD, ElementType.TYPE})
public @interface EventSubscription {

    /** The subscription's unique name. */
    String name();

    /** The stream subscribed to; {@code $all} (the default) for all streams. */
    String stream() default EventStore.ALL;

    /** {@code origin}, {@code current} or an event number: where a new subscription starts. */
    @Nonbinding
    String startFrom() default "origin";

    /**
     * 1 (the default): single-active, every event in order on the server holding the lock. N above 1: N competing
     * subscribers on each server that runs this observer (up to N observer calls at once there), the events split
     * across servers into N partitions; with {@code partitionBy = "stream"} each stream's events are handled one at
     * a time and in order, without it in no particular order (README, "Single-active and competing subscribers").
     */
    @Nonbinding
    int concurrencyLimit() default 1;

    /**
     * The partition key with {@code concurrencyLimit} above 1: {@code "stream"} (the stream id: each stream in
     * order) or {@code ""} (the default: none, no order, as Elixir's default).
     */
    @Nonbinding
    String partitionBy() default "";

    @Nonbinding
    int bufferSize() default 1;

    @Nonbinding
    int maxQueueSize() default 1000;

    @Nonbinding
    int checkpointThreshold() default 100;

    @Nonbinding
    long checkpointAfterMs() default 1000;

    @Nonbinding
    long retryIntervalMs() default 1000;

    /**
     * Attempts at a failing event before {@link #onExhausted()} applies; 0 (the default) = unlimited: retried
     * forever, the subscription does not move past it.
     */
    @Nonbinding
    int maxAttempts() default 0;

    /** {@code PARK} (record it, move on) or {@code STOP} (halt the subscription) after {@link #maxAttempts()}. */
    @Nonbinding
    SubscriptionOptions.OnExhausted onExhausted() default SubscriptionOptions.OnExhausted.PARK;

    /** With {@code partitionBy}: a parked event holds back the rest of its key (default) or only itself. */
    @Nonbinding
    boolean parkHoldsKey() default true;

    /**
     * With {@code concurrencyLimit} above 1: at most this many observer calls of this subscription at once on one
     * server, whatever number of partitions it holds; 0 (the default) = no limit beyond the subscribers' buffers
     * ({@link SubscriptionOptions#serverConcurrency()}).
     */
    @Nonbinding
    int serverConcurrency() default 0;

    /**
     * The longest one observer call may run before it is abandoned and the subscription handed to the next holding
     * ({@link SubscriptionOptions#handlerTimeout()}); 0 = no deadline.
     */
    @Nonbinding
    long handlerTimeoutMs() default 60_000;

    /**
     * What becomes of an event of a type no class of this server reads, after aliases and upcasters
     * ({@link SubscriptionOptions#unknownTypes()}): {@code DELIVER} (the default) hands it to the
     * {@code RecordedEvent} observers with its data as a JSON value (with none, it is skipped and counted);
     * {@code SKIP} acknowledges it without calling any observer and counts it; {@code FAIL} refuses it, so it is
     * retried, and parked or halted with {@link #maxAttempts()}.
     */
    @Nonbinding
    SubscriptionOptions.UnknownTypes unknownTypes() default SubscriptionOptions.UnknownTypes.DELIVER;
}
