package com.example.accounts;

import jakarta.annotation.PreDestroy;
import jakarta.annotation.Resource;
import jakarta.enterprise.concurrent.ManagedExecutorService;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.context.Initialized;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;
import java.util.stream.Stream;
import org.jeventstore.EventStore;
import org.jeventstore.EventStoreException;
import org.jeventstore.RecordedEvent;
import org.jeventstore.Subscription;

/**
 * An in-memory read model on every server: the number of accounts and the money they hold. Memory starts empty
 * at every start, so it is built from the origin of {@code $all} each time, then kept current by a transient
 * subscription (live events, every server). A persistent subscription would not do: it resumes from its
 * checkpoint, with this memory empty, and runs on one server only.
 *
 * <p>The live subscription is opened first and the catch-up read after it, so nothing falls between them; both
 * apply under one lock, and an event at or below the last position applied is skipped (the two may overlap).
 */
@ApplicationScoped
public class AccountsOverview {

    private static final Logger LOG = Logger.getLogger(AccountsOverview.class.getName());

    /** What the endpoint shows; {@code caughtUp} is false while the model is still being built. */
    public record Summary(int accounts, long total, long position, boolean caughtUp) {
    }

    @Inject
    EventStore store;

    @Resource
    ManagedExecutorService executor;

    private final Map<String, Long> balances = new HashMap<>();
    /** The {@code $all} position of the last event applied. */
    private long position;
    private volatile boolean caughtUp;
    private volatile boolean stopped;
    private volatile Subscription live;

    void start(@Observes @Initialized(ApplicationScoped.class) Object ignored) {
        executor.execute(this::build);
    }

    /** Subscribes, then reads {@code $all} from its start; tries again while the database does not answer. */
    private void build() {
        long backoff = 100;
        while (!stopped) {
            try {
                if (live == null) {
                    live = store.subscribe(EventStore.ALL, AccountsOverview::accountEvent, this::apply);
                }
                catchUp();
                caughtUp = true;
                return;
            } catch (EventStoreException e) {
                LOG.warning("accounts overview not built yet (retrying in " + backoff + " ms): " + e.getMessage());
                try {
                    TimeUnit.MILLISECONDS.sleep(backoff);
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    return;
                }
                backoff = Math.min(backoff * 2, 5_000);
            }
        }
    }

    private synchronized void catchUp() {
        try (Stream<RecordedEvent> events = store.streamAllForward(position + 1, 1_000)) {
            events.filter(AccountsOverview::accountEvent).forEach(this::applyHeld);
        }
    }

    private synchronized void apply(RecordedEvent event) {
        applyHeld(event);
    }

    private void applyHeld(RecordedEvent event) {
        if (event.eventNumber() <= position) {
            return; // the catch-up and the live subscription overlap
        }
        position = event.eventNumber();
        String id = event.streamId().substring("account-".length());
        balances.put(id, Account.apply(balances.getOrDefault(id, 0L), event.data()));
    }

    private static boolean accountEvent(RecordedEvent event) {
        return event.streamId().startsWith("account-");
    }

    public synchronized Summary summary() {
        long total = balances.values().stream().mapToLong(Long::longValue).sum();
        return new Summary(balances.size(), total, position, caughtUp);
    }

    @PreDestroy
    void stop() {
        stopped = true;
        Subscription s = live;
        if (s != null) {
            s.close();
        }
    }
}
