package org.jeventstore.notifications;

import static org.assertj.core.api.Assertions.assertThat;

import org.jeventstore.EventsAppended;
import org.junit.jupiter.api.Test;

class NotificationTest {

    @Test
    void a_payload_is_parsed_from_the_right_so_stream_ids_may_contain_commas() {
        assertThat(Notification.parse("order,1,2,17,3,5")).contains(new EventsAppended("order,1,2", 3, 5));
        assertThat(Notification.parse("$all,0,1,1")).contains(new EventsAppended("$all", 1, 1));
    }

    @Test
    void empty_ranges_and_foreign_payloads_are_ignored() {
        assertThat(Notification.parse("s,4,6,5")).isEmpty();
        assertThat(Notification.parse("hello")).isEmpty();
        assertThat(Notification.parse("a,b,c,d")).isEmpty();
        assertThat(Notification.parse(",1,2")).isEmpty();
        assertThat(Notification.parse(null)).isEmpty();
    }
}
