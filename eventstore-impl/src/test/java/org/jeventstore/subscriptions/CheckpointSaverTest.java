package org.jeventstore.subscriptions;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import org.jeventstore.StartFrom;
import org.jeventstore.postgres.PostgresEventStore;
import org.jeventstore.storage.Sql;
import org.jeventstore.storage.TransactionContext;
import org.jeventstore.storage.Transactions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Checkpoint saves off the worker thread, against a real subscriptions table. */
@Timeout(60)
class CheckpointSaverTest {

    Servers servers;
    SubscriptionRows rows;
    ExecutorService executor;

    @BeforeEach
    void open() {
        servers = new Servers();
        PostgresEventStore store = servers.start("a"); // creates the schema
        rows = new SubscriptionRows(new Sql(store.settings().schema()),
                new Transactions(servers.db.dataSource(), TransactionContext.NONE));
        executor = Executors.newSingleThreadExecutor();
    }

    @AfterEach
    void close() throws InterruptedException {
        executor.shutdownNow();
        servers.close();
    }

    @Test
    void many_requests_are_coalesced_and_the_newest_mark_is_saved() {
        long id = rows.createOrGet("$all", "coalesced", StartFrom.origin());
        AtomicInteger tasks = new AtomicInteger();
        CheckpointSaver saver = new CheckpointSaver(rows, r -> {
            tasks.incrementAndGet();
            executor.execute(r);
        }, "'coalesced'");
        saver.reset(id, 0);

        for (long mark = 1; mark <= 1_000; mark++) {
            saver.request(mark);
        }

        await().atMost(Duration.ofSeconds(10)).until(() -> saver.saved() == 1_000);
        assertThat(rows.checkpoint(id)).isEqualTo(1_000);
        assertThat(tasks.get()).as("save tasks for 1,000 requests").isLessThan(1_000);
    }

    @Test
    void a_late_lower_mark_never_moves_the_saved_checkpoint_back() {
        long id = rows.createOrGet("$all", "forward-only", StartFrom.origin());
        CheckpointSaver saver = new CheckpointSaver(rows, executor, "'forward-only'");
        saver.reset(id, 0);
        saver.request(50);
        await().atMost(Duration.ofSeconds(10)).until(() -> saver.saved() == 50);

        // e.g. a previous holding of the lock that saves late, after a newer holder started from its checkpoint
        CheckpointSaver stale = new CheckpointSaver(rows, executor, "'forward-only' (stale)");
        stale.reset(id, 0);
        stale.saveNow(20);

        assertThat(rows.checkpoint(id)).isEqualTo(50);
    }

    @Test
    void when_the_executor_refuses_the_request_is_dropped_quietly_and_the_final_save_is_synchronous() {
        long id = rows.createOrGet("$all", "refused", StartFrom.origin());
        CheckpointSaver saver = new CheckpointSaver(rows, r -> {
            throw new RejectedExecutionException("shutting down");
        }, "'refused'");
        saver.reset(id, 0);

        saver.request(7);
        assertThat(rows.checkpoint(id)).isZero();
        saver.awaitIdle(1_000);
        saver.saveNow(7);

        assertThat(rows.checkpoint(id)).isEqualTo(7);
        assertThat(saver.saved()).isEqualTo(7);
    }
}
