package org.jeventstore.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.jeventstore.EventData;
import org.jeventstore.InvalidRequestException;
import org.junit.jupiter.api.Test;

class AppendBodyTest {

    static final HttpLimits LIMITS = new HttpLimits(200, 3, 10, 1000);

    static List<EventData> read(String body) {
        return AppendBody.read(new ByteArrayInputStream(body.getBytes(StandardCharsets.UTF_8)), LIMITS);
    }

    static void refused(String body, String message) {
        assertThatThrownBy(() -> read(body)).as(body).isInstanceOf(InvalidRequestException.class)
                .hasMessageContaining(message);
    }

    @Test
    void a_well_formed_body_becomes_events_with_plain_json_data_and_metadata() {
        UUID id = UUID.randomUUID();
        List<EventData> events = read("[{\"eventId\":\"" + id + "\",\"eventType\":\"t\",\"data\":{\"a\":[1,true]},"
                + "\"metadata\":{\"m\":\"x\"}},{\"eventType\":\"u\",\"data\":\"text\"}]");
        assertThat(events).hasSize(2);
        assertThat(events.get(0).eventId()).isEqualTo(id);
        assertThat(events.get(0).data()).isEqualTo(Map.of("a", List.of(BigDecimal.ONE, true)));
        assertThat(events.get(0).metadata()).isEqualTo(Map.of("m", "x"));
        assertThat(events.get(1).data()).isEqualTo("text");
    }

    @Test
    void malformed_json_says_where_without_the_parsers_text() {
        assertThatThrownBy(() -> read("garbage")).isInstanceOf(InvalidRequestException.class)
                .hasMessageStartingWith("request body is not valid JSON").hasMessageNotContaining("Unexpected char");
        refused("[{\"eventType\":\"t\",", "not valid JSON");
        refused("", "empty");
    }

    @Test
    void a_wrong_shape_names_the_event_and_field() {
        refused("{\"eventType\":\"t\",\"data\":1}", "must be a JSON array of events, was a JSON object");
        refused("[]", "at least one event");
        refused("[1]", "events[0] must be a JSON object");
        refused("[{\"eventType\":\"t\",\"data\":1},{\"data\":1}]", "events[1].eventType is required");
        refused("[{\"eventType\":5,\"data\":1}]", "events[0].eventType must be a string");
        refused("[{\"eventType\":\" \",\"data\":1}]", "events[0].eventType must not be blank");
        refused("[{\"eventType\":\"t\"}]", "events[0].data is required");
        refused("[{\"eventType\":\"t\",\"data\":null}]", "events[0].data is required");
        refused("[{\"eventType\":\"t\",\"data\":1,\"metadata\":[1]}]", "events[0].metadata must be a JSON object");
        refused("[{\"eventType\":\"t\",\"data\":1,\"metadata\":{\"k\":null}}]", "events[0].metadata.k must not be null");
        refused("[{\"eventType\":\"t\",\"data\":1,\"eventId\":\"nope\"}]", "events[0].eventId must be a UUID");
        refused("[{\"eventType\":\"t\",\"data\":1,\"extra\":1}]", "unknown field 'extra'");
        refused("[{\"eventType\":\"t\",\"data\":\"a\\u0000b\"}]", "\\u0000");
        refused("[{\"eventType\":\"t\",\"data\":1e999999}]", "out of range");
    }

    @Test
    void more_events_than_allowed_are_refused_and_a_body_past_its_limit_is_413_without_reading_on() {
        refused("[{\"eventType\":\"t\",\"data\":1},{\"eventType\":\"t\",\"data\":1},{\"eventType\":\"t\",\"data\":1},"
                + "{\"eventType\":\"t\",\"data\":1}]", "at most 3 events");
        byte[] big = ("[{\"eventType\":\"t\",\"data\":\"" + "x".repeat(300) + "\"}]").getBytes(StandardCharsets.UTF_8);
        ByteArrayInputStream in = new ByteArrayInputStream(big);
        assertThatThrownBy(() -> AppendBody.read(in, LIMITS)).isInstanceOf(RequestProblem.class)
                .hasMessageContaining("larger than 200 bytes")
                .satisfies(e -> assertThat(((RequestProblem) e).status()).isEqualTo(413));
        assertThat(in.available()).isEqualTo(big.length - 201);
    }
}
