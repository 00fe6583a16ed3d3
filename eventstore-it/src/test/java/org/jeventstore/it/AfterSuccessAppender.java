package org.jeventstore.it;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.event.TransactionPhase;
import jakarta.inject.Inject;
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
 * Appends from a transaction observer that runs after its transaction committed ({@code AFTER_SUCCESS}): the
 * transaction is still there (status COMMITTED) but can no longer be joined. Records what the append returned or
 * threw (the container logs and drops an after-completion observer's exception), and the status it ran under.
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
        try {
            statuses.add(((TransactionSynchronizationRegistry) InitialContext
                    .doLookup("java:comp/TransactionSynchronizationRegistry")).getTransactionStatus());
            results.add(store.appendToStream(order.stream(), ExpectedVersion.noStream(),
                    List.of(EventData.of("it-order-confirmed", Map.of("stream", order.stream())))));
        } catch (RuntimeException | NamingException e) {
            failures.add(e);
        }
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
