package org.jeventstore.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.UUID;
import java.util.regex.Pattern;
import org.jeventstore.DataFormat;
import org.jeventstore.config.SchemaName;
import org.jeventstore.testkit.Postgres;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Statements name their inputs; callers bind by name, and a forgotten or unknown input fails before the database. */
class NamedStatementTest {

    @Test
    void names_become_places_and_casts_comments_and_quoted_text_stay_as_written() {
        NamedStatement s = NamedStatement.parse("example", """
                -- inputs: :a, :b (this comment's :names are not inputs)
                SELECT :a::bigint + :b, ':not_an_input', "x:y", :a::int, arr[1:2] FROM t WHERE c = :b""");
        assertThat(s.inputs()).containsExactly("a", "b");
        assertThat(s.jdbc()).isEqualTo("""
                -- inputs: :a, :b (this comment's :names are not inputs)
                SELECT ?::bigint + ?, ':not_an_input', "x:y", ?::int, arr[1:2] FROM t WHERE c = ?""");
    }

    @Test
    void a_positional_place_beside_named_inputs_is_refused_naming_the_statement() {
        assertThatThrownBy(() -> NamedStatement.parse("mixed.sql", "SELECT :a, ?"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("mixed.sql")
                .hasMessageContaining("positional ?");
    }

    @Test
    @Timeout(30)
    void a_name_used_twice_is_bound_once_and_an_unbound_or_unknown_input_is_named() throws SQLException {
        NamedStatement s = NamedStatement.parse("sum", "SELECT :a::bigint + :a::bigint + :b::bigint");
        try (Connection c = Postgres.shared().connect(); PreparedStatement ps = c.prepareStatement(s.jdbc())) {
            assertThatThrownBy(() -> s.bind(ps).bigint("a", 1).ready())
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("[b]");
            assertThatThrownBy(() -> s.bind(ps).bigint("c", 1))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(":c")
                    .hasMessageContaining("[a, b]");
            s.bind(ps).bigint("a", 20).bigint("b", 2).ready();
            try (ResultSet rs = ps.executeQuery()) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getLong(1)).isEqualTo(42);
            }
        }
    }

    @Test
    @Timeout(30)
    void a_bool_is_bound_as_a_boolean() throws SQLException {
        NamedStatement s = NamedStatement.parse("bool", "SELECT CASE WHEN :flag THEN 'yes' ELSE 'no' END");
        try (Connection c = Postgres.shared().connect(); PreparedStatement ps = c.prepareStatement(s.jdbc())) {
            try (ResultSet rs = s.bind(ps).bool("flag", true).ready().executeQuery()) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getString(1)).isEqualTo("yes");
            }
        }
    }

    @Test
    @Timeout(30)
    void a_uuid_is_bound_as_a_uuid() throws SQLException {
        UUID id = UUID.randomUUID();
        NamedStatement s = NamedStatement.parse("uuid", "SELECT pg_typeof(:id)::text, :id::text");
        try (Connection c = Postgres.shared().connect(); PreparedStatement ps = c.prepareStatement(s.jdbc())) {
            try (ResultSet rs = s.bind(ps).uuid("id", id).ready().executeQuery()) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getString(1)).isEqualTo("uuid");
                assertThat(rs.getString(2)).isEqualTo(id.toString());
            }
        }
    }

    @Test
    @Timeout(30)
    void a_nullable_bigint_is_bound_as_a_bigint_or_as_null() throws SQLException {
        NamedStatement s = NamedStatement.parse("nullable", "SELECT pg_typeof(:n)::text, :n IS NULL, :n");
        try (Connection c = Postgres.shared().connect(); PreparedStatement ps = c.prepareStatement(s.jdbc())) {
            try (ResultSet rs = s.bind(ps).nullableBigint("n", 42L).ready().executeQuery()) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getString(1)).isEqualTo("bigint");
                assertThat(rs.getBoolean(2)).isFalse();
                assertThat(rs.getLong(3)).isEqualTo(42);
            }
            try (ResultSet rs = s.bind(ps).nullableBigint("n", null).ready().executeQuery()) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getString(1)).isEqualTo("bigint");
                assertThat(rs.getBoolean(2)).isTrue();
                assertThat(rs.getObject(3)).isNull();
            }
        }
    }

    @Test
    void every_statement_of_the_store_with_named_inputs_parses_and_has_no_place_left_unnamed() {
        Sql sql = new Sql(new SchemaName("s_named"), () -> DataFormat.JSONB);
        Pattern leftover = Pattern.compile("(?<!:):(?!:)[a-z_]");
        for (String name : new String[] {"read-all-forward", "read-all-backward", "read-stream-forward",
            "read-stream-backward", "read-stream-by-id-forward", "read-stream-by-id-backward"}) {
            NamedStatement s = sql.named(name);
            assertThat(s.inputs()).as(name).contains("from", "count");
            assertThat(leftover.matcher(s.jdbc().replaceAll("--[^\\n]*", "")).find()).as(name).isFalse();
        }
        for (String cte : new String[] {"append-stream-any", "append-stream-new", "append-stream-existing",
            "append-stream-exact"}) {
            assertThat(sql.withStream("append-events", cte).inputs()).as(cte).contains("event_ids", "data",
                    "metadata", "stream_uuid");
            assertThat(sql.withStream("link-events", cte).inputs()).as(cte).contains("event_ids", "stream_uuid");
        }
        assertThat(sql.withStream("append-events", "append-stream-exact").inputs()).contains("expected_version");
    }
}
