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
     * Whether the caller's transaction is active (JTA {@code STATUS_ACTIVE}) and so is joined. A transaction that
     * has committed is not: code running after the commit (an after-completion callback, which may still see it
     * as {@code STATUS_COMMITTED}) writes in a local transaction of its own.
     */
    boolean active();

    /**
     * Why a write must not run now, or {@code null} when it may (in the caller's transaction when
     * {@link #active()}, otherwise on its own). A caller whose transaction is marked for rollback, has rolled
     * back or is still completing can neither join it (the write would be undone with it, or cannot enlist) nor
     * write beside it (the write would outlive work that is undone): such writes are refused.
     */
    default String writeRefusal() {
        return null;
    }

    /**
     * Runs {@code action} once the caller's active transaction has committed (not at all if it rolls back). The
     * default, for contexts that cannot register with a transaction, runs it at once.
     */
    default void afterCommit(Runnable action) {
        action.run();
    }
}
