package org.jeventstore.it;

import io.opentelemetry.api.trace.Span;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.jeventstore.EventSubscription;
import org.jeventstore.RecordedEvent;

/** A projection that notes the trace each delivery runs in (the span the store made current for it). */
@ApplicationScoped
public class TracedProjector {

    final List<String> traces = new CopyOnWriteArrayList<>();

    void on(@Observes @EventSubscription(name = "it-traced", stream = "it-traced") RecordedEvent event) {
        traces.add(Span.current().getSpanContext().getTraceId());
    }

    public List<String> traces() {
        return traces;
    }
}
