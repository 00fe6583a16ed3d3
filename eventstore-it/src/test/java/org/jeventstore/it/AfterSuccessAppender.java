package org.jeventstore.it;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.event.TransactionPhase;
import jakarta.inject.Inject;
import jakarta.transaction.Status;
import jakarta.transaction.Synchronization;
import jakarta.transaction.TransactionSynchronizationRegistry;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.naming.InitialContext;
import javax.naming.NamingException;
import org.jeventstore.AppendResult;
import org.jeventstore.EventData;
import org.jeventstore.EventStore;
import org.jeventstore.ExpectedVersion;

/**
 * Appends after a transaction committed: from a transaction observer ({@code AFTER_SUCCESS}) and from a
 * synchronization's {@code afterCompletion}, where some transaction managers still show the transaction (status
 * COMMITTED) although it can no longer be joined. Records what each append returned or threw (the container logs and drops an after-completion
 * exception), and the transaction status it ran under.
 */
@ApplicationScoped
public class AfterSuccessAppender {

    /** Fired inside a transaction by {@link OrderService}. */
    public record OrderPlaced(String stream) {
    }

    @Inject
    EventStore store;

    final List<AppendResult> results = new CopyOnWriteArrayList<>();
    final List<Throwable> failures = new CopyOnWriteArrayList<>();
    final List<Integer> statuses = new CopyOnWriteArrayList<>();

    void afterCommit(@Observes(during = TransactionPhase.AFTER_SUCCESS) OrderPlaced order) {
        append(order.stream());
    }

    /**
     * Registers, with the caller's active transaction, a synchronization that appends once it has committed: the
     * other way application code runs after a commit.
     */
    public void appendAfterCompletion(String stream) throws NamingException {
        registry().registerInterposedSynchronization(new Synchronization() {
            @Override
            public void beforeCompletion() {
            }

            @Override
            public void afterCompletion(int status) {
                if (status == Status.STATUS_COMMITTED) {
                    append(stream);
                }
            }
        });
    }

    private void append(String stream) {
        try {
            statuses.add(registry().getTransactionStatus());
            results.add(store.appendToStream(stream, ExpectedVersion.noStream(),
                    List.of(EventData.of("it-order-confirmed", Map.of("stream", stream)))));
        } catch (RuntimeException | NamingException e) {
            failures.add(e);
        }
    }

    private static TransactionSynchronizationRegistry registry() throws NamingException {
        return InitialContext.doLookup("java:comp/TransactionSynchronizationRegistry");
    }

    public List<AppendResult> results() {
        return results;
    }

    public List<Throwable> failures() {
        return failures;
    }

    public List<Integer> statuses() {
        return statuses;
    }
}
