package org.jeventstore.it;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.jeventstore.EventSubscription;
import org.jeventstore.FencingToken;
import org.jeventstore.RecordedEvent;

/**
 * Subscriber beans as an application declares them; they record what they were given. (Tests read the records
 * through methods: an injected client proxy has fields of its own.)
 */
public class SubscriberBeans {

    /** The payload type of the typed subscription. */
    public record Invoice(String number, long cents) {
    }

    @ApplicationScoped
    public static class Billing {
        final List<RecordedEvent> received = new CopyOnWriteArrayList<>();

        void on(@Observes @EventSubscription(name = "it-billing", stream = "billing-stream") RecordedEvent event) {
            received.add(event);
        }

        public List<RecordedEvent> received() {
            return received;
        }
    }

    @ApplicationScoped
    public static class Flaky {
        final List<Long> attempts = new CopyOnWriteArrayList<>();
        final Map<Long, AtomicInteger> failures = new ConcurrentHashMap<>();

        void on(@Observes @EventSubscription(name = "it-flaky", stream = "flaky-stream") RecordedEvent event) {
            attempts.add(event.eventNumber());
            if (failures.computeIfAbsent(event.eventNumber(), n -> new AtomicInteger()).getAndIncrement() < 2) {
                throw new IllegalStateException("simulated failure of the observer on event " + event.eventNumber());
            }
        }

        public List<Long> attempts() {
            return attempts;
        }
    }

    @ApplicationScoped
    public static class Typed {
        final List<Invoice> invoices = new CopyOnWriteArrayList<>();

        void on(@Observes @EventSubscription(name = "it-typed", stream = "typed-stream") Invoice invoice) {
            invoices.add(invoice);
        }

        public List<Invoice> invoices() {
            return invoices;
        }
    }

    @ApplicationScoped
    public static class Deferring {
        final java.util.Map<Long, java.util.concurrent.CompletableFuture<Void>> acks =
                new java.util.concurrent.ConcurrentHashMap<>();

        // acknowledges later, as a projection writing to a remote system would
        void on(@Observes @EventSubscription(name = "it-deferred", stream = "deferred-stream") RecordedEvent event,
                org.jeventstore.Acknowledgement ack) {
            acks.put(event.eventNumber(), ack.later());
        }

        public java.util.Map<Long, java.util.concurrent.CompletableFuture<Void>> acks() {
            return acks;
        }
    }

    @ApplicationScoped
    public static class Fenced {
        final List<FencingToken> tokens = new CopyOnWriteArrayList<>();

        // the token of the delivery, for fencing writes to a database of the observer's own
        void on(@Observes @EventSubscription(name = "it-fenced", stream = "fenced-stream") RecordedEvent event,
                FencingToken token) {
            tokens.add(token);
        }

        public List<FencingToken> tokens() {
            return tokens;
        }
    }

    @ApplicationScoped
    public static class Disabled {
        final List<RecordedEvent> received = new CopyOnWriteArrayList<>();

        // disabled on this server by META-INF/microprofile-config.properties
        void on(@Observes @EventSubscription(name = "it-disabled", stream = "billing-stream") RecordedEvent event) {
            received.add(event);
        }

        public List<RecordedEvent> received() {
            return received;
        }
    }
}
