package org.jeventstore;

/** Where a persistent subscription is in its life. */
public enum SubscriptionState {
    /** Created, not yet trying for its lock. */
    INITIAL,
    /** Another server (or instance) holds the subscription's lock; this one retries. */
    STANDBY,
    /** Holding the lock, reading stored events it has not yet delivered. */
    CATCHING_UP,
    /** Holding the lock, caught up, waiting for new events. */
    SUBSCRIBED,
    /** Lost its lock or database connection; delivers nothing until it has the lock again. */
    DISCONNECTED,
    /** Closed. */
    STOPPED
}
