package org.jeventstore.cdi;

import jakarta.enterprise.inject.spi.BeanManager;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.logging.Logger;
import org.eclipse.microprofile.config.Config;
import org.jeventstore.ConfigurationException;
import org.jeventstore.EventSubscription;
import org.jeventstore.RecordedEvent;
import org.jeventstore.StartFrom;
import org.jeventstore.Subscription;
import org.jeventstore.SubscriptionHandler;
import org.jeventstore.SubscriptionOptions;
import org.jeventstore.postgres.PostgresEventStore;
import org.jeventstore.serialization.EventSerializer;

/**
 * Starts one persistent subscription per {@code @EventSubscription} name, with the annotation's options
 * overridden by MicroProfile Config {@code eventstore.subscription.<name>.<option>}. Its handler fires the event to
 * the name's observers on the subscription's worker: a normal return acknowledges, an exception retries, and so
 * does an event of a type an observer declared whose data does not bind to the observer's class.
 */
final class AnnotatedSubscriptions {

    private static final Logger LOG = Logger.getLogger(AnnotatedSubscriptions.class.getName());

    private AnnotatedSubscriptions() {
    }

    static List<Subscription> start(EventSubscriptionExtension extension, Config config, BeanManager beans,
                                    PostgresEventStore store) {
        List<Subscription> started = new ArrayList<>();
        for (EventSubscriptionExtension.Declaration d : extension.declarations().values()) {
            String prefix = "eventstore.subscription." + d.name() + ".";
            if (!EventStoreConfig.bool(config, prefix + "enabled", true)) {
                LOG.info(() -> "JES0230I subscription '" + d.name() + "' is disabled on this server (" + prefix
                        + "enabled=false)");
                continue;
            }
            SubscriptionOptions options = effective(options(d.annotation(), prefix, config), d);
            EventSubscriptionLiteral qualifier = new EventSubscriptionLiteral(d.name(), d.stream());
            SubscriptionHandler handler = handler(d, store.serializer(),
                    event -> beans.getEvent().select(RecordedEvent.class, qualifier).fire(event),
                    (type, payload) -> fire(beans, type, qualifier, payload));
            // observers are the container's beans: concurrencyLimit competing subscribers on this server
            for (int i = 0; i < options.concurrencyLimit(); i++) {
                started.add(store.subscribeToStream(d.stream(), d.name(), FencingTokens.fenced(handler), options));
            }
            LOG.info(() -> "JES0231I subscription '" + d.name() + "' on '" + d.stream() + "' started for observers"
                    + " declared by " + d.declaredBy());
        }
        return started;
    }

    /**
     * {@code options} for declaration {@code d}: payload observers never get a JSON value in place of their class,
     * so a subscription with no {@code RecordedEvent} observer has nobody to deliver an unknown type to. Under
     * {@code DELIVER} such an event was acknowledged with no observer called (before unknown-types policies
     * existed, silently); now it is skipped and counted, so it is at least seen in the metric and the console.
     */
    static SubscriptionOptions effective(SubscriptionOptions options, EventSubscriptionExtension.Declaration d) {
        if (!d.recordedEventObserver() && options.unknownTypes() == SubscriptionOptions.UnknownTypes.DELIVER) {
            return options.unknownTypes(SubscriptionOptions.UnknownTypes.SKIP);
        }
        return options;
    }

    /**
     * The handler of one declared subscription: its {@code RecordedEvent} observers get every event, its payload
     * observers what {@link PayloadRouting} gives them. An event whose declared type does not bind throws before
     * any observer runs, so it is retried like a failing observer instead of acknowledged unseen.
     */
    static SubscriptionHandler handler(EventSubscriptionExtension.Declaration d, EventSerializer serializer,
                                       Consumer<RecordedEvent> recorded, BiConsumer<Class<?>, Object> payload) {
        PayloadRouting routing = new PayloadRouting(d.name(), d.payloadTypes(), serializer);
        return event -> {
            List<PayloadRouting.Target> targets = routing.route(event);
            if (d.recordedEventObserver()) {
                recorded.accept(event);
            }
            for (PayloadRouting.Target target : targets) {
                payload.accept(target.type(), target.payload());
            }
        };
    }

    @SuppressWarnings("unchecked")
    private static <T> void fire(BeanManager beans, Class<T> type, EventSubscriptionLiteral qualifier, Object data) {
        beans.getEvent().select(type, qualifier).fire((T) data);
    }

    static SubscriptionOptions options(EventSubscription a, String prefix, Config config) {
        String start = config.getOptionalValue(prefix + "start-from", String.class).orElse(a.startFrom());
        String partition = config.getOptionalValue(prefix + "partition-by", String.class).orElse(a.partitionBy());
        if (!partition.isEmpty() && !partition.equals("stream")) {
            throw new ConfigurationException(prefix + "partition-by must be 'stream' or empty, was '" + partition + "'");
        }
        SubscriptionOptions.OnExhausted onExhausted;
        try {
            onExhausted = SubscriptionOptions.OnExhausted.parse(prefix + "on-exhausted", config
                    .getOptionalValue(prefix + "on-exhausted", String.class).orElse(a.onExhausted().name()));
        } catch (IllegalArgumentException e) {
            throw new ConfigurationException(e.getMessage());
        }
        int maxAttempts = attempts(config, prefix + "max-attempts", a.maxAttempts());
        SubscriptionOptions.UnknownTypes unknownTypes;
        try {
            unknownTypes = SubscriptionOptions.UnknownTypes.parse(prefix + "unknown-types", config
                    .getOptionalValue(prefix + "unknown-types", String.class).orElse(a.unknownTypes().name()));
        } catch (IllegalArgumentException e) {
            throw new ConfigurationException(e.getMessage());
        }
        StartFrom startFrom;
        try {
            startFrom = StartFrom.parse(start);
        } catch (IllegalArgumentException e) {
            throw new ConfigurationException(prefix + "start-from: " + e.getMessage());
        }
        return SubscriptionOptions.defaults()
                .startFrom(startFrom)
                .concurrency(EventStoreConfig.integer(config, prefix + "concurrency-limit", a.concurrencyLimit()),
                        partition.isEmpty() ? null : RecordedEvent::streamId)
                .bufferSize(EventStoreConfig.integer(config, prefix + "buffer-size", a.bufferSize()))
                .maxQueueSize(EventStoreConfig.integer(config, prefix + "max-queue-size", a.maxQueueSize()))
                .checkpoint(EventStoreConfig.integer(config, prefix + "checkpoint-threshold", a.checkpointThreshold()),
                        Duration.ofMillis(nonNegative(config, prefix + "checkpoint-after-ms", a.checkpointAfterMs(),
                                "off")))
                .retryInterval(Duration.ofMillis(EventStoreConfig.integer(config, prefix + "retry-interval-ms",
                        (int) a.retryIntervalMs())))
                .maxAttempts(maxAttempts, onExhausted)
                .parkHoldsKey(EventStoreConfig.bool(config, prefix + "park-holds-key", a.parkHoldsKey()))
                .serverConcurrency((int) nonNegative(config, prefix + "server-concurrency", a.serverConcurrency(),
                        "no limit"))
                .handlerTimeout(Duration.ofMillis(nonNegative(config, prefix + "handler-timeout-ms", a.handlerTimeoutMs(),
                        "no deadline (milliseconds)")))
                .unknownTypes(unknownTypes);
    }

    /** A whole number of at least 0 from {@code key}, else {@code fallback}; {@code zeroMeans} says what 0 is. */
    private static long nonNegative(Config config, String key, long fallback, String zeroMeans) {
        String text = config.getOptionalValue(key, String.class).orElse(null);
        long value;
        try {
            value = text == null ? fallback : Long.parseLong(text.trim());
        } catch (NumberFormatException e) {
            value = -1;
        }
        if (value < 0) {
            throw new ConfigurationException(key + " must be >= 1, or 0 for " + zeroMeans + ", was '"
                    + (text == null ? fallback : text) + "'");
        }
        return value;
    }

    /** A number of attempts: 0 (or {@code unlimited}) for no limit, else at least 1. */
    private static int attempts(Config config, String key, int fallback) {
        String value = config.getOptionalValue(key, String.class).orElse(null);
        if (value == null) {
            if (fallback < 0) {
                throw new ConfigurationException(key + " (annotation maxAttempts) must be >= 1, or 0 for unlimited,"
                        + " was " + fallback);
            }
            return fallback;
        }
        if (value.trim().equalsIgnoreCase("unlimited")) {
            return 0;
        }
        try {
            int parsed = Integer.parseInt(value.trim());
            if (parsed < 0) {
                throw new ConfigurationException(key + " must be >= 1, or 0 or 'unlimited' for no limit, was '"
                        + value + "'");
            }
            return parsed;
        } catch (NumberFormatException e) {
            throw new ConfigurationException(key + " must be a whole number or 'unlimited', was '" + value + "'");
        }
    }
}
