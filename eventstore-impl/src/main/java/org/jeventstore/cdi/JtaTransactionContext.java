package org.jeventstore.cdi;

import jakarta.transaction.Status;
import jakarta.transaction.Synchronization;
import jakarta.transaction.TransactionSynchronizationRegistry;
import org.jeventstore.storage.TransactionContext;

/**
 * The container's transaction as the store sees it, through the synchronization registry.
 *
 * <table>
 * <caption>what a write does, by the calling thread's transaction status</caption>
 * <tr><td>{@code ACTIVE}</td><td>joins it: the container commits or rolls back</td></tr>
 * <tr><td>{@code NO_TRANSACTION}, {@code COMMITTED}</td><td>runs in a local transaction of its own</td></tr>
 * <tr><td>any other</td><td>refused with {@code InvalidRequestException}, nothing written</td></tr>
 * </table>
 *
 * <p>{@code COMMITTED} is what an after-completion callback (an {@code AFTER_SUCCESS} observer, a synchronization)
 * sees on some transaction managers (Liberty reports {@code NO_TRANSACTION} there). Joining it was wrong twice over:
 * its connection is no longer enlisted, so the append committed on its own, and then no synchronization could be
 * registered any more, so the append failed after committing and a caller's retry wrote it twice.
 * {@code MARKED_ROLLBACK}, {@code ROLLEDBACK}, {@code ROLLING_BACK} (a timed-out transaction, an
 * {@code AFTER_FAILURE} callback) and the states of a commit in progress are refused: events written in such a
 * transaction would be undone with it, events written beside it could outlive the work it undoes.
 */
final class JtaTransactionContext implements TransactionContext {

    private final TransactionSynchronizationRegistry registry;

    JtaTransactionContext(TransactionSynchronizationRegistry registry) {
        this.registry = registry;
    }

    @Override
    public boolean active() {
        return registry.getTransactionStatus() == Status.STATUS_ACTIVE;
    }

    @Override
    public String writeRefusal() {
        int status = registry.getTransactionStatus();
        return switch (status) {
            case Status.STATUS_ACTIVE, Status.STATUS_NO_TRANSACTION, Status.STATUS_COMMITTED -> null;
            case Status.STATUS_MARKED_ROLLBACK -> "the caller's JTA transaction is marked for rollback";
            case Status.STATUS_ROLLEDBACK, Status.STATUS_ROLLING_BACK ->
                    "the caller's JTA transaction has rolled back (" + name(status) + ")";
            default -> "the caller's JTA transaction is completing (" + name(status) + "), its outcome not known";
        };
    }

    @Override
    public void afterCommit(Runnable action) {
        registry.registerInterposedSynchronization(new Synchronization() {
            @Override
            public void beforeCompletion() {
            }

            @Override
            public void afterCompletion(int status) {
                if (status == Status.STATUS_COMMITTED) {
                    action.run();
                }
            }
        });
    }

    static String name(int status) {
        return switch (status) {
            case Status.STATUS_ACTIVE -> "STATUS_ACTIVE";
            case Status.STATUS_MARKED_ROLLBACK -> "STATUS_MARKED_ROLLBACK";
            case Status.STATUS_PREPARED -> "STATUS_PREPARED";
            case Status.STATUS_COMMITTED -> "STATUS_COMMITTED";
            case Status.STATUS_ROLLEDBACK -> "STATUS_ROLLEDBACK";
            case Status.STATUS_UNKNOWN -> "STATUS_UNKNOWN";
            case Status.STATUS_NO_TRANSACTION -> "STATUS_NO_TRANSACTION";
            case Status.STATUS_PREPARING -> "STATUS_PREPARING";
            case Status.STATUS_COMMITTING -> "STATUS_COMMITTING";
            case Status.STATUS_ROLLING_BACK -> "STATUS_ROLLING_BACK";
            default -> "status " + status;
        };
    }
}
