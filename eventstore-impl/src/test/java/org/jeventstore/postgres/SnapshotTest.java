package org.jeventstore.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.jeventstore.EventType;
import org.jeventstore.SnapshotData;
import org.junit.jupiter.api.Test;

class SnapshotTest extends StoreTest {

    @EventType("account-state")
    public record AccountState(String owner, long balance, List<String> history) {
    }

    public record OtherState(int value) {
    }


    @Test
    void a_recorded_snapshot_reads_back_with_its_version_type_data_and_metadata() {
        AccountState state = new AccountState("ada", 42, List.of("opened", "deposited"));

        store.recordSnapshot(new SnapshotData("account-1", 12, null, state, Map.of("by", "test"), null));

        SnapshotData read = store.readSnapshot("account-1").orElseThrow();
        assertThat(read.sourceId()).isEqualTo("account-1");
        assertThat(read.sourceVersion()).isEqualTo(12);
        assertThat(read.sourceType()).isEqualTo("account-state");
        assertThat(read.data()).isEqualTo(state);
        assertThat(read.metadata().get("by")).isEqualTo("test");
        assertThat(read.createdAt()).isNotNull();
    }

    @Test
    void recording_again_replaces_the_previous_snapshot() {
        store.recordSnapshot(new SnapshotData("account-2", 3, null, new AccountState("bob", 1, List.of()),
                Map.of("old", true), null));

        store.recordSnapshot(SnapshotData.of("account-2", 9, new OtherState(7)));

        SnapshotData read = store.readSnapshot("account-2").orElseThrow();
        assertThat(read.sourceVersion()).isEqualTo(9);
        assertThat(read.sourceType()).isEqualTo(OtherState.class.getName());
        assertThat(read.data()).isEqualTo(new OtherState(7));
        assertThat(read.metadata()).isEmpty();
        assertThat(stores.longs("SELECT count(*) FROM " + stores.table("snapshots")
                + " WHERE source_uuid = 'account-2'")).containsExactly(1L);
    }

    @Test
    void a_deleted_snapshot_is_absent_and_deleting_an_absent_one_is_no_error() {
        store.recordSnapshot(SnapshotData.of("account-3", 1, new OtherState(1)));
        store.recordSnapshot(SnapshotData.of("account-4", 1, new OtherState(2)));

        store.deleteSnapshot("account-3");
        store.deleteSnapshot("account-3");
        store.deleteSnapshot("never-recorded");

        assertThat(store.readSnapshot("account-3")).isEmpty();
        assertThat(store.readSnapshot("account-4")).map(SnapshotData::data).contains(new OtherState(2));
    }

    @Test
    void a_snapshot_that_was_never_recorded_is_absent() {
        assertThat(store.readSnapshot("nobody")).isEmpty();
    }
}
