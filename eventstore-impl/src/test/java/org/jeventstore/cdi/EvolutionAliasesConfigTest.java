package org.jeventstore.cdi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.Connection;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import org.jeventstore.ConfigurationException;
import org.jeventstore.EventData;
import org.jeventstore.ExpectedVersion;
import org.jeventstore.RecordedEvent;
import org.jeventstore.postgres.PostgresEventStore;
import org.jeventstore.testkit.Postgres;
import org.jeventstore.testkit.PostgresServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@code eventstore.evolution.aliases}: renames of JSON types, as the container's store reads them. */
@Timeout(60)
class EvolutionAliasesConfigTest {

    static final PostgresServer db = Postgres.shared();

    @Test
    void stored_equals_current_pairs_rename_types_and_a_malformed_entry_is_refused_naming_it() throws Exception {
        String schema = "a_" + Long.toString(ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE, 36);
        PostgresEventStore.Builder builder = PostgresEventStore.builder(db.dataSource()).schema(schema);
        EventStoreRuntime.aliases(" legacy-opened = opened ,, old-closed=closed", builder);
        try (PostgresEventStore store = builder.build()) {
            store.appendToStream("s-1", ExpectedVersion.noStream(), List.of(EventData.of("legacy-opened", Map.of()),
                    EventData.of("old-closed", Map.of()), EventData.of("other", Map.of())));
            assertThat(store.readStreamForward("s-1", 1, 10)).extracting(RecordedEvent::eventType)
                    .containsExactly("opened", "closed", "other");
        } finally {
            try (Connection c = db.connect(); Statement st = c.createStatement()) {
                st.execute("DROP SCHEMA IF EXISTS \"" + schema + "\" CASCADE");
            }
        }

        PostgresEventStore.Builder other = PostgresEventStore.builder(db.dataSource());
        assertThatThrownBy(() -> EventStoreRuntime.aliases("a=b,c", other)).isInstanceOf(ConfigurationException.class)
                .hasMessage("eventstore.evolution.aliases: 'c' is not a stored=current pair");
        assertThatThrownBy(() -> EventStoreRuntime.aliases("a=a", other)).isInstanceOf(ConfigurationException.class)
                .hasMessageStartingWith("eventstore.evolution.aliases: an alias maps");
    }
}
