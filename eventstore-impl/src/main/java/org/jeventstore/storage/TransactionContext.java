package org.jeventstore.storage;

/**
 * Tells whether the calling thread runs inside a container-managed (JTA) transaction that work can join. When it
 * does, the store uses the enlisted connection as it is and leaves commit and rollback to the container; otherwise
 * it runs its own local transaction. Outside a container there never is one.
 */
@FunctionalInterface
public interface TransactionContext {

    TransactionContext NONE = () -> false;

    /**
     * Whether the caller's transaction is active (JTA {@code STATUS_ACTIVE}) and so can be joined. A transaction
     * that has completed, or is completing (an after-completion callback such as an {@code AFTER_SUCCESS}
     * observer still sees it, as {@code STATUS_COMMITTED}), is not: work there runs in a local transaction.
     */
    boolean active();

    /**
     * Whether the caller's transaction is marked for rollback ({@code STATUS_MARKED_ROLLBACK}): a write can
     * neither join it (it would be rolled back with it, silently) nor run beside it (it would commit what the
     * caller's failed work rolls back), so the store refuses writes.
     */
    default boolean rollbackOnly() {
        return false;
    }

    /**
     * Runs {@code action} once the caller's active transaction has committed (not at all if it rolls back). The
     * default, for contexts that cannot register with a transaction, runs it at once.
     */
    default void afterCommit(Runnable action) {
        action.run();
    }
}
