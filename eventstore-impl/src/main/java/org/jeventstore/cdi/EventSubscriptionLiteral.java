package org.jeventstore.cdi;

import jakarta.enterprise.util.AnnotationLiteral;
import org.jeventstore.EventSubscription;

/** The qualifier used to fire a subscription's events to its observers (only name and stream are binding). */
@SuppressWarnings("all")
final class EventSubscriptionLiteral extends AnnotationLiteral<EventSubscription> implements EventSubscription {

    private final String name;
    private final String stream;

    EventSubscriptionLiteral(String name, String stream) {
        this.name = name;
        this.stream = stream;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public String stream() {
        return stream;
    }

    @Override
    public String startFrom() {
        return "origin";
    }

    @Override
    public int concurrencyLimit() {
        return 1;
    }

    @Override
    public String partitionBy() {
        return "";
    }

    @Override
    public int bufferSize() {
        return 1;
    }

    @Override
    public int maxQueueSize() {
        return 1000;
    }

    @Override
    public int checkpointThreshold() {
        return 100;
    }

    @Override
    public long checkpointAfterMs() {
        return 1000;
    }

    @Override
    public long retryIntervalMs() {
        return 1000;
    }

    @Override
    public int maxAttempts() {
        return 0;
    }

    @Override
    public org.jeventstore.SubscriptionOptions.OnExhausted onExhausted() {
        return org.jeventstore.SubscriptionOptions.OnExhausted.PARK;
    }

    @Override
    public boolean parkHoldsKey() {
        return true;
    }

    @Override
    public int serverConcurrency() {
        return 0;
    }

    @Override
    public long handlerTimeoutMs() {
        return 60_000;
    }

    @Override
    public org.jeventstore.SubscriptionOptions.UnknownTypes unknownTypes() {
        return org.jeventstore.SubscriptionOptions.UnknownTypes.DELIVER;
    }
}
