package org.jeventstore.serialization;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.jeventstore.ConfigurationException;
import org.jeventstore.EventType;
import org.jeventstore.SerializationException;
import org.junit.jupiter.api.Test;

class JsonbEventSerializerTest {

    public record Sample(int v) {
    }

    @EventType("sample-opened")
    public record Opened(String owner, long cents) {
    }

    /** Another class claiming the same type name (a second version, or another module's copy). */
    @EventType("sample-opened")
    public record OpenedAgain(String owner) {
    }

    public interface Shape {
    }

    public abstract static class AbstractShape implements Shape {
    }

    @Test
    void an_event_type_name_reads_as_a_json_value_until_its_class_is_registered() {
        JsonbEventSerializer serializer = new JsonbEventSerializer();
        String json = "{\"owner\":\"ada\",\"cents\":5}";
        // what a server that never wrote an Opened used to hand its observers
        assertThat(serializer.fromJson("sample-opened", json)).isInstanceOf(Map.class);

        serializer.register(Opened.class);

        assertThat(serializer.fromJson("sample-opened", json)).isEqualTo(new Opened("ada", 5));
        assertThat(serializer.typeNameOf(Opened.class)).isEqualTo("sample-opened");
    }

    @Test
    void the_first_class_registered_under_a_name_keeps_it() {
        JsonbEventSerializer serializer = new JsonbEventSerializer().register(Opened.class, OpenedAgain.class);

        assertThat(serializer.fromJson("sample-opened", "{\"owner\":\"ada\",\"cents\":5}"))
                .isEqualTo(new Opened("ada", 5));
    }

    @Test
    void interfaces_abstract_classes_arrays_and_primitives_are_refused_naming_the_type() {
        JsonbEventSerializer serializer = new JsonbEventSerializer();
        for (Class<?> type : List.of(Shape.class, AbstractShape.class, Opened[].class, int.class)) {
            assertThatThrownBy(() -> serializer.register(type)).isInstanceOf(ConfigurationException.class)
                    .hasMessageContaining(type.getTypeName());
        }
        assertThatThrownBy(() -> serializer.register((Class<?>) null)).isInstanceOf(ConfigurationException.class);
    }

    @Test
    void bind_turns_a_json_value_or_another_class_into_the_class_asked_for() {
        JsonbEventSerializer serializer = new JsonbEventSerializer();
        Object read = serializer.fromJson("sample-opened", "{\"owner\":\"ada\",\"cents\":5}");
        Opened opened = new Opened("ada", 5);

        assertThat(serializer.bind(read, Opened.class)).isEqualTo(opened);
        assertThat(serializer.bind(opened, Opened.class)).isSameAs(opened);
        assertThat(serializer.bind(opened, OpenedAgain.class)).isEqualTo(new OpenedAgain("ada"));
    }

    @Test
    void data_of_another_shape_or_null_does_not_bind() {
        JsonbEventSerializer serializer = new JsonbEventSerializer();

        assertThatThrownBy(() -> serializer.bind("just text", Opened.class))
                .isInstanceOf(SerializationException.class).hasMessageContaining(Opened.class.getName());
        assertThatThrownBy(() -> serializer.bind(Map.of("cents", "not a number"), Opened.class))
                .isInstanceOf(SerializationException.class).hasMessageContaining(Opened.class.getName());
        assertThatThrownBy(() -> serializer.bind(null, Opened.class))
                .isInstanceOf(SerializationException.class).hasMessageContaining(Opened.class.getName());
    }

    /** Counts its instances: a class a stored type name should never get bound to. */
    public static class Planted {
        static final java.util.concurrent.atomic.AtomicInteger CREATED = new java.util.concurrent.atomic.AtomicInteger();

        public int v;

        public Planted() {
            CREATED.incrementAndGet();
        }
    }

    @Test
    void a_stored_class_name_outside_the_registered_classes_and_allowed_packages_is_never_loaded_or_bound() {
        JsonbEventSerializer serializer = new JsonbEventSerializer().register(Sample.class)
                .allowPackages(java.util.List.of("com.example.events"));
        assertThat(serializer.fromJson(Planted.class.getName(), "{\"v\":1}")).isEqualTo(Map.of("v",
                java.math.BigDecimal.ONE));
        assertThat(Planted.CREATED).hasValue(0);
        // a registered class still binds, by its name, before this serializer has written one
        assertThat(serializer.fromJson(Sample.class.getName(), "{\"v\":1}")).isEqualTo(new Sample(1));
        // a package is a whole name, not a string prefix
        JsonbEventSerializer near = new JsonbEventSerializer().allowPackages(java.util.List.of("org.jeventstore.serial"));
        assertThat(near.fromJson(Planted.class.getName(), "{\"v\":1}")).isInstanceOf(Map.class);
        assertThat(Planted.CREATED).hasValue(0);
        assertThatThrownBy(() -> new JsonbEventSerializer().allowPackages(java.util.List.of("java.lang;x")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("java.lang;x");
    }

    @Test
    void a_class_name_in_an_allowed_package_is_loaded_by_name() {
        JsonbEventSerializer serializer = new JsonbEventSerializer()
                .allowPackages(java.util.List.of("org.jeventstore.serialization"));
        assertThat(serializer.fromJson(Sample.class.getName(), "{\"v\":2}")).isEqualTo(new Sample(2));
    }

    @Test
    void a_type_one_class_loader_cannot_see_is_still_resolved_for_a_loader_that_can() {
        JsonbEventSerializer serializer = new JsonbEventSerializer()
                .allowPackages(java.util.List.of("org.jeventstore.serialization"));
        String type = Sample.class.getName();
        Thread thread = Thread.currentThread();
        ClassLoader original = thread.getContextClassLoader();
        try {
            // like another module of an EAR that does not see this class
            thread.setContextClassLoader(ClassLoader.getPlatformClassLoader());
            assertThat(serializer.fromJson(type, "{\"v\":1}")).isInstanceOf(Map.class);
        } finally {
            thread.setContextClassLoader(original);
        }
        assertThat(serializer.fromJson(type, "{\"v\":1}")).isEqualTo(new Sample(1));
    }

    @Test
    void text_that_is_not_json_is_a_serialization_exception_for_known_and_unknown_types_and_metadata() {
        JsonbEventSerializer serializer = new JsonbEventSerializer().register(Sample.class);

        for (String type : new String[] {Sample.class.getName(), "Elixir.Unknown"}) {
            assertThatThrownBy(() -> serializer.fromJson(type, "{not json"))
                    .as("type %s", type).isInstanceOf(SerializationException.class).hasMessageContaining(type);
        }
        assertThatThrownBy(() -> serializer.metadataFromJson("{not json"))
                .isInstanceOf(SerializationException.class).hasMessageContaining("metadata");
        assertThatThrownBy(() -> serializer.metadataFromJson("\u0083m"))
                .isInstanceOf(SerializationException.class);
    }
}
