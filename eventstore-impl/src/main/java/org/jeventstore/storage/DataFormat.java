package org.jeventstore.storage;

/**
 * How a store's JSON columns (events and snapshots, data and metadata) hold JSON: Elixir EventStore's
 * {@code column_data_type} setting, found in the database when the store opens ({@link DataColumns}).
 */
public enum DataFormat {

    /**
     * {@code column_data_type: "jsonb"} with Elixir's JsonbSerializer, and what jeventstore creates by default:
     * queryable in SQL, parsed and checked by PostgreSQL on write, printed back to text on every read.
     */
    JSONB {
        @Override
        String store(String jsonText) {
            return "(" + jsonText + ")::jsonb";
        }

        /**
         * SQL NULL, as Elixir stores it here: its JsonbSerializer passes nil metadata through unchanged
         * (jsonb_serializer.ex, {@code serialize/1}), and Postgrex sends a nil parameter as NULL whatever the
         * column type (postgrex type_module.ex, the null clause every extension's encoder gets). Elixir reads NULL
         * back as nil, which JsonbSerializer's {@code deserialize/2} hands on untouched.
         */
        @Override
        String absentMetadata() {
            return null;
        }
    },

    /**
     * Elixir's default {@code column_data_type: "bytea"} with {@code serializer: EventStore.JsonSerializer}: the
     * JSON text as UTF-8 bytes, sent as they are stored (reads of {@code $all} ran 1.5-1.9 times as fast as on
     * jsonb). jeventstore creates it with {@code eventstore.column-data-type=bytea}. (Elixir's other serializer for
     * it, the default TermSerializer, writes Erlang terms: refused.)
     */
    BYTEA {
        @Override
        String store(String jsonText) {
            // not ::bytea, which would read backslashes in the JSON as bytea escapes
            return "convert_to(" + jsonText + ", 'UTF8')";
        }

        /**
         * The four bytes {@code null}, as Elixir stores it here: its stream and snapshot code run the serializer
         * over metadata whether or not there is any (streams/stream.ex {@code map_to_recorded_event/3},
         * snapshots/snapshot_data.ex {@code serialize/2}), and JsonSerializer's {@code serialize/1} hands nil to
         * Jason, which writes the JSON literal. SQL NULL would break Elixir: its reads run JsonSerializer's
         * {@code deserialize/2} over every row's metadata (recorded_event.ex and snapshot_data.ex
         * {@code deserialize/2}), and Jason refuses nil as input ("not an iodata term"), failing the whole read
         * of the stream and of {@code $all}.
         */
        @Override
        String absentMetadata() {
            return "null";
        }
    };

    /** The SQL expression that turns the JSON text expression {@code jsonText} into this column type. */
    abstract String store(String jsonText);

    /**
     * The JSON text stored (through {@link #store}) for metadata an event or snapshot does not have; {@code null}
     * for SQL NULL. It is what Elixir EventStore stores in a column of this type for metadata it was not given
     * (nil), so that an Elixir service reads the row as it reads its own.
     */
    abstract String absentMetadata();

    /** The column type's SQL name: {@code jsonb} or {@code bytea}. */
    public String sqlType() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
