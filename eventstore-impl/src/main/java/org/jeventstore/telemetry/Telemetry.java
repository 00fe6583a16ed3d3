package org.jeventstore.telemetry;

import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.metrics.DoubleHistogram;
import io.opentelemetry.api.metrics.LongCounter;
import io.opentelemetry.api.metrics.Meter;
import io.opentelemetry.api.metrics.ObservableDoubleMeasurement;
import io.opentelemetry.api.metrics.ObservableLongMeasurement;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.context.propagation.TextMapSetter;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.jeventstore.EventData;
import org.jeventstore.RecordedEvent;
import org.jeventstore.StreamExistsException;
import org.jeventstore.StreamNotFoundException;
import org.jeventstore.WrongExpectedVersionException;

/**
 * The store's metrics and traces, on the OpenTelemetry API: without an SDK (a plain {@link OpenTelemetry#noop()},
 * or Liberty's mpTelemetry feature with {@code otel.sdk.disabled=true}) every call here does next to nothing.
 *
 * <p>Traces: each append is a {@code PRODUCER} span, and its W3C trace context ({@value #TRACEPARENT}, and
 * {@value #TRACESTATE} when there is one) is written into each event's metadata unless switched off or the
 * caller put one there already. Each delivery to a persistent subscription's handler is a {@code CONSUMER} span
 * whose parent is that stored context and which also links to it, so one trace runs from the request that
 * appended to every projection that handled the event, on whichever server.
 *
 * <p>Metric names, units and attributes are listed in the README (section Telemetry); they are part of the
 * contract an operator's dashboards rely on.
 */
public final class Telemetry {

    private static final Logger LOG = Logger.getLogger(Telemetry.class.getName());

    /** The metadata key of the W3C trace context an append stores (and a delivery continues). */
    public static final String TRACEPARENT = "traceparent";
    public static final String TRACESTATE = "tracestate";
    static final String SCOPE = "org.jeventstore";

    static final AttributeKey<String> OUTCOME = AttributeKey.stringKey("outcome");
    static final AttributeKey<String> SUBSCRIPTION = AttributeKey.stringKey("subscription");
    static final AttributeKey<String> STREAM = AttributeKey.stringKey("stream");
    static final AttributeKey<String> SERVER = AttributeKey.stringKey("server");
    static final AttributeKey<String> DESTINATION = AttributeKey.stringKey("messaging.destination.name");
    static final AttributeKey<String> SYSTEM = AttributeKey.stringKey("messaging.system");
    static final AttributeKey<Long> BATCH = AttributeKey.longKey("messaging.batch.message_count");
    static final AttributeKey<String> EVENT_ID = AttributeKey.stringKey("messaging.message.id");
    static final AttributeKey<Long> POSITION = AttributeKey.longKey("jeventstore.event.number");
    static final AttributeKey<String> EVENT_TYPE = AttributeKey.stringKey("jeventstore.event.type");
    static final AttributeKey<String> REASON = AttributeKey.stringKey("reason");

    /** What became of an append, as the {@code outcome} attribute. */
    public enum Outcome {
        OK("ok"), WRONG_EXPECTED_VERSION("wrong_expected_version"), ERROR("error");

        final Attributes attributes;

        Outcome(String value) {
            this.attributes = Attributes.of(OUTCOME, value);
        }

        static Outcome of(Throwable failure) {
            if (failure == null) {
                return OK;
            }
            return failure instanceof WrongExpectedVersionException || failure instanceof StreamExistsException
                    || failure instanceof StreamNotFoundException ? WRONG_EXPECTED_VERSION : ERROR;
        }
    }

    /** One subscription as the gauges see it on this server. */
    public record SubscriptionGauge(String streamId, String name, long lagEvents, long lagMillis,
                                    boolean heldHere) {
    }

    private static final TextMapSetter<Map<String, Object>> INTO_METADATA = (carrier, key, value) -> {
        if (carrier != null) {
            carrier.put(key, value);
        }
    };

    private static final TextMapGetter<Map<String, Object>> FROM_METADATA = new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(Map<String, Object> carrier) {
            return carrier.keySet();
        }

        @Override
        public String get(Map<String, Object> carrier, String key) {
            Object value = carrier == null ? null : carrier.get(key);
            return value instanceof String s ? s : null;
        }
    };

    private static final Telemetry NOOP = new Telemetry(OpenTelemetry.noop(), false, "");

    private final Tracer tracer;
    private final Meter meter;
    private final boolean storeTraceContext;
    private final boolean tracing;
    private final Attributes serverAttributes;
    private final String server;
    private final DoubleHistogram appendDuration;
    private final LongCounter appends;
    private final LongCounter events;
    private final DoubleHistogram handlerDuration;
    private final DoubleHistogram deliveryDelay;
    private final LongCounter failures;
    private final LongCounter retries;
    private final LongCounter timeouts;
    private final LongCounter parked;
    private final LongCounter checkpointSaves;
    private final LongCounter skipped;
    private final LongCounter reconnects;
    private final List<AutoCloseable> callbacks = new ArrayList<>();

    private Telemetry(OpenTelemetry otel, boolean storeTraceContext, String server) {
        this.tracer = otel.getTracer(SCOPE);
        this.meter = otel.getMeter(SCOPE);
        this.storeTraceContext = storeTraceContext;
        this.server = server;
        this.serverAttributes = Attributes.of(SERVER, server);
        // A span that is never ended is never exported: this only asks whether spans here carry real ids.
        this.tracing = tracer.spanBuilder("jeventstore.probe").startSpan().getSpanContext().isValid();
        this.appendDuration = meter.histogramBuilder("jeventstore.append.duration").setUnit("s")
                .setDescription("Time an append or link took, until it returned (for a linked append: until its "
                        + "events were in $all), by outcome").build();
        this.appends = meter.counterBuilder("jeventstore.appends").setUnit("{append}")
                .setDescription("Appends and links, by outcome").build();
        this.events = meter.counterBuilder("jeventstore.events").setUnit("{event}")
                .setDescription("Events in appends and links, by outcome").build();
        this.handlerDuration = meter.histogramBuilder("jeventstore.subscription.handler.duration").setUnit("s")
                .setDescription("Time a persistent subscription's handler took per delivery (until its stage "
                        + "completed, for an asynchronous handler), by subscription and outcome").build();
        this.deliveryDelay = meter.histogramBuilder("jeventstore.subscription.delivery.delay").setUnit("s")
                .setDescription("From an event's append (its created_at, the database's clock) to the start of its "
                        + "first delivery here: notification, read and queueing together").build();
        this.failures = meter.counterBuilder("jeventstore.subscription.failures").setUnit("{delivery}")
                .setDescription("Handler calls that failed, by subscription").build();
        this.retries = meter.counterBuilder("jeventstore.subscription.retries").setUnit("{delivery}")
                .setDescription("Handler calls for an event that failed before on this server").build();
        this.timeouts = meter.counterBuilder("jeventstore.subscription.handler.timeouts").setUnit("{call}")
                .setDescription("Handler calls abandoned past handlerTimeout (each ended its holding), by subscription")
                .build();
        this.parked = meter.counterBuilder("jeventstore.subscription.parked").setUnit("{event}")
                .setDescription("Events parked after their attempts ran out, by subscription").build();
        this.checkpointSaves = meter.counterBuilder("jeventstore.subscription.checkpoint.saves").setUnit("{save}")
                .setDescription("Checkpoint saves, by subscription").build();
        this.skipped = meter.counterBuilder("jeventstore.subscription.skipped").setUnit("{event}")
                .setDescription("Events a subscription acknowledged without calling its handler, by subscription and"
                        + " reason: unknown_type (no class reads its type, policy skip), upcast_to_none (an upcaster"
                        + " turned the stored event into no events)").build();
        this.reconnects = meter.counterBuilder("jeventstore.listener.reconnects").setUnit("{reconnect}")
                .setDescription("Times the notification listener reconnected after losing its connection").build();
    }

    /** Telemetry that does nothing (the default of a store built without an {@link OpenTelemetry}). */
    public static Telemetry noop() {
        return NOOP;
    }

    /**
     * Telemetry through {@code otel}; {@code storeTraceContext} writes each append's trace context into its
     * events' metadata. {@code server} names this server in the lock-ownership gauge (null: pid@host).
     */
    public static Telemetry of(OpenTelemetry otel, boolean storeTraceContext, String server) {
        Objects.requireNonNull(otel, "otel");
        if (isNoop(otel)) {
            return NOOP; // no SDK behind it (Liberty's default): appends and deliveries skip the telemetry path
        }
        return new Telemetry(otel, storeTraceContext,
                server == null || server.isBlank() ? ManagementFactory.getRuntimeMXBean().getName() : server);
    }

    /**
     * Whether {@code otel} records nothing: both its tracer and meter providers are the API's no-op ones (what
     * {@link OpenTelemetry#noop()} and a container with its SDK switched off hand out).
     */
    public static boolean isNoop(OpenTelemetry otel) {
        return otel.getTracerProvider() == io.opentelemetry.api.trace.TracerProvider.noop()
                && otel.getMeterProvider() == io.opentelemetry.api.metrics.MeterProvider.noop();
    }

    /** Whether spans are recorded at all (false without an SDK): callers skip work only traces need. */
    public boolean tracing() {
        return tracing;
    }

    public String server() {
        return server;
    }

    // ---------------------------------------------------------------------------------------------- appends

    /** An append in progress: its span (current while the append runs) and its start. */
    public final class AppendSpan implements AutoCloseable {
        private final Span span;
        private final Scope scope;
        private final long started = System.nanoTime();
        private final int count;
        private boolean ended;

        private AppendSpan(Span span, int count) {
            this.span = span;
            this.scope = span.makeCurrent();
            this.count = count;
        }

        /**
         * {@code events} with this append's trace context in their metadata (unless switched off, not tracing,
         * or an event carries a {@value #TRACEPARENT} already: a caller relaying someone else's context keeps it).
         */
        public List<EventData> withTraceContext(List<EventData> events) {
            if (!storeTraceContext || !span.getSpanContext().isValid()) {
                return events;
            }
            Map<String, Object> context = new HashMap<>(2);
            W3CTraceContextPropagator.getInstance().inject(Context.current(), context, INTO_METADATA);
            if (context.isEmpty()) {
                return events;
            }
            List<EventData> out = new ArrayList<>(events.size());
            for (EventData e : events) {
                if (e == null || e.metadata().containsKey(TRACEPARENT)) {
                    out.add(e);
                    continue;
                }
                Map<String, Object> metadata = new HashMap<>(e.metadata());
                metadata.putAll(context);
                out.add(e.withMetadata(metadata));
            }
            return out;
        }

        /** Records the outcome ({@code failure} null for success) and ends the span. */
        public void end(Throwable failure) {
            if (ended) {
                return;
            }
            ended = true;
            Outcome outcome = Outcome.of(failure);
            appendDuration.record((System.nanoTime() - started) / 1e9, outcome.attributes);
            appends.add(1, outcome.attributes);
            events.add(count, outcome.attributes);
            if (failure != null) {
                span.setStatus(StatusCode.ERROR, failure.getClass().getSimpleName());
                span.recordException(failure);
            }
            span.setAttribute(OUTCOME, outcome.attributes.get(OUTCOME));
            span.end();
        }

        /** Leaves the span's scope (ends it as failed if {@link #end} was not called). */
        @Override
        public void close() {
            try {
                if (!ended) {
                    end(new IllegalStateException("append ended without an outcome"));
                }
            } finally {
                scope.close();
            }
        }
    }

    /** Starts the span of an append ({@code operation} "append" or "link") of {@code count} events. */
    public AppendSpan startAppend(String operation, String streamId, int count) {
        Span span = tracer.spanBuilder(operation + " " + streamLabel(streamId)).setSpanKind(SpanKind.PRODUCER)
                .setAttribute(SYSTEM, "jeventstore").setAttribute(DESTINATION, streamId)
                .setAttribute(BATCH, (long) count).startSpan();
        return new AppendSpan(span, count);
    }

    // ------------------------------------------------------------------------------------------ deliveries

    /** A delivery to a subscription's handler in progress. */
    public final class DeliverySpan {
        private final Span span;
        private final long started = System.nanoTime();
        private final Attributes attributes;

        private DeliverySpan(Span span, Attributes attributes) {
            this.span = span;
            this.attributes = attributes;
        }

        /** Makes the delivery's span current on this thread, for what the handler does. */
        public Scope makeCurrent() {
            return span.makeCurrent();
        }

        public void end(Throwable failure) {
            handlerDuration.record((System.nanoTime() - started) / 1e9,
                    attributes.toBuilder().put(OUTCOME, failure == null ? "ok" : "error").build());
            if (failure != null) {
                failures.add(1, attributes);
                span.setStatus(StatusCode.ERROR, failure.getClass().getSimpleName());
                span.recordException(failure);
            }
            span.end();
        }
    }

    /**
     * Starts the span of a delivery of {@code event} to subscription {@code name} on {@code streamId};
     * {@code retry} says an earlier attempt on this server failed; {@code first} that this is the first attempt
     * here (only then is the delivery delay recorded).
     */
    public DeliverySpan startDelivery(String streamId, String name, RecordedEvent event, boolean retry) {
        Attributes attributes = Attributes.of(SUBSCRIPTION, name, STREAM, streamId);
        if (retry) {
            retries.add(1, attributes);
        } else if (event.createdAt() != null) {
            long micros = java.time.Duration.between(event.createdAt().toInstant(), java.time.Instant.now())
                    .toNanos() / 1_000;
            deliveryDelay.record(Math.max(0, micros) / 1e6, attributes);
        }
        if (!tracing) {
            return new DeliverySpan(Span.getInvalid(), attributes);
        }
        var builder = tracer.spanBuilder("process " + name).setSpanKind(SpanKind.CONSUMER)
                .setAttribute(SYSTEM, "jeventstore").setAttribute(DESTINATION, event.streamId())
                .setAttribute(SUBSCRIPTION, name).setAttribute(EVENT_ID, String.valueOf(event.eventId()))
                .setAttribute(POSITION, event.eventNumber()).setAttribute(EVENT_TYPE, event.eventType());
        SpanContext appended = appendContext(event);
        if (appended.isValid()) {
            builder.setParent(Context.root().with(Span.wrap(appended))).addLink(appended);
        } else {
            builder.setNoParent();
        }
        return new DeliverySpan(builder.startSpan(), attributes);
    }

    /** The trace context an event's append stored in its metadata, or an invalid one. */
    public static SpanContext appendContext(RecordedEvent event) {
        Map<String, Object> metadata = event.metadata();
        if (metadata == null || !(metadata.get(TRACEPARENT) instanceof String)) {
            return SpanContext.getInvalid();
        }
        try {
            Context extracted = W3CTraceContextPropagator.getInstance().extract(Context.root(), metadata,
                    FROM_METADATA);
            return Span.fromContext(extracted).getSpanContext();
        } catch (RuntimeException e) {
            return SpanContext.getInvalid(); // a malformed value written by someone else: no parent, no harm
        }
    }

    public void handlerTimedOut(String streamId, String name) {
        timeouts.add(1, Attributes.of(SUBSCRIPTION, name, STREAM, streamId));
    }

    public void parked(String streamId, String name) {
        parked.add(1, Attributes.of(SUBSCRIPTION, name, STREAM, streamId));
    }

    /** What a subscription skipped without its handler, and why: {@code unknown_type} or {@code upcast_to_none}. */
    public void skipped(String streamId, String name, String reason) {
        skipped.add(1, Attributes.of(SUBSCRIPTION, name, STREAM, streamId, REASON, reason));
    }

    public void checkpointSaved(String streamId, String name) {
        checkpointSaves.add(1, Attributes.of(SUBSCRIPTION, name, STREAM, streamId));
    }

    // --------------------------------------------------------------------------------- listener and gauges

    public void listenerReconnected() {
        reconnects.add(1, serverAttributes);
    }

    /**
     * Gauges of the link backlog, read from {@code backlog} (appends waiting, age of the oldest in ms, set aside)
     * when the SDK collects; a failing read is logged and reports nothing that time.
     */
    public void observeBacklog(Supplier<long[]> backlog) {
        var appendsWaiting = meter.gaugeBuilder("jeventstore.link.backlog").ofLongs().setUnit("{append}")
                .setDescription("Committed appends waiting for their $all positions").buildObserver();
        var oldest = meter.gaugeBuilder("jeventstore.link.oldest_age").setUnit("s")
                .setDescription("How long the oldest append waiting for $all has waited").buildObserver();
        var setAside = meter.gaugeBuilder("jeventstore.link.set_aside").ofLongs().setUnit("{append}")
                .setDescription("Appends set aside because they could not be linked (JES0305E)").buildObserver();
        callbacks.add(meter.batchCallback(() -> {
            long[] b = read("the link backlog", backlog);
            if (b != null) {
                appendsWaiting.record(b[0]);
                oldest.record(b[1] / 1000.0);
                setAside.record(b[2]);
            }
        }, appendsWaiting, oldest, setAside));
    }

    /**
     * Per-subscription gauges of the subscriptions this server runs: lag in events and seconds (reported by the
     * server holding the lock only, so a cluster sums to the truth) and lock ownership (1 here, 0 when another
     * server holds it or none does).
     */
    public void observeSubscriptions(Supplier<List<SubscriptionGauge>> subscriptions) {
        ObservableLongMeasurement lag = meter.gaugeBuilder("jeventstore.subscription.lag").ofLongs()
                .setUnit("{event}").setDescription("Events after the subscription's checkpoint").buildObserver();
        ObservableDoubleMeasurement lagTime = meter.gaugeBuilder("jeventstore.subscription.lag_time").setUnit("s")
                .setDescription("How long the oldest event after the checkpoint has waited").buildObserver();
        ObservableLongMeasurement owned = meter.gaugeBuilder("jeventstore.subscription.lock.owned").ofLongs()
                .setUnit("1").setDescription("1 when this server holds the subscription's lock, else 0")
                .buildObserver();
        callbacks.add(meter.batchCallback(() -> {
            List<SubscriptionGauge> list = read("the subscriptions", subscriptions);
            if (list == null) {
                return;
            }
            for (SubscriptionGauge s : list) {
                Attributes a = Attributes.of(SUBSCRIPTION, s.name(), STREAM, s.streamId());
                owned.record(s.heldHere() ? 1 : 0, a.toBuilder().put(SERVER, server).build());
                if (s.heldHere()) {
                    lag.record(s.lagEvents(), a);
                    lagTime.record(s.lagMillis() / 1000.0, a);
                }
            }
        }, lag, lagTime, owned));
    }

    private static <T> T read(String what, Supplier<T> source) {
        try {
            return source.get();
        } catch (RuntimeException e) {
            LOG.warning("JES0501W could not read " + what + " for the telemetry gauges: " + e.getMessage());
            return null;
        }
    }

    /** Stops the gauges' callbacks (the store is closing). */
    public void close() {
        for (AutoCloseable c : callbacks) {
            try {
                c.close();
            } catch (Exception e) {
                LOG.log(Level.FINE, "closing a telemetry callback failed", e);
            }
        }
        callbacks.clear();
    }

    /** Span names stay short: a stream id is an attribute, its category (before the first '-') names the span. */
    private static String streamLabel(String streamId) {
        if (streamId == null) {
            return "?";
        }
        int dash = streamId.indexOf('-');
        return dash > 0 && dash <= 40 ? streamId.substring(0, dash) : streamId.length() <= 40 ? streamId : "stream";
    }
}
