package org.jeventstore.serialization;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.jeventstore.SerializationException;
import org.junit.jupiter.api.Test;

class JsonbEventSerializerTest {

    public record Sample(int v) {
    }

    @Test
    void a_type_one_class_loader_cannot_see_is_still_resolved_for_a_loader_that_can() {
        JsonbEventSerializer serializer = new JsonbEventSerializer();
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
