package org.jeventstore;

/** A running subscription. Closing it stops delivery and, for a persistent one, saves its checkpoint. */
public interface Subscription extends AutoCloseable {

    String streamId();

    /** The persistent subscription's name; {@code null} for a transient one. */
    String name();

    SubscriptionState state();

    /** The last event number acknowledged and saved (persistent subscriptions). */
    long checkpoint();

    @Override
    void close();
}
