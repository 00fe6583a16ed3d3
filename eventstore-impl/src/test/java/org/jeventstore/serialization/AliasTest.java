package org.jeventstore.serialization;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.jeventstore.ConfigurationException;
import org.jeventstore.EventType;
import org.junit.jupiter.api.Test;

/** A class's old names ({@code @EventType(aliases)}): read as the class, reported under its current name. */
class AliasTest {

    @EventType(value = "alias-order-placed", aliases = {"AliasOrderCreated", "Elixir.Shop.Events.OrderCreated"})
    public record OrderPlaced(String orderId) {
    }

    /** Claims an old name of OrderPlaced as its own. */
    @EventType("AliasOrderCreated")
    public record Imposter(String orderId) {
    }

    /** Claims an old name of OrderPlaced as an old name of its own. */
    @EventType(value = "alias-other", aliases = "Elixir.Shop.Events.OrderCreated")
    public record Other(String orderId) {
    }

    @EventType(value = "alias-self", aliases = "alias-self")
    public record Self(String v) {
    }

    @EventType(value = "alias-blank", aliases = " ")
    public record Blank(String v) {
    }

    @EventType(value = "alias-bad-revision", revision = 0)
    public record BadRevision(String v) {
    }

    @Test
    void every_alias_of_a_registered_class_reads_as_the_class_and_under_its_current_name() {
        JsonbEventSerializer serializer = new JsonbEventSerializer();
        assertThat(serializer.currentName("AliasOrderCreated")).isEqualTo("AliasOrderCreated");
        assertThat(serializer.fromJson("AliasOrderCreated", "{\"orderId\":\"o-1\"}")).isInstanceOf(Map.class);

        serializer.register(OrderPlaced.class);

        for (String stored : new String[] {"alias-order-placed", "AliasOrderCreated",
                "Elixir.Shop.Events.OrderCreated"}) {
            assertThat(serializer.currentName(stored)).isEqualTo("alias-order-placed");
            assertThat(serializer.fromJson(stored, "{\"orderId\":\"o-1\"}")).isEqualTo(new OrderPlaced("o-1"));
            assertThat(serializer.knows(stored)).isTrue();
            assertThat(serializer.classOf(stored)).isEqualTo(OrderPlaced.class);
        }
        assertThat(serializer.currentName("SomethingElse")).isEqualTo("SomethingElse");
        assertThat(serializer.knows("SomethingElse")).isFalse();
        // appends write the current name only
        assertThat(serializer.typeName(new OrderPlaced("o-2"))).isEqualTo("alias-order-placed");
    }

    @Test
    void a_class_first_seen_by_an_append_brings_its_aliases() {
        JsonbEventSerializer serializer = new JsonbEventSerializer();

        serializer.typeName(new OrderPlaced("o-1"));

        assertThat(serializer.currentName("Elixir.Shop.Events.OrderCreated")).isEqualTo("alias-order-placed");
    }

    @Test
    void a_name_is_one_types_only_and_a_conflict_is_refused_naming_both_classes() {
        JsonbEventSerializer serializer = new JsonbEventSerializer().register(OrderPlaced.class);

        assertThatThrownBy(() -> serializer.register(Imposter.class)).isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("'AliasOrderCreated'").hasMessageContaining(Imposter.class.getName())
                .hasMessageContaining(OrderPlaced.class.getName());
        assertThatThrownBy(() -> serializer.register(Other.class)).isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("'Elixir.Shop.Events.OrderCreated'").hasMessageContaining(Other.class.getName())
                .hasMessageContaining(OrderPlaced.class.getName());
        // and in the other order: a class's current name cannot become another's alias
        JsonbEventSerializer other = new JsonbEventSerializer().register(Imposter.class);
        assertThatThrownBy(() -> other.register(OrderPlaced.class)).isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("'AliasOrderCreated'");
        // nothing of a refused class was registered
        assertThat(serializer.currentName("alias-other")).isEqualTo("alias-other");
        assertThat(serializer.knows("alias-other")).isFalse();
    }

    @Test
    void blank_aliases_an_alias_of_its_own_name_and_a_revision_below_one_are_refused() {
        JsonbEventSerializer serializer = new JsonbEventSerializer();
        assertThatThrownBy(() -> serializer.register(Self.class)).isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("its own current name");
        assertThatThrownBy(() -> serializer.register(Blank.class)).isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("must not be blank");
        assertThatThrownBy(() -> serializer.register(BadRevision.class)).isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("revision must be >= 1, was 0");
    }
}
