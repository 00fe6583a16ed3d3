package org.jeventstore.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.jeventstore.config.SchemaName;
import org.junit.jupiter.api.Test;

/**
 * Every statement of the store names its inputs ({@code :subscription_id}) and is bound by name, so that no one
 * counts {@code ?} positions across a statement file and its Java caller. A new statement written with {@code ?}
 * fails here. No database needed.
 */
class StatementInputsTest {

    private static final Path DIR = Path.of("src/main/resources/org/jeventstore/storage/sql");

    /**
     * The statements still positional, each with why. Remove one from here once it names its inputs (the test
     * fails while an entry here parses as named, so that the list does not outlive its reasons).
     */
    private static final Map<String, String> POSITIONAL = Map.ofEntries(
            // bound by StreamRow.find, which sets position 1 for every caller (EventReader, Streams, Appender);
            // query-stream is also bound directly by PostgresSubscriptionAdmin
            Map.entry("query-stream", "bound positionally by StreamRow.find"),
            Map.entry("lock-stream", "bound positionally by StreamRow.find"),
            // bound by AdvisoryLocks (the lock session), which binds the statement name it is given positionally
            Map.entry("try-advisory-lock", "bound positionally by AdvisoryLocks"),
            Map.entry("try-advisory-lock-shared", "bound positionally by AdvisoryLocks"),
            Map.entry("advisory-unlock", "bound positionally by AdvisoryLocks"),
            Map.entry("advisory-unlock-shared", "bound positionally by AdvisoryLocks"),
            Map.entry("limit-lock-session-silence", "bound positionally by AdvisoryLocks"),
            // bound by Presence (the servers' shared presence lock)
            Map.entry("announce-server", "bound positionally by Presence"),
            Map.entry("count-servers", "bound positionally by Presence"),
            // bound by AdvisoryLocks and LockKeys as well as SchemaManager: one positional binding for all three
            Map.entry("subscriptions-table-oid", "bound positionally by AdvisoryLocks, LockKeys and SchemaManager"));

    @Test
    void every_statement_names_its_inputs_or_is_listed_as_positional_with_its_reason() throws IOException {
        List<String> names = statementNames();
        assertThat(names).as("statements in " + DIR.toAbsolutePath()).hasSizeGreaterThan(50);
        assertThat(names).as("statements listed as positional").containsAll(POSITIONAL.keySet());
        for (DataFormat format : DataFormat.values()) { // ${json:...} is written per column type before parsing
            Sql sql = new Sql(new SchemaName("s_inputs"), () -> format);
            for (String name : names) {
                if (POSITIONAL.containsKey(name)) {
                    assertThatThrownBy(() -> sql.named(name))
                            .as("%s.sql names its inputs now: remove it from POSITIONAL", name)
                            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("positional ?");
                } else {
                    assertThatCode(() -> sql.named(name))
                            .as("%s.sql (%s): write its inputs as :name and bind them with Sql.named", name, format)
                            .doesNotThrowAnyException();
                }
            }
        }
    }

    @Test
    void a_statement_named_once_is_bound_by_name_wherever_its_input_stands() {
        NamedStatement s = new Sql(new SchemaName("s_inputs")).named("save-checkpoint");
        assertThat(s.inputs()).containsExactly("subscription_id", "epoch", "checkpoint");
        assertThat(s.jdbc().chars().filter(ch -> ch == '?').count()).isEqualTo(5);
    }

    private static List<String> statementNames() throws IOException {
        try (Stream<Path> files = Files.list(DIR)) {
            return files.map(p -> p.getFileName().toString()).filter(f -> f.endsWith(".sql"))
                    .map(f -> f.substring(0, f.length() - ".sql".length())).sorted().toList();
        }
    }
}
