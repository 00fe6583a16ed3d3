package org.jeventstore.web;

import static org.assertj.core.api.Assertions.assertThat;

import jakarta.json.Json;
import jakarta.json.JsonArray;
import jakarta.json.JsonObject;
import java.io.StringReader;
import java.sql.Connection;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import org.jeventstore.EventData;
import org.jeventstore.ExpectedVersion;
import org.jeventstore.JsonEvent;
import org.jeventstore.MultiEventUpcaster;
import org.jeventstore.postgres.PostgresEventStore;
import org.jeventstore.testkit.Postgres;
import org.jeventstore.testkit.PostgresServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A page of the HTTP read API over a real store whose upcaster splits one stored event into three: a page never
 * ends between the events of one stored event, since a client continues after the last event number it got.
 */
@Timeout(60)
class ReadPageTest {

    static final PostgresServer db = Postgres.shared();
    final String schema = "w_" + Long.toString(ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE, 36);
    PostgresEventStore store;

    @BeforeEach
    void open() {
        MultiEventUpcaster split = e -> {
            List<JsonEvent> parts = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                parts.add(e.as("web-part", 1, e.data()));
            }
            return parts;
        };
        store = PostgresEventStore.builder(db.dataSource()).schema(schema).upcaster("web-batch", 1, split).build();
    }

    @AfterEach
    void close() throws Exception {
        store.close();
        try (Connection c = db.connect(); Statement st = c.createStatement()) {
            st.execute("DROP SCHEMA IF EXISTS \"" + schema + "\" CASCADE");
        }
    }

    private JsonArray page(StreamsResource resource, long start) {
        String body = resource.page("s-1", true, start, 100);
        return Json.createReader(new StringReader(body)).readArray();
    }

    @Test
    void the_byte_limit_ends_a_page_before_a_split_stored_event_never_inside_it() {
        String text = "x".repeat(400);
        store.appendToStream("s-1", ExpectedVersion.noStream(), List.of(EventData.of("web-small", Map.of("t", "a")),
                EventData.of("web-batch", Map.of("t", text)), EventData.of("web-small", Map.of("t", "b"))));
        StreamsResource resource = new StreamsResource();
        resource.store = store;
        // room for the small event and one part, not for all three parts
        resource.limits = new HttpLimits(1 << 20, 100, 100, 1_400);

        JsonArray first = page(resource, 1);
        assertThat(first).hasSize(1);
        assertThat(first.getJsonObject(0).getString("eventType")).isEqualTo("web-small");

        // the next page starts at the split event: its three parts come whole, past the byte limit
        JsonArray second = page(resource, 2);
        assertThat(second).hasSize(3);
        for (JsonObject part : second.getValuesAs(JsonObject.class)) {
            assertThat(part.getString("eventType")).isEqualTo("web-part");
            assertThat(part.getString("storedType")).isEqualTo("web-batch");
            assertThat(part.getJsonNumber("eventNumber").longValue()).isEqualTo(2);
        }
        assertThat(page(resource, 3)).hasSize(1);
    }
}
