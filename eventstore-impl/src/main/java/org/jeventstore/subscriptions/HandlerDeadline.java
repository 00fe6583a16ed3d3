package org.jeventstore.subscriptions;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A subscription's handler deadline ({@code handlerTimeout}), enforced by the subscriptions' watchdog, never by the
 * worker (which may be the thread stuck in the call): a call of the holding under way, live or replayed, that runs
 * past the deadline ends that holding, and every call abandoned with it counts as an attempt at its event, so that
 * an event whose calls always hang is parked (or halts) after {@code maxAttempts} instead of holding the
 * subscription for ever.
 */
final class HandlerDeadline {

    private final long limitNanos;
    private final Duration timeout;
    private final Holder holder;
    private final Dispatcher dispatcher;
    private final Parking parking;
    /** Told each time the deadline ends a holding (a metric). */
    private final Runnable timedOut;

    HandlerDeadline(Duration timeout, Holder holder, Dispatcher dispatcher, Parking parking, Runnable timedOut) {
        this.timeout = timeout;
        this.limitNanos = timeout.toNanos();
        this.holder = holder;
        this.dispatcher = dispatcher;
        this.parking = parking;
        this.timedOut = timedOut;
    }

    /** Ends the holding under way when one of its calls has run past the deadline. */
    void enforce() {
        Holding h = holder.current();
        if (limitNanos <= 0 || h == null || h.abandoned) {
            return;
        }
        long since = Math.min(dispatcher.oldestCallSince(h.number), parking.oldestCallSince(h.number));
        long ran = System.nanoTime() - since;
        if (since == Long.MAX_VALUE || ran < limitNanos) {
            return;
        }
        abandon(h, "a handler call has run for " + TimeUnit.NANOSECONDS.toMillis(ran) + " ms, past handlerTimeout "
                + timeout.toMillis() + " ms");
        timedOut.run();
    }

    /** Ends {@code h} from outside the worker for {@code why}; its calls (live or replayed) count as attempts. */
    void abandon(Holding h, String why) {
        List<Delivery> abandoned = new ArrayList<>(holder.abandon(h, why));
        abandoned.addAll(parking.abandon(h.number)); // a replayed call on the worker
        for (Delivery d : abandoned) {
            parking.hung(d.event());
        }
    }

    /** Calls of ended holdings still running here (abandoned past the deadline, they ignored the interrupt). */
    int abandonedCalls() {
        return dispatcher.abandonedRunning() + parking.abandonedRunning();
    }
}
