package org.jeventstore.subscriptions;

import static org.assertj.core.api.Assertions.assertThat;
import static org.jeventstore.testsupport.Events.events;

import java.util.List;
import org.jeventstore.EventStore;
import org.jeventstore.ExpectedVersion;
import org.jeventstore.RecordedEvent;
import org.jeventstore.StartFrom;
import org.jeventstore.operations.EventStoreOperations;
import org.jeventstore.operations.SubscriptionAdmin.ParkedEvent;
import org.jeventstore.postgres.PostgresEventStore;
import org.jeventstore.storage.Sql;
import org.jeventstore.storage.TransactionContext;
import org.jeventstore.storage.Transactions;
import org.jeventstore.operations.SubscriptionAdmin;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.Timeout;
import org.jeventstore.testsupport.Servers;

/** The jes_parked rows themselves: idempotent, fenced, and what a take-over forgets. */
@Timeout(60)
class ParkedEventsTest {

    @RegisterExtension
    final Servers servers = new Servers();
    PostgresEventStore store;
    SubscriptionRows rows;
    ParkedEvents parked;
    List<RecordedEvent> stored;

    @BeforeEach
    void open() {
        store = servers.start("a");
        Sql sql = new Sql(store.settings().schema());
        Transactions tx = new Transactions(servers.db.dataSource(), TransactionContext.NONE);
        rows = new SubscriptionRows(sql, tx);
        parked = new ParkedEvents(sql, tx);
        store.appendToStream("s", ExpectedVersion.any(), events(4, "x"));
        stored = store.readAllForward(1, 10);
    }


    private List<ParkedEvent> list(String name) {
        return store.admin().parkedEvents(EventStore.ALL, name, 0, 100);
    }

    @Test
    void parking_an_event_again_keeps_one_row_with_the_newest_failure() {
        long id = rows.createOrGet(EventStore.ALL, "twice", StartFrom.origin());
        long epoch = rows.takeOver(id).orElseThrow().epoch();
        assertThat(parked.park(id, epoch, stored.get(1), null, 3, new IllegalStateException("first"), null))
                .isEqualTo(new ParkedEvents.Parking(SubscriptionRows.Standing.CURRENT, true));
        assertThat(parked.park(id, epoch, stored.get(1), null, 5, new IllegalArgumentException("second"), null))
                .isEqualTo(new ParkedEvents.Parking(SubscriptionRows.Standing.CURRENT, true));
        List<ParkedEvent> rowsNow = list("twice");
        assertThat(rowsNow).hasSize(1);
        assertThat(rowsNow.get(0).attempts()).isEqualTo(5);
        assertThat(rowsNow.get(0).errorType()).isEqualTo(IllegalArgumentException.class.getName());
        assertThat(rowsNow.get(0).errorMessage()).isEqualTo("second");
    }

    @Test
    void a_holder_that_was_taken_over_or_deleted_parks_nothing() {
        long id = rows.createOrGet(EventStore.ALL, "fenced", StartFrom.origin());
        long old = rows.takeOver(id).orElseThrow().epoch();
        rows.takeOver(id); // another server took it
        assertThat(parked.park(id, old, stored.get(0), null, 3, new IllegalStateException("x"), null))
                .extracting(ParkedEvents.Parking::standing).isEqualTo(SubscriptionRows.Standing.FENCED);
        assertThat(list("fenced")).isEmpty();
        rows.delete(EventStore.ALL, "fenced");
        assertThat(parked.park(id, old + 1, stored.get(0), null, 3, new IllegalStateException("x"), null))
                .extracting(ParkedEvents.Parking::standing).isEqualTo(SubscriptionRows.Standing.DELETED);
    }

    @Test
    void a_take_over_forgets_the_rows_above_the_checkpoint_except_skipped_ones() {
        long id = rows.createOrGet(EventStore.ALL, "doubt", StartFrom.origin());
        long epoch = rows.takeOver(id).orElseThrow().epoch();
        for (RecordedEvent e : stored) {
            parked.park(id, epoch, e, "k", 2, new IllegalStateException("no"), null);
        }
        assertThat(rows.saveCheckpoint(id, epoch, 2)).isEqualTo(SubscriptionRows.Standing.CURRENT);
        assertThat(store.admin().skipParked(EventStore.ALL, "doubt", stored.get(3).eventId(), "known",
                "ops")).isEqualTo(SubscriptionAdmin.SkipOutcome.SKIPPED);

        rows.takeOver(id); // a crash: events 3 and 4 are delivered again by the new holder

        assertThat(list("doubt")).extracting(ParkedEvent::eventNumber).containsExactly(1L, 2L, 4L);
        assertThat(list("doubt").get(2).status()).isEqualTo("skipped");
        assertThat(parked.state(id).heldKeys()).containsEntry("k", 1L);
        // event 4 fails again on the new holder: the skip stands (a skip is final), nothing is parked again
        long newer = rows.takeOver(id).orElseThrow().epoch();
        assertThat(parked.park(id, newer, stored.get(3), "k", 2, new IllegalStateException("again"), null))
                .isEqualTo(new ParkedEvents.Parking(SubscriptionRows.Standing.CURRENT, false));
        assertThat(list("doubt").get(2).status()).isEqualTo("skipped");
        assertThat(list("doubt").get(2).errorMessage()).isEqualTo("no");
    }
}
