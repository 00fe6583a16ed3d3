package org.jeventstore.cdi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.jeventstore.testsupport.Configs.config;

import java.util.Map;
import org.jeventstore.ConfigurationException;
import org.jeventstore.DataFormat;
import org.junit.jupiter.api.Test;

/** The store-wide MicroProfile Config keys that shape a new schema. */
class EventStoreConfigTest {

    @Test
    void new_schemas_get_jsonb_columns_unless_configured_otherwise() {
        assertThat(EventStoreConfig.from(config(Map.of())).settings().columnType())
                .isEqualTo(DataFormat.JSONB);
        assertThat(EventStoreConfig.from(config(Map.of("eventstore.column-data-type", " BYTEA ")))
                .settings().columnType()).isEqualTo(DataFormat.BYTEA);
        assertThat(EventStoreConfig.from(config(Map.of("eventstore.column-data-type", "jsonb")))
                .settings().columnType()).isEqualTo(DataFormat.JSONB);
    }

    @Test
    void another_column_type_is_refused_naming_the_key_and_the_value() {
        assertThatThrownBy(() -> EventStoreConfig.from(config(Map.of("eventstore.column-data-type", "text"))))
                .isInstanceOf(ConfigurationException.class)
                .hasMessage("eventstore.column-data-type must be jsonb or bytea, was 'text'");
    }
}
