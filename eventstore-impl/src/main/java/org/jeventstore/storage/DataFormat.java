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
    };

    /** The SQL expression that turns the JSON text expression {@code jsonText} into this column type. */
    abstract String store(String jsonText);

    /** The column type's SQL name: {@code jsonb} or {@code bytea}. */
    public String sqlType() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
