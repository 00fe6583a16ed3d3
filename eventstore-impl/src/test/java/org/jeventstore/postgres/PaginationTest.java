package org.jeventstore.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.jeventstore.DeleteMode;
import org.jeventstore.EventData;
import org.jeventstore.ExpectedVersion;
import org.jeventstore.Page;
import org.jeventstore.StreamInfo;
import org.jeventstore.StreamNotFoundException;
import org.jeventstore.StreamQuery;
import org.jeventstore.StreamQuery.SortBy;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Stream information and the paged stream listing, on a schema holding exactly the streams made here. */
class PaginationTest {

    public record Tick(int n) {
    }

    static TestStores stores;
    static PostgresEventStore store;

    /** In creation order, with how many events each gets. */
    static final List<String> STREAMS = List.of("pg-delta", "pg-alpha", "other-1", "pg-charlie", "a_b", "axb", "pg-bravo");
    static final List<Integer> SIZES = List.of(4, 1, 7, 2, 3, 5, 6);

    @BeforeAll
    static void open() {
        stores = new TestStores();
        store = stores.store;
        for (int i = 0; i < STREAMS.size(); i++) {
            List<EventData> events = new ArrayList<>();
            for (int n = 0; n < SIZES.get(i); n++) {
                events.add(EventData.of(new Tick(n)));
            }
            store.appendToStream(STREAMS.get(i), ExpectedVersion.noStream(), events);
        }
        store.deleteStream("axb", ExpectedVersion.any(), DeleteMode.SOFT);
        store.deleteStream("other-1", ExpectedVersion.any(), DeleteMode.SOFT);
    }

    @AfterAll
    static void close() {
        stores.close();
    }

    private static Page<StreamInfo> page(int number, int size, String search, SortBy sort, boolean ascending) {
        return store.paginateStreams(new StreamQuery(number, size, search, sort, ascending));
    }

    private static List<String> ids(Page<StreamInfo> page) {
        return page.entries().stream().map(StreamInfo::streamId).toList();
    }

    @Test
    void stream_info_reports_version_creation_and_deletion() {
        StreamInfo alpha = store.streamInfo("pg-alpha");
        assertThat(alpha.streamId()).isEqualTo("pg-alpha");
        assertThat(alpha.version()).isEqualTo(1);
        assertThat(alpha.createdAt()).isNotNull();
        assertThat(alpha.deleted()).isFalse();

        StreamInfo deleted = store.streamInfo("axb");
        assertThat(deleted.version()).isEqualTo(5);
        assertThat(deleted.deletedAt()).isNotNull().isAfterOrEqualTo(deleted.createdAt());

        assertThat(store.streamInfo("$all").version()).isEqualTo(SIZES.stream().mapToInt(Integer::intValue).sum());
        assertThatThrownBy(() -> store.streamInfo("pg-missing"))
                .isInstanceOf(StreamNotFoundException.class).hasMessageContaining("pg-missing");
    }

    @Test
    void all_streams_are_listed_in_creation_order_by_default_without_all() {
        Page<StreamInfo> page = store.paginateStreams(StreamQuery.firstPage(100));

        assertThat(ids(page)).containsExactlyElementsOf(STREAMS);
        assertThat(page.entries()).extracting(StreamInfo::version)
                .containsExactlyElementsOf(SIZES.stream().map(Integer::longValue).toList());
        assertThat(page.totalCount()).isEqualTo(STREAMS.size());
        assertThat(page.pageNumber()).isEqualTo(1);
        assertThat(page.pageSize()).isEqualTo(100);
        assertThat(page.entries().stream().filter(StreamInfo::deleted).map(StreamInfo::streamId))
                .containsExactlyInAnyOrder("axb", "other-1");
    }

    @Test
    void a_search_matches_a_literal_substring_of_the_stream_id() {
        assertThat(ids(page(1, 100, "pg-", SortBy.STREAM_ID, true)))
                .containsExactly("pg-delta", "pg-alpha", "pg-charlie", "pg-bravo");
        assertThat(ids(page(1, 100, "a_b", SortBy.STREAM_ID, true))).as("_ is no wildcard").containsExactly("a_b");
        assertThat(ids(page(1, 100, "%", SortBy.STREAM_ID, true))).as("%% is no wildcard").isEmpty();
        assertThat(ids(page(1, 100, "ALPHA", SortBy.STREAM_ID, true))).isEmpty();
        assertThat(ids(page(1, 100, "all", SortBy.STREAM_ID, true))).isEmpty();
        assertThat(page(1, 100, "", SortBy.STREAM_ID, true).totalCount()).isEqualTo(STREAMS.size());
        assertThat(page(1, 100, "nothing-like-this", SortBy.STREAM_ID, true).totalCount()).isZero();
    }

    @Test
    void pages_split_the_matches_and_report_the_total_count() {
        Page<StreamInfo> first = page(1, 3, "pg-", SortBy.STREAM_UUID, true);
        Page<StreamInfo> second = page(2, 3, "pg-", SortBy.STREAM_UUID, true);
        Page<StreamInfo> beyond = page(3, 3, "pg-", SortBy.STREAM_UUID, true);

        assertThat(ids(first)).containsExactly("pg-alpha", "pg-bravo", "pg-charlie");
        assertThat(ids(second)).containsExactly("pg-delta");
        assertThat(beyond.entries()).isEmpty();
        for (Page<StreamInfo> p : List.of(first, second, beyond)) {
            assertThat(p.totalCount()).isEqualTo(4);
            assertThat(p.totalPages()).isEqualTo(2);
            assertThat(p.pageSize()).isEqualTo(3);
        }
        assertThat(second.pageNumber()).isEqualTo(2);
        assertThat(beyond.pageNumber()).isEqualTo(3);
        assertThat(page(1, 1, null, SortBy.STREAM_ID, false).entries()).extracting(StreamInfo::streamId)
                .containsExactly("pg-bravo");
    }

    @Test
    void every_sort_key_sorts_both_ways() {
        assertThat(ids(page(1, 100, null, SortBy.STREAM_UUID, true)))
                .containsExactly("a_b", "axb", "other-1", "pg-alpha", "pg-bravo", "pg-charlie", "pg-delta");
        assertThat(ids(page(1, 100, null, SortBy.STREAM_UUID, false)))
                .containsExactly("pg-delta", "pg-charlie", "pg-bravo", "pg-alpha", "other-1", "axb", "a_b");
        assertThat(ids(page(1, 100, null, SortBy.STREAM_VERSION, true)))
                .containsExactly("pg-alpha", "pg-charlie", "a_b", "pg-delta", "axb", "pg-bravo", "other-1");
        assertThat(ids(page(1, 100, null, SortBy.STREAM_VERSION, false)))
                .containsExactly("other-1", "pg-bravo", "axb", "pg-delta", "a_b", "pg-charlie", "pg-alpha");
        List<String> reversed = new ArrayList<>(STREAMS);
        java.util.Collections.reverse(reversed);
        assertThat(ids(page(1, 100, null, SortBy.STREAM_ID, false))).containsExactlyElementsOf(reversed);
        // Each stream was created in its own transaction, one after the other.
        assertThat(ids(page(1, 100, null, SortBy.CREATED_AT, true))).containsExactlyElementsOf(STREAMS);
        assertThat(ids(page(1, 100, null, SortBy.CREATED_AT, false))).containsExactlyElementsOf(reversed);
        // Deleted streams by deletion time ("axb" first); streams never deleted have no deletion time.
        List<String> byDeletion = ids(page(1, 100, null, SortBy.DELETED_AT, true));
        assertThat(byDeletion).hasSize(STREAMS.size());
        assertThat(byDeletion.indexOf("axb")).isLessThan(byDeletion.indexOf("other-1"));
        List<String> byDeletionDescending = ids(page(1, 100, null, SortBy.DELETED_AT, false));
        assertThat(byDeletionDescending.indexOf("other-1")).isLessThan(byDeletionDescending.indexOf("axb"));
        assertThat(ids(page(1, 2, "x", SortBy.DELETED_AT, true))).containsExactly("axb");
    }
}
