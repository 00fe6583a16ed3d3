package org.jeventstore.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.jeventstore.ConfigurationException;
import org.jeventstore.EventData;
import org.jeventstore.EventStore;
import org.jeventstore.EventType;
import org.jeventstore.ExpectedVersion;
import org.jeventstore.RecordedEvent;
import org.jeventstore.SerializationException;
import org.junit.jupiter.api.Test;

/** {@code builder(...).eventTypes(...)}: a store reads events of classes it has never written as those classes. */
class EventTypesTest extends StoreTest {

    @EventType("types-test-account-opened")
    public record AccountOpened(String owner, long cents) {
    }

    public interface AccountEvent {
    }

    private static PostgresEventStore anotherServer(Class<?>... types) {
        return PostgresEventStore.builder(stores.dataSource).schema(stores.schema).eventTypes(types).build();
    }

    @Test
    void a_store_reads_an_event_type_name_it_never_wrote_as_the_registered_class() {
        // written by this test's store; read by stores with serializers of their own, as other servers would
        store.appendToStream("acc-1", ExpectedVersion.noStream(), List.of(EventData.of(new AccountOpened("ada", 5))));

        RecordedEvent registered = anotherServer(AccountOpened.class).readStreamForward("acc-1", 1, 1).get(0);
        RecordedEvent unregistered = anotherServer().readStreamForward("acc-1", 1, 1).get(0);

        assertThat(registered.eventType()).isEqualTo("types-test-account-opened");
        assertThat(registered.data()).isEqualTo(new AccountOpened("ada", 5));
        // what every server that had not appended one saw before: the JSON value
        assertThat(unregistered.data()).isInstanceOf(Map.class);
    }

    @Test
    void the_store_exposes_its_serializer_with_the_registered_types() {
        PostgresEventStore reader = anotherServer(AccountOpened.class);

        assertThat(reader.serializer().typeNameOf(AccountOpened.class)).isEqualTo("types-test-account-opened");
        assertThat(reader.serializer().fromJson("types-test-account-opened", "{\"owner\":\"bo\",\"cents\":1}"))
                .isEqualTo(new AccountOpened("bo", 1));
    }

    @Test
    void a_type_that_cannot_be_read_into_is_refused_when_the_store_is_built() {
        assertThatThrownBy(() -> anotherServer(AccountEvent.class)).isInstanceOf(ConfigurationException.class)
                .hasMessageContaining(AccountEvent.class.getName());
        assertThatThrownBy(() -> PostgresEventStore.builder(stores.dataSource)
                .eventTypes(Arrays.asList(AccountOpened.class, null)))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("null");
    }

    public record Misfit(java.util.UUID owner) {
    }

    @Test
    void data_of_a_class_reads_an_unregistered_type_into_that_class_and_names_the_event_when_it_does_not_fit() {
        store.appendToStream("acc-2", ExpectedVersion.noStream(), List.of(EventData.of(new AccountOpened("cy", 7))));
        RecordedEvent unregistered = anotherServer().readStreamForward("acc-2", 1, 1).get(0);

        assertThat(unregistered.data()).isInstanceOf(Map.class);
        AccountOpened bound = unregistered.data(AccountOpened.class);
        assertThat(bound).isEqualTo(new AccountOpened("cy", 7));
        assertThat(unregistered.data(AccountOpened.class)).isSameAs(bound); // read once per class
        assertThatThrownBy(() -> unregistered.data(Misfit.class)).isInstanceOf(SerializationException.class)
                .hasMessageContaining(unregistered.eventId().toString()).hasMessageContaining(Misfit.class.getName());
    }

    @Test
    void an_event_built_by_hand_says_how_to_register_instead_of_a_bare_class_cast() {
        RecordedEvent byHand = new RecordedEvent(1, java.util.UUID.randomUUID(), "s", 1, "t", Map.of("owner", "x"),
                Map.of(), null, null, null);

        assertThatThrownBy(() -> byHand.data(AccountOpened.class)).isInstanceOf(SerializationException.class)
                .hasMessageContaining("not registered").hasMessageContaining("registerEventTypes");
    }

    @Test
    void classes_registered_through_the_event_store_interface_read_as_themselves_from_then_on() {
        store.appendToStream("acc-3", ExpectedVersion.noStream(), List.of(EventData.of(new AccountOpened("di", 9))));
        EventStore reader = anotherServer();
        assertThat(reader.readStreamForward("acc-3", 1, 1).get(0).data()).isInstanceOf(Map.class);

        reader.registerEventTypes(AccountOpened.class);

        assertThat(reader.readStreamForward("acc-3", 1, 1).get(0).data()).isEqualTo(new AccountOpened("di", 9));
        assertThatThrownBy(() -> reader.registerEventTypes(AccountEvent.class))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining(AccountEvent.class.getName());
    }
}
