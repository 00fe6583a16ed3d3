package org.jeventstore.subscriptions;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.jeventstore.SubscriptionState;
import org.jeventstore.subscriptions.SubscriptionFsm.Trigger;
import org.junit.jupiter.api.Test;

/** The transition table, read as a user of the state machine would walk it. */
class SubscriptionFsmTest {

    @Test
    void a_subscription_stands_by_takes_its_lock_catches_up_and_follows() {
        SubscriptionFsm fsm = new SubscriptionFsm();
        assertThat(fsm.state()).isEqualTo(SubscriptionState.INITIAL);
        assertThat(fsm.fire(Trigger.CREATED)).isEqualTo(SubscriptionState.STANDBY);
        assertThat(fsm.fire(Trigger.LOCK_BUSY)).isEqualTo(SubscriptionState.STANDBY);
        assertThat(fsm.fire(Trigger.LOCKED)).isEqualTo(SubscriptionState.CATCHING_UP);
        assertThat(fsm.fire(Trigger.BEHIND)).isEqualTo(SubscriptionState.CATCHING_UP);
        assertThat(fsm.fire(Trigger.CAUGHT_UP)).isEqualTo(SubscriptionState.SUBSCRIBED);
        assertThat(fsm.fire(Trigger.BEHIND)).isEqualTo(SubscriptionState.CATCHING_UP);
        assertThat(fsm.fire(Trigger.YIELDED)).isEqualTo(SubscriptionState.STANDBY);
    }

    @Test
    void a_lost_lock_or_a_newer_holder_disconnects_and_a_retry_starts_over() {
        SubscriptionFsm fsm = holding();
        assertThat(fsm.fire(Trigger.FENCED)).isEqualTo(SubscriptionState.DISCONNECTED);
        assertThat(fsm.fire(Trigger.RETRY)).isEqualTo(SubscriptionState.INITIAL);
        fsm = holding();
        assertThat(fsm.fire(Trigger.LOCK_LOST)).isEqualTo(SubscriptionState.DISCONNECTED);
    }

    @Test
    void a_deletion_stops_a_holder_and_a_standby_alike_and_nothing_leaves_stopped() {
        SubscriptionFsm holder = holding();
        assertThat(holder.fire(Trigger.DELETED)).isEqualTo(SubscriptionState.STOPPED);
        SubscriptionFsm standby = new SubscriptionFsm();
        standby.fire(Trigger.CREATED);
        assertThat(standby.fire(Trigger.DELETED)).isEqualTo(SubscriptionState.STOPPED);
        for (Trigger t : Trigger.values()) {
            assertThatThrownBy(() -> holder.next(t)).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("STOPPED");
        }
    }

    @Test
    void closing_and_failing_are_possible_from_every_live_state() {
        for (SubscriptionState s : SubscriptionState.values()) {
            if (s == SubscriptionState.STOPPED) {
                continue;
            }
            SubscriptionFsm fsm = at(s);
            assertThat(fsm.next(Trigger.CLOSED)).isEqualTo(SubscriptionState.STOPPED);
            assertThat(fsm.next(Trigger.FAILED)).isEqualTo(SubscriptionState.DISCONNECTED);
        }
    }

    @Test
    void a_trigger_the_table_does_not_list_for_a_state_is_refused_not_ignored() {
        SubscriptionFsm fsm = new SubscriptionFsm();
        assertThatThrownBy(() -> fsm.fire(Trigger.CAUGHT_UP)).isInstanceOf(IllegalStateException.class)
                .hasMessage("no transition from INITIAL on CAUGHT_UP");
        assertThat(fsm.state()).isEqualTo(SubscriptionState.INITIAL);
        fsm.fire(Trigger.CREATED);
        assertThatThrownBy(() -> fsm.fire(Trigger.YIELDED)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void an_exhausted_event_under_stop_halts_a_holder_which_keeps_its_lock_until_it_loses_it() {
        SubscriptionFsm fsm = holding();
        assertThat(fsm.fire(Trigger.EXHAUSTED)).isEqualTo(SubscriptionState.HALTED);
        assertThat(SubscriptionFsm.holding(fsm.state())).isTrue();
        assertThatThrownBy(() -> fsm.next(Trigger.CAUGHT_UP)).isInstanceOf(IllegalStateException.class);
        assertThat(fsm.next(Trigger.DELETED)).isEqualTo(SubscriptionState.STOPPED);
        assertThat(fsm.fire(Trigger.LOCK_LOST)).isEqualTo(SubscriptionState.DISCONNECTED);
    }

    private static SubscriptionFsm holding() {
        return at(SubscriptionState.SUBSCRIBED);
    }

    private static SubscriptionFsm at(SubscriptionState target) {
        SubscriptionFsm fsm = new SubscriptionFsm();
        switch (target) {
            case INITIAL -> { }
            case STANDBY -> fsm.fire(Trigger.CREATED);
            case CATCHING_UP -> {
                fsm.fire(Trigger.CREATED);
                fsm.fire(Trigger.LOCKED);
            }
            case SUBSCRIBED -> {
                fsm.fire(Trigger.CREATED);
                fsm.fire(Trigger.LOCKED);
                fsm.fire(Trigger.CAUGHT_UP);
            }
            case HALTED -> {
                fsm.fire(Trigger.CREATED);
                fsm.fire(Trigger.LOCKED);
                fsm.fire(Trigger.EXHAUSTED);
            }
            case DISCONNECTED -> fsm.fire(Trigger.FAILED);
            case STOPPED -> fsm.fire(Trigger.CLOSED);
        }
        assertThat(fsm.state()).isEqualTo(target);
        return fsm;
    }
}
