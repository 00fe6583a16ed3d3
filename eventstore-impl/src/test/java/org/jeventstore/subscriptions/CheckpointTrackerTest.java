package org.jeventstore.subscriptions;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class CheckpointTrackerTest {

    @Test
    void three_subscribers_acking_1_2_3_6_5_4_move_the_checkpoint_1_2_3_3_3_6() {
        CheckpointTracker tracker = new CheckpointTracker(0);
        for (long n = 1; n <= 6; n++) {
            tracker.sent(n);
        }
        List<Long> marks = new ArrayList<>();
        for (long ack : new long[] {1, 2, 3, 6, 5, 4}) {
            tracker.acked(ack);
            marks.add(tracker.lowWaterMark());
        }
        assertThat(marks).containsExactly(1L, 2L, 3L, 3L, 3L, 6L);
    }

    @Test
    void filtered_events_count_as_acknowledged_and_gaps_are_stepped_over() {
        CheckpointTracker tracker = new CheckpointTracker(10);
        tracker.sent(12);
        tracker.skipped(13);
        tracker.sent(20);
        assertThat(tracker.lowWaterMark()).isEqualTo(11);
        tracker.acked(12);
        assertThat(tracker.lowWaterMark()).isEqualTo(19);
        tracker.acked(20);
        assertThat(tracker.lowWaterMark()).isEqualTo(20);
    }

    @Test
    void events_sent_out_of_order_are_refused() {
        CheckpointTracker tracker = new CheckpointTracker(5);
        assertThatThrownBy(() -> tracker.sent(5)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("out of order");
    }
}
