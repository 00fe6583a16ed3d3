package org.jeventstore.cdi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.jeventstore.EventType;
import org.jeventstore.RecordedEvent;
import org.jeventstore.SerializationException;
import org.jeventstore.serialization.JsonbEventSerializer;
import org.junit.jupiter.api.Test;

/** Which payload observers get an event, and when an event must be refused instead of passed over. */
class PayloadRoutingTest {

    @EventType("routing-test-opened")
    public record Opened(String owner) {
    }

    public static class Base {
        public String id;
    }

    public static class Derived extends Base {
    }

    /** A serializer that has registered nothing: it reads {@code routing-test-opened} as a JSON value. */
    private final JsonbEventSerializer serializer = new JsonbEventSerializer();

    private static RecordedEvent event(long number, String type, Object data) {
        return new RecordedEvent(number, UUID.randomUUID(), "acc-7", number, type, data, Map.of(), null, null,
                OffsetDateTime.now());
    }

    @Test
    void data_of_a_declared_type_that_came_back_as_a_json_value_is_bound_to_the_observed_class() {
        PayloadRouting routing = new PayloadRouting("accounts", Set.of(Opened.class), serializer);

        List<PayloadRouting.Target> targets = routing.route(event(1, "routing-test-opened", Map.of("owner", "ada")));

        assertThat(targets).containsExactly(new PayloadRouting.Target(Opened.class, new Opened("ada")));
    }

    @Test
    void an_event_of_a_type_no_observer_declared_reaches_no_payload_observer() {
        PayloadRouting routing = new PayloadRouting("accounts", Set.of(Opened.class), serializer);

        assertThat(routing.route(event(2, "something-else", Map.of("owner", "ada")))).isEmpty();
        assertThat(routing.route(event(3, "Elixir.Bank.Deposited", "text"))).isEmpty();
    }

    @Test
    void an_instance_of_a_subclass_reaches_the_observer_of_its_superclass() {
        PayloadRouting routing = new PayloadRouting("accounts", Set.of(Base.class), serializer);
        Derived data = new Derived();

        assertThat(routing.route(event(4, Derived.class.getName(), data)))
                .containsExactly(new PayloadRouting.Target(Base.class, data));
    }

    @Test
    void data_of_a_declared_type_that_does_not_bind_refuses_the_event_naming_where_and_what() {
        PayloadRouting routing = new PayloadRouting("accounts", Set.of(Opened.class), serializer);

        for (Object misfit : new Object[] {"not an account", List.of(1, 2), null}) {
            assertThatThrownBy(() -> routing.route(event(9, "routing-test-opened", misfit)))
                    .isInstanceOf(SerializationException.class)
                    .hasMessageContaining("subscription 'accounts'").hasMessageContaining("event 9")
                    .hasMessageContaining("stream 'acc-7'").hasMessageContaining("'routing-test-opened'")
                    .hasMessageContaining(Opened.class.getName()).hasMessageContaining("Not acknowledged");
        }
    }
}
