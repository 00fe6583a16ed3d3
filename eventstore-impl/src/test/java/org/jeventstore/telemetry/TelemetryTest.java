package org.jeventstore.telemetry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.context.Scope;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.metrics.SdkMeterProvider;
import io.opentelemetry.sdk.metrics.data.MetricData;
import io.opentelemetry.sdk.testing.exporter.InMemoryMetricReader;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.jeventstore.EventData;
import org.jeventstore.ExpectedVersion;
import org.jeventstore.RecordedEvent;
import org.jeventstore.SubscriptionOptions;
import org.jeventstore.WrongExpectedVersionException;
import org.jeventstore.postgres.PostgresEventStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.Timeout;
import org.jeventstore.testsupport.Servers;

/**
 * Metrics and traces through a real OpenTelemetry SDK with in-memory exporters, on real PostgreSQL: what an
 * append records, the trace context it stores, a delivery on another "server" joining the appender's trace, and
 * the gauges and counters operators watch.
 */
@Timeout(120)
class TelemetryTest {

    @RegisterExtension
    final Servers servers = new Servers();
    InMemorySpanExporter spans;
    InMemoryMetricReader metrics;
    OpenTelemetrySdk sdk;

    @BeforeEach
    void open() {
        spans = InMemorySpanExporter.create();
        metrics = InMemoryMetricReader.create();
        sdk = OpenTelemetrySdk.builder()
                .setTracerProvider(SdkTracerProvider.builder().addSpanProcessor(SimpleSpanProcessor.create(spans)).build())
                .setMeterProvider(SdkMeterProvider.builder().registerMetricReader(metrics).build())
                .build();
    }

    @AfterEach
    void close() throws InterruptedException {
        sdk.close();
    }

    PostgresEventStore server(String name, boolean storeTraceContext) {
        return servers.start(name, 1000, b -> b.telemetry(sdk, storeTraceContext));
    }

    static EventData event(int i) {
        return EventData.of("telemetry-event", Map.of("i", i)).withMetadata(Map.of("user", "ada"));
    }

    @Test
    void an_append_is_a_producer_span_whose_trace_context_is_stored_in_each_events_metadata() {
        PostgresEventStore store = server("a", true);
        Span request = sdk.getTracer("test").spanBuilder("request").startSpan();
        try (Scope ignored = request.makeCurrent()) {
            store.appendToStream("order-1", ExpectedVersion.noStream(), List.of(event(1), event(2)));
        } finally {
            request.end();
        }
        SpanData append = span("append order");
        assertThat(append.getKind()).isEqualTo(SpanKind.PRODUCER);
        assertThat(append.getParentSpanId()).as("the append joins the caller's trace")
                .isEqualTo(request.getSpanContext().getSpanId());
        assertThat(append.getAttributes().get(AttributeKey.stringKey("messaging.destination.name"))).isEqualTo("order-1");
        assertThat(append.getAttributes().get(AttributeKey.longKey("messaging.batch.message_count"))).isEqualTo(2);

        String expected = "00-" + append.getTraceId() + "-" + append.getSpanId() + "-01";
        for (RecordedEvent e : store.readStreamForward("order-1", 0, 10)) {
            assertThat(e.metadata()).containsEntry("traceparent", expected).containsEntry("user", "ada");
        }
        assertThat(sum("jeventstore.appends", Attributes.of(AttributeKey.stringKey("outcome"), "ok"))).isEqualTo(1);
        assertThat(sum("jeventstore.events", Attributes.of(AttributeKey.stringKey("outcome"), "ok"))).isEqualTo(2);
        assertThat(histogramCount("jeventstore.append.duration", "ok")).isEqualTo(1);
    }

    @Test
    void a_wrong_expected_version_is_counted_by_outcome_and_marks_the_span_failed() {
        PostgresEventStore store = server("a", true);
        store.appendToStream("order-2", ExpectedVersion.any(), List.of(event(1)));
        assertThatThrownBy(() -> store.appendToStream("order-2", ExpectedVersion.exactly(5), List.of(event(2))))
                .isInstanceOf(WrongExpectedVersionException.class);
        assertThat(sum("jeventstore.appends", Attributes.of(AttributeKey.stringKey("outcome"), "wrong_expected_version")))
                .isEqualTo(1);
        assertThat(histogramCount("jeventstore.append.duration", "wrong_expected_version")).isEqualTo(1);
        List<SpanData> appends = spans.getFinishedSpanItems().stream()
                .filter(s -> s.getName().equals("append order")).toList();
        assertThat(appends).hasSize(2);
        assertThat(appends.get(1).getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
    }

    @Test
    void with_the_trace_context_switched_off_or_set_by_the_caller_the_metadata_is_left_alone() {
        PostgresEventStore off = server("off", false);
        off.appendToStream("plain-1", ExpectedVersion.any(), List.of(event(1)));
        assertThat(off.readStreamForward("plain-1", 0, 1).get(0).metadata()).isEqualTo(Map.of("user", "ada"));
        assertThat(span("append plain").getKind()).isEqualTo(SpanKind.PRODUCER);

        PostgresEventStore on = server("on", true);
        String relayed = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
        on.appendToStream("relay-1", ExpectedVersion.any(),
                List.of(event(1).withMetadata(Map.of("traceparent", relayed))));
        assertThat(on.readStreamForward("relay-1", 0, 1).get(0).metadata()).containsEntry("traceparent", relayed);
    }

    @Test
    void a_store_without_telemetry_writes_no_trace_context() {
        PostgresEventStore plain = servers.start("plain");
        Span request = sdk.getTracer("test").spanBuilder("request").startSpan();
        try (Scope ignored = request.makeCurrent()) {
            plain.appendToStream("quiet-1", ExpectedVersion.any(), List.of(event(1)));
        } finally {
            request.end();
        }
        assertThat(plain.readStreamForward("quiet-1", 0, 1).get(0).metadata()).isEqualTo(Map.of("user", "ada"));
        assertThat(plain.telemetry().tracing()).isFalse();
        // an OpenTelemetry without an SDK (a container's, switched off) is the same: nothing on the hot paths
        PostgresEventStore off = servers.start("off", 1000,
                b -> b.telemetry(io.opentelemetry.api.OpenTelemetry.noop(), true));
        assertThat(off.telemetry()).isSameAs(Telemetry.noop());
        assertThat(Telemetry.isNoop(sdk)).isFalse();
    }

    @Test
    void a_delivery_on_another_server_continues_the_appenders_trace_and_counts_failures_and_retries() {
        PostgresEventStore appender = server("appender", true);
        PostgresEventStore projector = server("projector", true);
        AtomicInteger calls = new AtomicInteger();
        List<String> handledIn = new CopyOnWriteArrayList<>();
        projector.subscribeToAll("projection", e -> {
            if (calls.incrementAndGet() == 1) {
                throw new IllegalStateException("first attempt fails");
            }
            handledIn.add(Span.current().getSpanContext().getTraceId());
        }, SubscriptionOptions.defaults());

        Span request = sdk.getTracer("test").spanBuilder("request").startSpan();
        try (Scope ignored = request.makeCurrent()) {
            appender.appendToStream("invoice-7", ExpectedVersion.any(), List.of(event(1)));
        } finally {
            request.end();
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> handledIn.size() == 1);
        SpanData append = span("append invoice");

        List<SpanData> deliveries = await().atMost(Duration.ofSeconds(10)).until(() -> spans.getFinishedSpanItems()
                .stream().filter(s -> s.getName().equals("process projection")).toList(), l -> l.size() == 2);
        for (SpanData d : deliveries) {
            assertThat(d.getKind()).isEqualTo(SpanKind.CONSUMER);
            assertThat(d.getTraceId()).as("one trace from the request to the projection").isEqualTo(append.getTraceId());
            assertThat(d.getParentSpanId()).isEqualTo(append.getSpanId());
            assertThat(d.getLinks()).anySatisfy(l -> assertThat(l.getSpanContext().getSpanId()).isEqualTo(append.getSpanId()));
        }
        assertThat(deliveries.get(0).getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
        assertThat(handledIn).containsExactly(append.getTraceId());

        Attributes sub = Attributes.of(AttributeKey.stringKey("subscription"), "projection",
                AttributeKey.stringKey("stream"), "$all");
        assertThat(sum("jeventstore.subscription.failures", sub)).isEqualTo(1);
        assertThat(sum("jeventstore.subscription.retries", sub)).isEqualTo(1);
        assertThat(histogramCount("jeventstore.subscription.handler.duration", "ok")).isEqualTo(1);
        assertThat(histogramCount("jeventstore.subscription.handler.duration", "error")).isEqualTo(1);
        assertThat(metric("jeventstore.subscription.delivery.delay")).isPresent();
    }

    @Test
    void gauges_report_lag_lock_ownership_and_the_link_backlog_and_reconnects_are_counted() throws Exception {
        PostgresEventStore store = server("gauges", true);
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        store.subscribeToAll("slow", e -> release.await(), SubscriptionOptions.defaults());
        store.appendToStream("lagging-1", ExpectedVersion.any(), List.of(event(1), event(2), event(3)));

        Attributes sub = Attributes.of(AttributeKey.stringKey("subscription"), "slow",
                AttributeKey.stringKey("stream"), "$all");
        await().atMost(Duration.ofSeconds(20)).until(() -> gauge("jeventstore.subscription.lag", sub), v -> v == 3);
        assertThat(gauge("jeventstore.subscription.lock.owned",
                sub.toBuilder().put("server", store.telemetry().server()).build())).isEqualTo(1);
        assertThat(gauge("jeventstore.link.backlog", Attributes.empty())).isZero();
        release.countDown();
        await().atMost(Duration.ofSeconds(20)).until(() -> gauge("jeventstore.subscription.lag", sub), v -> v == 0);

        // the listener loses its connection: it reconnects, and that is counted (the first connect is not)
        assertThat(sum("jeventstore.listener.reconnects", null)).isZero();
        await().atMost(Duration.ofSeconds(10)).until(() -> store.listener().connected());
        servers.terminate("gauges");
        await().atMost(Duration.ofSeconds(30)).until(() -> sum("jeventstore.listener.reconnects", null) >= 1);
    }

    @Test
    void parked_events_and_checkpoint_saves_are_counted_under_the_subscriptions_name() {
        PostgresEventStore store = server("parking", true);
        store.subscribeToAll("poisoned", e -> {
            if (e.streamId().equals("poison-1")) {
                throw new IllegalStateException("cannot handle this one");
            }
        }, SubscriptionOptions.defaults().maxAttempts(2, SubscriptionOptions.OnExhausted.PARK)
                .maxRetryBackoff(Duration.ofMillis(100)).checkpoint(1, Duration.ofMillis(100)));
        store.appendToStream("poison-1", ExpectedVersion.any(), List.of(event(1)));
        store.appendToStream("fine-1", ExpectedVersion.any(), List.of(event(2)));
        Attributes sub = Attributes.of(AttributeKey.stringKey("subscription"), "poisoned",
                AttributeKey.stringKey("stream"), "$all");
        await().atMost(Duration.ofSeconds(30)).until(() -> sum("jeventstore.subscription.parked", sub) == 1);
        await().atMost(Duration.ofSeconds(30)).until(() -> sum("jeventstore.subscription.checkpoint.saves", sub) >= 1);
        assertThat(sum("jeventstore.subscription.failures", sub)).isEqualTo(2);
    }

    // ------------------------------------------------------------------------------------------- helpers

    SpanData span(String name) {
        return await().atMost(Duration.ofSeconds(10)).until(() -> spans.getFinishedSpanItems().stream()
                .filter(s -> s.getName().equals(name)).findFirst(), Optional::isPresent).orElseThrow();
    }

    Collection<MetricData> collected;

    Optional<MetricData> metric(String name) {
        collected = metrics.collectAllMetrics();
        return collected.stream().filter(m -> m.getName().equals(name)).findFirst();
    }

    /** A counter's value for exactly {@code attributes} (null: summed over all), 0 when never recorded. */
    long sum(String name, Attributes attributes) {
        return metric(name).map(m -> m.getLongSumData().getPoints().stream()
                .filter(p -> attributes == null || p.getAttributes().equals(attributes))
                .mapToLong(p -> p.getValue()).sum()).orElse(0L);
    }

    long histogramCount(String name, String outcome) {
        return metric(name).map(m -> m.getHistogramData().getPoints().stream()
                .filter(p -> outcome.equals(p.getAttributes().get(AttributeKey.stringKey("outcome"))))
                .mapToLong(p -> p.getCount()).sum()).orElse(0L);
    }

    /** A long gauge's value for {@code attributes}, -1 when not reported. */
    long gauge(String name, Attributes attributes) {
        return metric(name).flatMap(m -> m.getLongGaugeData().getPoints().stream()
                .filter(p -> p.getAttributes().equals(attributes)).findFirst()).map(p -> p.getValue()).orElse(-1L);
    }
}
