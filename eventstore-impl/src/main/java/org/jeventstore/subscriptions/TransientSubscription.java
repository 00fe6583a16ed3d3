package org.jeventstore.subscriptions;

import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.jeventstore.EventsAppended;
import org.jeventstore.RecordedEvent;
import org.jeventstore.Subscription;
import org.jeventstore.SubscriptionState;
import org.jeventstore.storage.EventReader;

/**
 * Live events only, on every server: on each notification for its stream, reads the announced range from
 * storage (on the executor, never on the listener's thread) and hands the events over in order.
 */
final class TransientSubscription implements Subscription {

    private static final Logger LOG = Logger.getLogger(TransientSubscription.class.getName());

    private final String streamId;
    private final Predicate<RecordedEvent> selector;
    private final Consumer<RecordedEvent> listener;
    private final EventReader reader;
    private final Executor executor;
    private final Runnable onClose;
    private final AtomicBoolean running = new AtomicBoolean();
    private final AtomicLong wantedUpTo = new AtomicLong();
    private volatile long delivered;
    private volatile boolean closed;

    TransientSubscription(String streamId, Predicate<RecordedEvent> selector, Consumer<RecordedEvent> listener,
                          EventReader reader, Executor executor, long startAfter, Runnable onClose) {
        this.streamId = streamId;
        this.selector = selector;
        this.listener = listener;
        this.reader = reader;
        this.executor = executor;
        this.delivered = startAfter;
        this.onClose = onClose;
    }

    void notified(EventsAppended appended) {
        if (closed || !appended.streamId().equals(streamId)) {
            return;
        }
        wantedUpTo.accumulateAndGet(appended.toVersion(), Math::max);
        if (running.compareAndSet(false, true)) {
            executor.execute(this::drain);
        }
    }

    private void drain() {
        boolean failed = false;
        try {
            while (!closed && delivered < wantedUpTo.get()) {
                List<RecordedEvent> events = reader.read(streamId, delivered + 1,
                        (int) Math.min(1000, wantedUpTo.get() - delivered), true);
                if (events.isEmpty()) {
                    break;
                }
                for (RecordedEvent e : events) {
                    delivered = e.eventNumber();
                    if (closed) {
                        return;
                    }
                    if (selector == null || selector.test(e)) {
                        try {
                            listener.accept(e);
                        } catch (RuntimeException ex) {
                            LOG.log(Level.WARNING, "JES0220W transient subscriber of '" + streamId
                                    + "' failed on event " + e.eventNumber(), ex);
                        }
                    }
                }
            }
        } catch (RuntimeException e) {
            failed = true; // the next notification tries again
            LOG.log(Level.WARNING, "JES0221W transient subscription to '" + streamId + "' could not read", e);
        } finally {
            running.set(false);
            if (!failed && !closed && delivered < wantedUpTo.get() && running.compareAndSet(false, true)) {
                executor.execute(this::drain);
            }
        }
    }

    @Override
    public String streamId() {
        return streamId;
    }

    @Override
    public String name() {
        return null;
    }

    @Override
    public SubscriptionState state() {
        return closed ? SubscriptionState.STOPPED : SubscriptionState.SUBSCRIBED;
    }

    @Override
    public long checkpoint() {
        return delivered;
    }

    @Override
    public void close() {
        closed = true;
        onClose.run();
    }
}
