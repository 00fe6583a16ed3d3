package org.jeventstore.subscriptions;

import java.util.concurrent.atomic.AtomicBoolean;
import org.jeventstore.FencingToken;
import org.jeventstore.RecordedEvent;

/**
 * An event handed to a consumer ({@link Slot}) by {@code owner} in one of its holdings ({@code holding} numbers that
 * owner's holdings on this server; {@code token} is the cluster-wide fencing token given to the handler).
 */
final class Delivery {
    private final RecordedEvent event;
    private final long holding;
    private final FencingToken token;
    private final Object key;
    private final DeliveryOwner owner;
    /** Set once the delivery is over at its consumer (see {@link Slot}): its owner is told once. */
    final AtomicBoolean finished = new AtomicBoolean();

    Delivery(RecordedEvent event, long holding, FencingToken token, Object key, DeliveryOwner owner) {
        this.event = event;
        this.holding = holding;
        this.token = token;
        this.key = key;
        this.owner = owner;
    }

    RecordedEvent event() {
        return event;
    }

    long holding() {
        return holding;
    }

    FencingToken token() {
        return token;
    }

    Object key() {
        return key;
    }

    DeliveryOwner owner() {
        return owner;
    }

    /** Whether this is a delivery of {@code owner}'s holding {@code holding}. */
    boolean of(DeliveryOwner o, long h) {
        return owner == o && holding == h;
    }
}
