package org.jeventstore.storage;

/**
 * Tells whether the calling thread runs inside a container-managed (JTA) transaction. When it does, the store
 * uses the enlisted connection as it is and leaves commit and rollback to the container; otherwise it runs its
 * own local transaction. Outside a container there never is one.
 */
@FunctionalInterface
public interface TransactionContext {

    TransactionContext NONE = () -> false;

    boolean active();

    /**
     * Runs {@code action} once the caller's active transaction has committed (not at all if it rolls back). The
     * default, for contexts that cannot register with a transaction, runs it at once.
     */
    default void afterCommit(Runnable action) {
        action.run();
    }
}
