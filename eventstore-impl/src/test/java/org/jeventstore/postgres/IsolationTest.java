package org.jeventstore.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.UUID;
import org.jeventstore.DeleteMode;
import org.jeventstore.EventData;
import org.jeventstore.EventNotFoundException;
import org.jeventstore.ExpectedVersion;
import org.jeventstore.RecordedEvent;
import org.jeventstore.SnapshotData;
import org.jeventstore.StreamNotFoundException;
import org.jeventstore.StreamQuery;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.jeventstore.testsupport.TestStores;

/** Two stores in two schemas of one database share nothing. */
class IsolationTest {

    public record Said(String who) {
    }

    @RegisterExtension
    static final TestStores one = new TestStores(true);
    @RegisterExtension
    static final TestStores two = new TestStores(true);

    @Test
    void streams_versions_and_all_positions_are_separate_per_schema() {
        assertThat(one.server.jdbcUrl()).isEqualTo(two.server.jdbcUrl());
        assertThat(one.schema).isNotEqualTo(two.schema);
        long headOne = one.store.streamInfo("$all").version();
        long headTwo = two.store.streamInfo("$all").version();

        one.store.appendToStream("same-id", ExpectedVersion.noStream(), List.of(EventData.of(new Said("one")),
                EventData.of(new Said("one again"))));
        two.store.appendToStream("same-id", ExpectedVersion.noStream(), List.of(EventData.of(new Said("two"))));
        one.store.appendToStream("only-in-one", ExpectedVersion.noStream(), List.of(EventData.of(new Said("one"))));

        assertThat(one.store.readStreamForward("same-id", 1, 10)).extracting(e -> e.data(Said.class).who())
                .containsExactly("one", "one again");
        assertThat(two.store.readStreamForward("same-id", 1, 10)).extracting(e -> e.data(Said.class).who())
                .containsExactly("two");
        assertThat(one.store.streamInfo("$all").version()).isEqualTo(headOne + 3);
        assertThat(two.store.streamInfo("$all").version()).isEqualTo(headTwo + 1);
        assertThat(two.store.readAllForward(1, 100)).extracting(RecordedEvent::streamId).doesNotContain("only-in-one");
        assertThatThrownBy(() -> two.store.streamInfo("only-in-one")).isInstanceOf(StreamNotFoundException.class);
        assertThat(two.store.paginateStreams(StreamQuery.firstPage(100)).entries())
                .extracting(info -> info.streamId()).doesNotContain("only-in-one");
    }

    @Test
    void an_event_of_one_schema_cannot_be_linked_in_the_other_and_the_same_id_may_exist_in_both() {
        UUID id = UUID.randomUUID();
        one.store.appendToStream("linkable", ExpectedVersion.any(), List.of(EventData.of(new Said("one")).withEventId(id)));

        assertThatThrownBy(() -> two.store.linkToStream("foreign", ExpectedVersion.any(), List.of(id)))
                .isInstanceOf(EventNotFoundException.class);
        two.store.appendToStream("own", ExpectedVersion.any(), List.of(EventData.of(new Said("two")).withEventId(id)));

        assertThat(one.store.readStreamForward("linkable", 1, 1).get(0).data(Said.class).who()).isEqualTo("one");
        assertThat(two.store.readStreamForward("own", 1, 1).get(0).data(Said.class).who()).isEqualTo("two");
    }

    @Test
    void deletes_and_snapshots_stay_in_their_schema() {
        one.store.appendToStream("deleted-in-one", ExpectedVersion.any(), List.of(EventData.of(new Said("one"))));
        two.store.appendToStream("deleted-in-one", ExpectedVersion.any(), List.of(EventData.of(new Said("two"))));
        one.store.appendToStream("hard-in-one", ExpectedVersion.any(), List.of(EventData.of(new Said("one"))));
        two.store.appendToStream("hard-in-one", ExpectedVersion.any(), List.of(EventData.of(new Said("two"))));
        one.store.recordSnapshot(SnapshotData.of("snap", 1, new Said("one")));

        one.store.deleteStream("deleted-in-one", ExpectedVersion.any(), DeleteMode.SOFT);
        one.store.deleteStream("hard-in-one", ExpectedVersion.any(), DeleteMode.HARD);

        assertThat(two.store.streamInfo("deleted-in-one").deleted()).isFalse();
        assertThat(two.store.readStreamForward("hard-in-one", 1, 10)).hasSize(1);
        assertThat(two.store.readSnapshot("snap")).isEmpty();
        assertThat(one.store.readSnapshot("snap")).isPresent();
    }
}
