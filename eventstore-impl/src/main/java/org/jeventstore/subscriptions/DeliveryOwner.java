package org.jeventstore.subscriptions;

import java.time.Duration;
import java.util.List;
import org.jeventstore.RecordedEvent;

/**
 * Where a delivery's outcome goes (the subscription or partition that handed it to a {@link Slot}), and who says
 * whether its holding may still start or retry events.
 */
interface DeliveryOwner {
    void acked(Slot slot, Delivery delivery);

    /** The delivery is over here, whatever became of it; called once per delivery. */
    void finished(Slot slot, Delivery delivery);

    /**
     * The handler gave {@code deliveries} back (the first one, and those of its key queued behind it, in order):
     * hand them to another consumer (no backoff, no attempt counted). Each is then finished here.
     */
    void givenBack(Slot slot, List<Delivery> deliveries);

    /** Whether deliveries of {@code holding} may start (or be retried): false once it ends or drains. */
    boolean current(long holding);

    /** Waits up to {@code wait} unless the holding ends first; false when it ended. */
    boolean pause(long holding, Duration wait) throws InterruptedException;

    String describe();

    /**
     * {@code delivery} failed {@code attempts} times, the last with {@code failure}: park it (then acknowledge
     * it) or halt. Returns when done; the slot starts its next event.
     */
    void exhausted(Slot slot, Delivery delivery, int attempts, Throwable failure) throws InterruptedException;

    /**
     * Whether {@code delivery} must wait behind a parked event of its key; if so, the owner has parked it (and
     * acknowledged it) or its holding has ended, and the slot does not start it.
     */
    boolean heldBack(Slot slot, Delivery delivery) throws InterruptedException;

    /** Calls for this event abandoned past their deadline on this server so far; each counts as an attempt. */
    int hungAttempts(RecordedEvent event);
}
