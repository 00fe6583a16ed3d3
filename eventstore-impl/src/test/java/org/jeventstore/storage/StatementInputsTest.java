package org.jeventstore.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.jeventstore.DataFormat;
import org.jeventstore.config.SchemaName;
import org.junit.jupiter.api.Test;

/**
 * Every statement of the store names its inputs ({@code :subscription_id}) and is bound by name, so that no one
 * counts {@code ?} positions across a statement file and its Java caller. A new statement written with {@code ?}
 * fails here. No database needed.
 */
class StatementInputsTest {

    private static final Path DIR = Path.of("src/main/resources/org/jeventstore/storage/sql");

    @Test
    void every_statement_names_its_inputs() throws IOException {
        List<String> names = statementNames();
        assertThat(names).as("statements in " + DIR.toAbsolutePath()).hasSizeGreaterThan(50);
        for (DataFormat format : DataFormat.values()) { // ${json:...} is written per column type before parsing
            Sql sql = new Sql(new SchemaName("s_inputs"), () -> format);
            for (String name : names) {
                assertThatCode(() -> sql.named(name))
                        .as("%s.sql (%s): write its inputs as :name and bind them with Sql.named", name, format)
                        .doesNotThrowAnyException();
            }
        }
    }

    @Test
    void a_positional_statement_is_refused_with_the_way_to_write_it() {
        assertThatThrownBy(() -> NamedStatement.parse("x.sql", "SELECT 1 FROM t WHERE a = :a AND b = ?"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("positional ?")
                .hasMessageContaining("x.sql");
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
