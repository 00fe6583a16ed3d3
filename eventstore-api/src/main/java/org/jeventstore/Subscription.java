package org.jeventstore;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.LongConsumer;

/**
 * A running subscription, or one subscriber of a persistent one. Closing it stops delivery to it and, for a
 * persistent one, saves its checkpoint.
 */
public interface Subscription extends AutoCloseable {

    String streamId();

    /** The persistent subscription's name; {@code null} for a transient one. */
    String name();

    SubscriptionState state();

    /** The last event number acknowledged and saved (persistent subscriptions). */
    long checkpoint();

    /**
     * Completes (with this subscription) once it first delivers on this server: a persistent subscription when
     * this server holds its lock (for a partitioned one, any of its partitions), Elixir's {@code :subscribed}
     * message. It does not complete while another server delivers it; it completes exceptionally if this
     * subscriber is closed first. A transient subscription delivers from the start.
     */
    default CompletionStage<Subscription> subscribed() {
        return CompletableFuture.completedFuture(this);
    }

    /**
     * Calls {@code listener} with the subscription's new {@link #checkpoint()} each time a save on this server
     * moved it, on a thread of the store's executor, never on the handler's. Persistent subscriptions only.
     */
    default void onCheckpoint(LongConsumer listener) {
        throw new UnsupportedOperationException("a transient subscription has no checkpoint");
    }

    @Override
    void close();
}
