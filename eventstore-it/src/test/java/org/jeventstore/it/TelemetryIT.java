package org.jeventstore.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.sdk.autoconfigure.spi.metrics.ConfigurableMetricExporterProvider;
import io.opentelemetry.sdk.autoconfigure.spi.traces.ConfigurableSpanExporterProvider;
import io.opentelemetry.sdk.metrics.data.MetricData;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.SpanData;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.jboss.shrinkwrap.api.ShrinkWrap;
import org.jboss.shrinkwrap.api.asset.StringAsset;
import org.jboss.shrinkwrap.api.spec.EnterpriseArchive;
import org.jboss.shrinkwrap.api.spec.JavaArchive;
import org.jeventstore.RecordedEvent;
import org.jeventstore.cdi.EventStoreRuntime;
import org.jeventstore.testkit.DevUsers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Telemetry in the server: Liberty's mpTelemetry feature with the SDK switched on for this application
 * ({@code otel.sdk.disabled=false}) and in-memory exporters. An HTTP append as a client makes it shows up as one
 * trace: Liberty's span of the request, the store's append span under it, and the delivery to an
 * {@code @EventSubscription} observer under that; the store's metrics reach the exporter.
 */
@ExtendWith(ArquillianExtension.class)
class TelemetryIT {

    @Deployment
    static EnterpriseArchive deployment() {
        EnterpriseArchive ear = Deployments.earWith(TelemetryIT.class, TracedProjector.class, Http.class);
        JavaArchive exporters = ShrinkWrap.create(JavaArchive.class, "it-telemetry.jar")
                .addClasses(InMemoryTelemetry.class, InMemoryTelemetry.Spans.class, InMemoryTelemetry.Metrics.class)
                .addAsServiceProvider(ConfigurableSpanExporterProvider.class, InMemoryTelemetry.Spans.class)
                .addAsServiceProvider(ConfigurableMetricExporterProvider.class, InMemoryTelemetry.Metrics.class)
                .addAsManifestResource(new StringAsset("""
                        otel.sdk.disabled=false
                        otel.service.name=jeventstore-it
                        otel.traces.exporter=in-memory
                        otel.metrics.exporter=in-memory
                        otel.logs.exporter=none
                        otel.bsp.schedule.delay=50
                        otel.metric.export.interval=250
                        """), "microprofile-config.properties");
        return ear.addAsLibrary(exporters).addAsLibrary(Deployments.jarOf(InMemorySpanExporter.class))
                .addAsLibrary(Deployments.jarOf(DevUsers.class));
    }

    @Inject
    EventStoreRuntime runtime;

    @Inject
    TracedProjector projector;

    @Inject
    @ConfigProperty(name = "http.port")
    int httpPort;

    @Test
    @Timeout(90)
    void an_http_append_and_its_delivery_to_an_observer_are_one_trace_and_the_metrics_are_exported() {
        assertTrue(runtime.store().telemetry().tracing(), "the store got Liberty's OpenTelemetry with the SDK on");

        Http.Response r = Http.local(httpPort).post("/api/streams/it-traced", DevUsers.WRITER.basicAuth(),
                "[{\"eventType\":\"traced\",\"data\":{\"n\":1}}]");
        assertEquals(200, r.status(), r.body());
        await("the observer handled the event").atMost(Duration.ofSeconds(60)).until(() -> !projector.traces().isEmpty());

        SpanData append = finished(s -> s.getName().equals("append it") && s.getKind() == SpanKind.PRODUCER);
        SpanData delivery = finished(s -> s.getName().equals("process it-traced"));
        assertEquals(append.getTraceId(), delivery.getTraceId(), "the delivery continues the append's trace");
        assertEquals(append.getSpanId(), delivery.getParentSpanId());
        assertEquals(append.getTraceId(), projector.traces().get(0), "the observer ran inside the delivery's span");
        SpanData request = finished(s -> s.getSpanId().equals(append.getParentSpanId()));
        assertEquals(SpanKind.SERVER, request.getKind(), "the append ran inside Liberty's span of the HTTP request: "
                + request.getName());

        RecordedEvent stored = runtime.store().readStreamForward("it-traced", 0, 1).get(0);
        assertEquals("00-" + append.getTraceId() + "-" + append.getSpanId() + "-01", stored.metadata().get("traceparent"));

        await("the append metrics were exported").atMost(Duration.ofSeconds(30))
                .until(() -> metric("jeventstore.appends").isPresent() && metric("jeventstore.append.duration").isPresent()
                        && metric("jeventstore.subscription.handler.duration").isPresent()
                        && metric("jeventstore.subscription.lock.owned").isPresent());
    }

    private static SpanData finished(java.util.function.Predicate<SpanData> which) {
        return await().atMost(Duration.ofSeconds(30)).until(() -> InMemoryTelemetry.SPANS.getFinishedSpanItems()
                .stream().filter(which).findFirst(), Optional::isPresent).orElseThrow();
    }

    private static Optional<MetricData> metric(String name) {
        List<MetricData> exported = InMemoryTelemetry.METRICS.getFinishedMetricItems();
        return exported.stream().filter(m -> m.getName().equals(name)).findFirst();
    }
}
