package org.jeventstore.subscriptions;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
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
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.Timeout;
import org.jeventstore.testsupport.Servers;

/** Checkpoint saves off the worker thread, against a real subscriptions table. */
@Timeout(60)
class CheckpointSaverTest {

    @RegisterExtension
    final Servers servers = new Servers();
    SubscriptionRows rows;
    ExecutorService executor;

    @BeforeEach
    void open() {
        PostgresEventStore store = servers.start("a"); // creates the schema
        rows = new SubscriptionRows(new Sql(store.settings().schema()),
                new Transactions(servers.db.dataSource(), TransactionContext.NONE));
        executor = Executors.newSingleThreadExecutor();
    }

    @AfterEach
    void close() throws InterruptedException {
        executor.shutdownNow();
    }

    @Test
    void many_requests_are_coalesced_and_the_newest_mark_is_saved() {
        long id = rows.createOrGet("$all", "coalesced", StartFrom.origin());
        AtomicInteger tasks = new AtomicInteger();
        CheckpointSaver saver = new CheckpointSaver(rows, r -> {
            tasks.incrementAndGet();
            executor.execute(r);
        }, "'coalesced'");
        saver.reset(id, rows.takeOver(id).orElseThrow().epoch(), 0);

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
        long epoch = rows.takeOver(id).orElseThrow().epoch();
        CheckpointSaver saver = new CheckpointSaver(rows, executor, "'forward-only'");
        saver.reset(id, epoch, 0);
        saver.request(50);
        await().atMost(Duration.ofSeconds(10)).until(() -> saver.saved() == 50);

        // e.g. a save task that was overtaken by a later one of the same holding
        CheckpointSaver late = new CheckpointSaver(rows, executor, "'forward-only' (late)");
        late.reset(id, epoch, 0);
        assertThat(late.saveNow(20)).isEqualTo(SubscriptionRows.Standing.CURRENT);

        assertThat(rows.checkpoint(id)).isEqualTo(50);
    }

    @Test
    void a_save_of_an_earlier_holding_is_refused_once_a_newer_one_took_over_and_writes_nothing() {
        long id = rows.createOrGet("$all", "fenced", StartFrom.origin());
        SubscriptionRows.Holding first = rows.takeOver(id).orElseThrow();
        CheckpointSaver old = new CheckpointSaver(rows, executor, "'fenced' (old holder)");
        old.reset(id, first.epoch(), first.checkpoint());
        old.saveNow(5);

        SubscriptionRows.Holding second = rows.takeOver(id).orElseThrow(); // another server takes over
        assertThat(second.epoch()).isGreaterThan(first.epoch());
        assertThat(second.checkpoint()).isEqualTo(5);

        // the old holder acknowledged more while the new one had not: saving it would skip them for the new one
        assertThat(old.saveNow(9)).isEqualTo(SubscriptionRows.Standing.FENCED);
        assertThat(old.standing()).isEqualTo(SubscriptionRows.Standing.FENCED);
        assertThat(rows.checkpoint(id)).isEqualTo(5);
        old.request(12); // asynchronous saves are refused too: nothing is even tried
        assertThat(rows.checkpoint(id)).isEqualTo(5);

        CheckpointSaver current = new CheckpointSaver(rows, executor, "'fenced' (new holder)");
        current.reset(id, second.epoch(), second.checkpoint());
        assertThat(current.saveNow(7)).isEqualTo(SubscriptionRows.Standing.CURRENT);
        assertThat(rows.checkpoint(id)).isEqualTo(7);
    }

    @Test
    void a_save_of_the_previous_holding_refused_after_the_next_holding_began_does_not_stop_the_next_one()
            throws Exception {
        long id = rows.createOrGet("$all", "overlap", StartFrom.origin());
        SubscriptionRows.Holding first = rows.takeOver(id).orElseThrow();
        CheckpointSaver saver = new CheckpointSaver(rows, executor, "'overlap'");
        saver.reset(id, first.epoch(), 0);
        try (Connection takeOver = servers.db.connect()) {
            // this server's next holding takes over; its transaction holds the holders row until it commits
            takeOver.setAutoCommit(false);
            long next;
            try (Statement st = takeOver.createStatement();
                 ResultSet rs = st.executeQuery("UPDATE \"" + servers.schema + "\".jes_subscription_holders"
                         + " SET epoch = epoch + 1 WHERE subscription_id = " + id + " RETURNING epoch")) {
                rs.next();
                next = rs.getLong(1);
            }
            saver.request(4); // the previous holding's last save: waits for that row, then is refused
            await().atMost(Duration.ofSeconds(10)).until(() -> waitingForALock() > 0);
            saver.reset(id, next, 0);
            takeOver.commit();
        }
        saver.awaitIdle(10_000);

        assertThat(saver.standing()).isEqualTo(SubscriptionRows.Standing.CURRENT);
        assertThat(rows.checkpoint(id)).isZero();
        assertThat(saver.saveNow(6)).isEqualTo(SubscriptionRows.Standing.CURRENT);
        assertThat(rows.checkpoint(id)).isEqualTo(6);
    }

    private long waitingForALock() throws SQLException {
        try (Connection c = servers.db.connect(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
                     + " AND query LIKE '%jes_subscription_holders%' AND query LIKE '%" + servers.schema + "%'")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    @Test
    void a_save_after_the_subscription_was_deleted_reports_it() {
        long id = rows.createOrGet("$all", "gone", StartFrom.origin());
        CheckpointSaver saver = new CheckpointSaver(rows, executor, "'gone'");
        saver.reset(id, rows.takeOver(id).orElseThrow().epoch(), 0);
        rows.delete("$all", "gone");

        assertThat(saver.saveNow(3)).isEqualTo(SubscriptionRows.Standing.DELETED);
        assertThat(rows.takeOver(id)).isEmpty();
    }

    @Test
    void when_the_executor_refuses_the_request_is_dropped_quietly_and_the_final_save_is_synchronous() {
        long id = rows.createOrGet("$all", "refused", StartFrom.origin());
        CheckpointSaver saver = new CheckpointSaver(rows, r -> {
            throw new RejectedExecutionException("shutting down");
        }, "'refused'");
        saver.reset(id, rows.takeOver(id).orElseThrow().epoch(), 0);

        saver.request(7);
        assertThat(rows.checkpoint(id)).isZero();
        saver.awaitIdle(1_000);
        saver.saveNow(7);

        assertThat(rows.checkpoint(id)).isEqualTo(7);
        assertThat(saver.saved()).isEqualTo(7);
    }
}
