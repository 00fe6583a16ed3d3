package org.jeventstore.storage;

import java.sql.Array;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Types;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;

/**
 * A statement whose inputs are named in its text ({@code :stream_uuid}), turned once into what JDBC takes: each
 * name becomes a {@code ?}, and a {@link Binding} sets a value by name at every place the name stands. The statement
 * file says what it needs; its caller binds by name; no one counts positions across files.
 *
 * <p>Casts ({@code ::uuid[]}), quoted text and {@code --} comments are left as they are. A bare {@code ?} outside
 * them is refused: a statement is either named or positional, never both.
 *
 * <p>Example: {@code SELECT stream_id FROM s.streams WHERE stream_uuid = :stream_uuid AND stream_version >= :from}
 * is sent as {@code ... stream_uuid = ? AND stream_version >= ?} with inputs {@code [stream_uuid, from]}.
 */
public final class NamedStatement {

    private final String jdbc;
    /** The input at each {@code ?}, in order (a name used twice stands twice). */
    private final List<String> places;
    private final Set<String> inputs;

    private NamedStatement(String jdbc, List<String> places) {
        this.jdbc = jdbc;
        this.places = List.copyOf(places);
        this.inputs = Collections.unmodifiableSet(new LinkedHashSet<>(places));
    }

    /** @param name what the statement is called in messages (its file) */
    static NamedStatement parse(String name, String text) {
        StringBuilder out = new StringBuilder(text.length());
        List<String> places = new ArrayList<>();
        int n = text.length();
        int i = 0;
        while (i < n) {
            char ch = text.charAt(i);
            if (ch == '-' && i + 1 < n && text.charAt(i + 1) == '-') {
                int end = text.indexOf('\n', i);
                end = end < 0 ? n : end;
                out.append(text, i, end);
                i = end;
            } else if (ch == '\'' || ch == '"') {
                int end = text.indexOf(ch, i + 1); // a doubled quote ends one literal and starts the next: same text
                end = end < 0 ? n : end + 1;
                out.append(text, i, end);
                i = end;
            } else if (ch == ':' && i + 1 < n && text.charAt(i + 1) == ':') {
                out.append("::");
                i += 2;
            } else if (ch == ':' && i + 1 < n && startsName(text.charAt(i + 1))) {
                int end = i + 1;
                while (end < n && continuesName(text.charAt(end))) {
                    end++;
                }
                places.add(text.substring(i + 1, end));
                out.append('?');
                i = end;
            } else if (ch == '?') {
                throw new IllegalArgumentException("statement " + name + " has a positional ? beside named inputs"
                        + " (write :name)");
            } else {
                out.append(ch);
                i++;
            }
        }
        return new NamedStatement(out.toString(), places);
    }

    private static boolean startsName(char c) {
        return (c >= 'a' && c <= 'z') || c == '_';
    }

    private static boolean continuesName(char c) {
        return startsName(c) || (c >= '0' && c <= '9');
    }

    /** The text to prepare, with a {@code ?} for each input's place. */
    public String jdbc() {
        return jdbc;
    }

    /** The inputs' names, in the order they first appear. */
    public Set<String> inputs() {
        return inputs;
    }

    /** Binds a prepared {@link #jdbc()} by name; {@link Binding#ready()} checks that every input has a value. */
    public Binding bind(PreparedStatement ps) {
        return new Binding(ps);
    }

    /** Values given by name to one prepared statement. */
    public final class Binding {
        private final PreparedStatement ps;
        private final Set<String> bound = new HashSet<>();

        private Binding(PreparedStatement ps) {
            this.ps = ps;
        }

        public Binding text(String name, String value) throws SQLException {
            return set(name, index -> ps.setString(index, value));
        }

        public Binding bigint(String name, long value) throws SQLException {
            return set(name, index -> ps.setLong(index, value));
        }

        public Binding integer(String name, int value) throws SQLException {
            return set(name, index -> ps.setInt(index, value));
        }

        public Binding array(String name, Array value) throws SQLException {
            return set(name, index -> ps.setArray(index, value));
        }

        public Binding bool(String name, boolean value) throws SQLException {
            return set(name, index -> ps.setBoolean(index, value));
        }

        public Binding uuid(String name, UUID value) throws SQLException {
            return set(name, index -> ps.setObject(index, value));
        }

        /** A bigint that may be SQL NULL ({@code null}). */
        public Binding nullableBigint(String name, Long value) throws SQLException {
            return set(name, index -> ps.setObject(index, value, Types.BIGINT));
        }

        /** The statement, once every input has a value. */
        public PreparedStatement ready() {
            if (!bound.containsAll(inputs)) {
                Set<String> missing = new LinkedHashSet<>(inputs);
                missing.removeAll(bound);
                throw new IllegalStateException("inputs " + missing + " of the statement were not bound; its inputs: "
                        + inputs);
            }
            return ps;
        }

        private Binding set(String name, Setter setter) throws SQLException {
            boolean any = false;
            for (int i = 0; i < places.size(); i++) {
                if (places.get(i).equals(name)) {
                    setter.set(i + 1);
                    any = true;
                }
            }
            if (!any) {
                throw new IllegalArgumentException("the statement has no input :" + name + "; its inputs: " + inputs);
            }
            bound.add(name);
            return this;
        }
    }

    @FunctionalInterface
    private interface Setter {
        void set(int index) throws SQLException;
    }
}
