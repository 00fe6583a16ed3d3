package org.jeventstore.storage;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jeventstore.EventData;
import org.jeventstore.ExpectedVersion;
import org.jeventstore.config.SchemaName;
import org.jeventstore.storage.Sql;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.jeventstore.testsupport.TestStores;

/**
 * A page of {@code $all} costs its page wherever it starts: PostgreSQL walks the index of stream 0 in order and
 * stops at the page's end, in the plans made for the first executions of the statement on a connection (planned
 * with the page's bounds) and in the one it may keep afterwards. Before, the statement hid from the planner which
 * stream it read; for a store of few long streams the planner then joined every event from the page's start to the
 * end of {@code $all} and sorted them to return the first few (about 170 ms a page at 100,000 events, growing with
 * the log), on each of the first nine reads of every pooled connection. The statement now binds the id of
 * {@code $all} as a parameter.
 */
class PageReadPlanTest {

    public record Tick(int n) {
    }

    static final int STREAMS = 20;
    static final int PER_STREAM = 500;
    static final int PAGE = 100;
    private static final Pattern STREAM_EVENTS_ROWS = Pattern.compile("on stream_events.*?rows=(\\d+)");

    @RegisterExtension
    static final TestStores stores = new TestStores();

    @BeforeAll
    static void load() {
        List<EventData> batch = new ArrayList<>();
        for (int i = 0; i < PER_STREAM; i++) {
            batch.add(EventData.of(new Tick(i)));
        }
        for (int s = 0; s < STREAMS; s++) {
            stores.store.appendToStream("plan-" + s, ExpectedVersion.noStream(), batch);
        }
        stores.store.linkNow();
        stores.execute("ANALYZE " + stores.table("stream_events"));
        stores.execute("ANALYZE " + stores.table("events"));
        stores.execute("ANALYZE " + stores.table("streams"));
    }

    @Test
    @Timeout(60)
    void a_page_of_all_reads_only_its_rows_in_the_first_plans_and_in_the_kept_one() throws SQLException {
        // Starts with at least a fifth of $all ahead of them (near its end the planner rightly reads what is left)
        int total = STREAMS * PER_STREAM;
        long[] forwardStarts = {total / 2, total / 4, 3L * total / 4, 10, total / 3, total / 2 + 7, 4L * total / 5,
            total / 5, total / 2};
        assertPagesReadOnlyTheirRows("read-all-forward", forwardStarts);
        long[] backwardStarts = {total / 2, 3L * total / 4, total / 4, total - 10, 2L * total / 3, total / 2 - 7,
            total / 5, 4L * total / 5, total / 2};
        assertPagesReadOnlyTheirRows("read-all-backward", backwardStarts);
    }

    /**
     * Prepares the store's page statement on one session and runs it from each start in turn, as a pooled
     * connection does (PostgreSQL plans the first five executions with their values, then may keep a generic
     * plan), asking each time how many index entries of stream_events the executed plan read.
     */
    private static void assertPagesReadOnlyTheirRows(String statement, long[] starts) throws SQLException {
        NamedStatement named = new Sql(new SchemaName(stores.schema)).named(statement);
        assertThat(named.inputs()).containsExactly("all_stream_id", "from", "count");
        String sql = named.jdbc();
        int n = 0;
        StringBuilder numbered = new StringBuilder();
        for (char ch : sql.toCharArray()) {
            numbered.append(ch == '?' ? "$" + (++n) : String.valueOf(ch));
        }
        assertThat(n).as("parameters of %s on $all", statement).isEqualTo(3);
        try (Connection c = stores.server.dataSource().getConnection(); Statement st = c.createStatement()) {
            st.execute("PREPARE page(bigint, bigint, int) AS " + numbered);
            for (long start : starts) {
                StringBuilder plan = new StringBuilder();
                try (ResultSet rs = st.executeQuery("EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF) EXECUTE page(0, "
                        + start + ", " + PAGE + ")")) {
                    while (rs.next()) {
                        plan.append(rs.getString(1)).append('\n');
                    }
                }
                Matcher m = STREAM_EVENTS_ROWS.matcher(plan);
                assertThat(m.find()).as("a scan of stream_events in\n%s", plan).isTrue();
                assertThat(Long.parseLong(m.group(1)))
                        .as("index entries of stream_events read for a page of %d from %d (%s):\n%s", PAGE, start,
                                statement, plan)
                        .isLessThanOrEqualTo(PAGE + 1);
            }
            st.execute("DEALLOCATE page");
        }
    }
}
