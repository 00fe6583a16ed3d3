package org.jeventstore.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.jeventstore.DeleteMode;
import org.jeventstore.EventData;
import org.jeventstore.ExpectedVersion;
import org.jeventstore.Page;
import org.jeventstore.StreamDeletedException;
import org.jeventstore.StreamInfo;
import org.jeventstore.StreamNotFoundException;
import org.jeventstore.StreamQuery;
import org.jeventstore.StreamQuery.SortBy;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.jeventstore.testsupport.TestStores;

/** Stream information and the paged stream listing, on a schema holding exactly the streams made here. */
class PaginationTest {

    public record Tick(int n) {
    }

    @RegisterExtension
    static final TestStores stores = new TestStores();
    static final PostgresEventStore store = stores.store;

    /** In creation order, with how many events each gets. */
    static final List<String> STREAMS = List.of("pg-delta", "pg-alpha", "other-1", "pg-charlie", "a_b", "axb", "pg-bravo");
    static final List<Integer> SIZES = List.of(4, 1, 7, 2, 3, 5, 6);
    static final long TOTAL = SIZES.stream().mapToInt(Integer::intValue).sum();
    /** What the listing holds: $all (stream 0, created with the schema) and then the streams made here. */
    static final List<String> WITH_ALL = withAll("$all", STREAMS);

    private static <T> List<T> withAll(T first, List<T> rest) {
        List<T> list = new ArrayList<>();
        list.add(first);
        list.addAll(rest);
        return list;
    }

    private static List<String> withoutAll(List<String> ids) {
        assertThat(ids).contains("$all");
        return ids.stream().filter(id -> !id.equals("$all")).toList();
    }

    @BeforeAll
    static void open() {
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

        // As Elixir's stream_info: a soft-deleted stream is an error; the listing still shows it.
        assertThatThrownBy(() -> store.streamInfo("axb"))
                .isInstanceOf(StreamDeletedException.class).hasMessageContaining("axb");
        StreamInfo deleted = page(1, 10, "axb", SortBy.STREAM_ID, true).entries().get(0);
        assertThat(deleted.version()).isEqualTo(5);
        assertThat(deleted.deletedAt()).isNotNull().isAfterOrEqualTo(deleted.createdAt());

        assertThat(store.streamInfo("$all").version()).isEqualTo(SIZES.stream().mapToInt(Integer::intValue).sum());
        assertThatThrownBy(() -> store.streamInfo("pg-missing"))
                .isInstanceOf(StreamNotFoundException.class).hasMessageContaining("pg-missing");
    }

    @Test
    void all_streams_are_listed_in_creation_order_by_default_with_all_first_as_elixir_lists_them() {
        Page<StreamInfo> page = store.paginateStreams(StreamQuery.firstPage(100));

        assertThat(ids(page)).containsExactlyElementsOf(WITH_ALL);
        assertThat(page.entries()).extracting(StreamInfo::version)
                .containsExactlyElementsOf(withAll(TOTAL, SIZES.stream().map(Integer::longValue).toList()));
        assertThat(page.totalCount()).isEqualTo(STREAMS.size() + 1);
        assertThat(page.totalPages()).isEqualTo(1);
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
        assertThat(ids(page(1, 100, "all", SortBy.STREAM_ID, true))).containsExactly("$all");
        assertThat(page(1, 100, "", SortBy.STREAM_ID, true).totalCount()).isEqualTo(STREAMS.size() + 1);
        assertThat(page(1, 100, "nothing-like-this", SortBy.STREAM_ID, true).totalCount()).isZero();
    }

    @Test
    void an_empty_listing_has_one_page_as_elixirs_page() {
        Page<StreamInfo> none = page(1, 10, "nothing-like-this", SortBy.STREAM_ID, true);

        assertThat(none.entries()).isEmpty();
        assertThat(none.totalCount()).isZero();
        assertThat(none.totalPages()).isEqualTo(1);
        assertThat(page(3, 10, "nothing-like-this", SortBy.STREAM_ID, true).totalPages()).isEqualTo(1);
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
        // Where '$' sorts among letters depends on the database's collation: leave $all out of the text order.
        assertThat(withoutAll(ids(page(1, 100, null, SortBy.STREAM_UUID, true))))
                .containsExactly("a_b", "axb", "other-1", "pg-alpha", "pg-bravo", "pg-charlie", "pg-delta");
        assertThat(withoutAll(ids(page(1, 100, null, SortBy.STREAM_UUID, false))))
                .containsExactly("pg-delta", "pg-charlie", "pg-bravo", "pg-alpha", "other-1", "axb", "a_b");
        // $all's version is its last position: the sum of all
        assertThat(ids(page(1, 100, null, SortBy.STREAM_VERSION, true)))
                .containsExactly("pg-alpha", "pg-charlie", "a_b", "pg-delta", "axb", "pg-bravo", "other-1", "$all");
        assertThat(ids(page(1, 100, null, SortBy.STREAM_VERSION, false)))
                .containsExactly("$all", "other-1", "pg-bravo", "axb", "pg-delta", "a_b", "pg-charlie", "pg-alpha");
        List<String> reversed = new ArrayList<>(WITH_ALL);
        java.util.Collections.reverse(reversed);
        assertThat(ids(page(1, 100, null, SortBy.STREAM_ID, false))).containsExactlyElementsOf(reversed);
        // Each stream was created in its own transaction, one after the other, $all with the schema.
        assertThat(ids(page(1, 100, null, SortBy.CREATED_AT, true))).containsExactlyElementsOf(WITH_ALL);
        assertThat(ids(page(1, 100, null, SortBy.CREATED_AT, false))).containsExactlyElementsOf(reversed);
        // Deleted streams by deletion time ("axb" first); streams never deleted have no deletion time.
        List<String> byDeletion = ids(page(1, 100, null, SortBy.DELETED_AT, true));
        assertThat(byDeletion).hasSize(STREAMS.size() + 1);
        assertThat(byDeletion.indexOf("axb")).isLessThan(byDeletion.indexOf("other-1"));
        List<String> byDeletionDescending = ids(page(1, 100, null, SortBy.DELETED_AT, false));
        assertThat(byDeletionDescending.indexOf("other-1")).isLessThan(byDeletionDescending.indexOf("axb"));
        assertThat(ids(page(1, 2, "x", SortBy.DELETED_AT, true))).containsExactly("axb");
    }
}
