package org.jeventstore.storage;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Map;
import java.util.TreeMap;
import org.jeventstore.ConfigurationException;
import org.jeventstore.DataFormat;
import org.jeventstore.SerializationException;
import org.jeventstore.StorageException;
import org.jeventstore.config.SchemaName;

/**
 * The type of the store's JSON columns, found in the database once (when the schema is migrated or checked, or
 * at the first read or write) and then kept. A schema whose columns this store cannot serve is refused with a
 * {@link ConfigurationException} that names the column and the setting, before anything is written to it.
 */
public final class DataColumns {

    /** The first byte of Erlang's external term format, which Elixir's default TermSerializer writes. */
    private static final int ERLANG_TERM_VERSION = 131;
    private static final String SETTINGS = "jeventstore serves JSON in jsonb columns, or UTF-8 JSON in bytea"
            + " columns (Elixir EventStore's column_data_type \"jsonb\", or \"bytea\" with serializer:"
            + " EventStore.JsonSerializer); point eventstore.schema at a store made that way";

    private final SchemaName schema;
    private final Transactions tx;
    private volatile DataFormat format;

    public DataColumns(SchemaName schema, Transactions tx) {
        this.schema = schema;
        this.tx = tx;
    }

    /**
     * The format of this store's JSON columns, detected at the first call that finds the tables.
     *
     * @throws ConfigurationException when the columns are of a type this store cannot serve
     * @throws StorageException       when the schema has no event store tables yet, or the database fails
     */
    public DataFormat format() {
        DataFormat known = format;
        if (known != null) {
            return known;
        }
        DataFormat found = tx.onConnection("checking the data columns of schema " + schema, this::detect);
        if (found == null) {
            throw new StorageException("event store schema " + schema + " has no events table yet: create it"
                    + " (eventstore.auto-migrate, or schema().migrate())", "42P01", null);
        }
        return found;
    }

    /**
     * Detects (and remembers) the format on {@code c}; {@code null} when the schema has no events table yet.
     *
     * @throws ConfigurationException when the columns are of a type this store cannot serve
     */
    DataFormat detect(Connection c) throws SQLException {
        Map<String, String> types = new TreeMap<>();
        NamedStatement st = NamedStatement.parse("data-columns.sql", Sql.raw("data-columns"));
        try (PreparedStatement ps = c.prepareStatement(st.jdbc())) {
            try (ResultSet rs = st.bind(ps).text("quoted_schema", schema.quoted()).ready().executeQuery()) {
                while (rs.next()) {
                    types.put(rs.getString(1), rs.getString(2));
                }
            }
        }
        if (types.keySet().stream().noneMatch(column -> column.startsWith("events."))) {
            return null;
        }
        DataFormat found = null;
        for (String column : new String[] {"events.data", "events.metadata", "snapshots.data",
                "snapshots.metadata"}) {
            String type = types.get(column);
            DataFormat f = "jsonb".equals(type) ? DataFormat.JSONB : "bytea".equals(type) ? DataFormat.BYTEA : null;
            if (f == null || (found != null && f != found)) {
                throw new ConfigurationException("event store schema " + schema + ": column " + column + " is "
                        + (type == null ? "missing" : "of type " + type)
                        + (found != null && f != null ? " while the others are " + found.name().toLowerCase() : "")
                        + "; " + SETTINGS);
            }
            found = f;
        }
        if (found == DataFormat.BYTEA) {
            refuseTerms(c);
        }
        format = found;
        return found;
    }

    /** A bytea store written by Elixir's default TermSerializer holds Erlang terms: never share it. */
    private void refuseTerms(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(Sql.raw("sample-data-bytes")
                .replace("${schema}", schema.quoted()));
             ResultSet rs = ps.executeQuery()) {
            rs.next();
            for (int i = 1; i <= 2; i++) {
                if (rs.getInt(i) == ERLANG_TERM_VERSION && !rs.wasNull()) {
                    throw new ConfigurationException("event store schema " + schema + ": column "
                            + (i == 1 ? "events" : "snapshots") + ".data holds Erlang terms (Elixir EventStore's"
                            + " default serializer EventStore.TermSerializer), not JSON; " + SETTINGS);
                }
            }
        }
    }

    /** The SQL expression that turns the JSON text expression {@code jsonText} into {@code format}'s column type. */
    static String store(DataFormat format, String jsonText) {
        return switch (format) {
            case JSONB -> "(" + jsonText + ")::jsonb";
            // not ::bytea, which would read backslashes in the JSON as bytea escapes
            case BYTEA -> "convert_to(" + jsonText + ", 'UTF8')";
        };
    }

    /**
     * The JSON text stored (through {@link #store}) for metadata an event or snapshot does not have; {@code null}
     * for SQL NULL. It is what Elixir EventStore stores in a column of that type for metadata it was not given
     * (nil), so that an Elixir service reads the row as it reads its own:
     * <ul>
     *   <li>jsonb: SQL NULL. Elixir's JsonbSerializer passes nil metadata through unchanged (jsonb_serializer.ex,
     *       {@code serialize/1}), and Postgrex sends a nil parameter as NULL whatever the column type (postgrex
     *       type_module.ex, the null clause every extension's encoder gets); Elixir reads NULL back as nil.</li>
     *   <li>bytea: the four bytes {@code null}. Elixir's stream and snapshot code run the serializer over metadata
     *       whether or not there is any (streams/stream.ex {@code map_to_recorded_event/3},
     *       snapshots/snapshot_data.ex {@code serialize/2}), and JsonSerializer's {@code serialize/1} hands nil to
     *       Jason, which writes the JSON literal. SQL NULL would break Elixir: its reads run JsonSerializer's
     *       {@code deserialize/2} over every row's metadata, and Jason refuses nil as input ("not an iodata
     *       term"), failing the whole read of the stream and of {@code $all}.</li>
     * </ul>
     */
    static String absentMetadata(DataFormat format) {
        return switch (format) {
            case JSONB -> null;
            case BYTEA -> "null";
        };
    }

    /** Forgets the format (the schema was dropped or reset): the next use detects it again. */
    public void forget() {
        format = null;
    }

    /**
     * The JSON text of metadata column {@code column} of the current row ({@link #json}), or {@code null} when the
     * row has none: SQL NULL (what Elixir's JsonbSerializer stores, and what jeventstore stored in bytea columns too
     * until it matched Elixir) or the JSON literal {@code null} (what Elixir's JsonSerializer stores, and so
     * jeventstore in a bytea column: {@link #absentMetadata}). Serializers thus see one form of "no metadata", the one {@link
     * org.jeventstore.serialization.EventSerializer#metadataFromJson} promises to read as empty metadata, and not
     * a text an application's serializer might parse into a null map.
     */
    String metadataJson(ResultSet rs, int column, DataFormat format) throws SQLException {
        String json = json(rs, column, format);
        return json != null && json.length() <= 16 && json.strip().equals("null") ? null : json;
    }

    /**
     * The JSON text of column {@code column} of the current row, read as {@code format} stores it; {@code null}
     * for SQL NULL.
     *
     * @throws SerializationException when bytea bytes are not UTF-8 JSON (Erlang terms, say)
     */
    String json(ResultSet rs, int column, DataFormat format) throws SQLException {
        if (format == DataFormat.JSONB) {
            return rs.getString(column);
        }
        byte[] bytes = rs.getBytes(column);
        if (bytes == null) {
            return null;
        }
        if (bytes.length > 0 && (bytes[0] & 0xff) == ERLANG_TERM_VERSION) {
            throw new SerializationException("schema " + schema + ", bytea column "
                    + rs.getMetaData().getColumnName(column) + ": holds an Erlang term (Elixir EventStore's"
                    + " TermSerializer), not JSON; " + SETTINGS, null);
        }
        // The JDK's own decoding is the fast path; it turns bytes that are not UTF-8 into U+FFFD, so only a text
        // holding U+FFFD needs the strict decoder to tell a stored U+FFFD from broken bytes.
        String text = new String(bytes, StandardCharsets.UTF_8);
        if (text.indexOf('\uFFFD') < 0) {
            return text;
        }
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new SerializationException("schema " + schema + ", bytea column "
                    + rs.getMetaData().getColumnName(column) + ": holds bytes that are not UTF-8 JSON; " + SETTINGS,
                    e);
        }
    }
}
