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
    /**
     * Holding the lock but delivering nothing: an event failed {@code maxAttempts} times under
     * {@code OnExhausted.STOP} (log JES0242E). Resumes when started again or when its lock moves to another server.
     */
    HALTED,
    /** Lost its lock or database connection; delivers nothing until it has the lock again. */
    DISCONNECTED,
    /** Closed. */
    STOPPED
}
