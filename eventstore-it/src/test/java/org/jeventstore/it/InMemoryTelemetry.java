package org.jeventstore.it;

import io.opentelemetry.sdk.autoconfigure.spi.ConfigProperties;
import io.opentelemetry.sdk.autoconfigure.spi.metrics.ConfigurableMetricExporterProvider;
import io.opentelemetry.sdk.autoconfigure.spi.traces.ConfigurableSpanExporterProvider;
import io.opentelemetry.sdk.metrics.export.MetricExporter;
import io.opentelemetry.sdk.testing.exporter.InMemoryMetricExporter;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.export.SpanExporter;

/**
 * The {@code in-memory} span and metric exporters Liberty's OpenTelemetry SDK loads for the test application
 * ({@code otel.traces.exporter=in-memory}, {@code otel.metrics.exporter=in-memory}), shipped in an EAR library so
 * that the SDK (created for the application) and the test (in the web module) see the same instances.
 */
public final class InMemoryTelemetry {

    public static final InMemorySpanExporter SPANS = InMemorySpanExporter.create();
    public static final InMemoryMetricExporter METRICS = InMemoryMetricExporter.create();

    private InMemoryTelemetry() {
    }

    public static final class Spans implements ConfigurableSpanExporterProvider {
        @Override
        public SpanExporter createExporter(ConfigProperties config) {
            return SPANS;
        }

        @Override
        public String getName() {
            return "in-memory";
        }
    }

    public static final class Metrics implements ConfigurableMetricExporterProvider {
        @Override
        public MetricExporter createExporter(ConfigProperties config) {
            return METRICS;
        }

        @Override
        public String getName() {
            return "in-memory";
        }
    }
}
