package org.jeventstore.it;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.jeventstore.EventSubscription;
import org.jeventstore.RecordedEvent;

/**
 * A projection with a poison event: an event whose data says {@code "flaky": true} fails its first two tries (the
 * deployment's config allows two attempts, so it is parked) and succeeds from the third (a replay).
 */
@ApplicationScoped
public class ParkingBeans {

    final Map<java.util.UUID, AtomicInteger> tries = new ConcurrentHashMap<>();

    void on(@Observes @EventSubscription(name = "it-parking", stream = "it-parking-stream") RecordedEvent event) {
        if (event.data() instanceof Map<?, ?> data && Boolean.TRUE.equals(data.get("flaky"))
                && tries.computeIfAbsent(event.eventId(), id -> new AtomicInteger()).incrementAndGet() <= 2) {
            throw new IllegalStateException("flaky projection fails on event " + event.eventNumber());
        }
    }
}
