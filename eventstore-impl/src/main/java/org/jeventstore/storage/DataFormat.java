package org.jeventstore.storage;

/**
 * How a store's JSON columns (events and snapshots, data and metadata) hold JSON: Elixir EventStore's
 * {@code column_data_type} setting, found in the database when the store opens ({@link DataColumns}).
 */
public enum DataFormat {

    /** {@code column_data_type: "jsonb"} with Elixir's JsonbSerializer, and every schema jeventstore creates. */
    JSONB {
        @Override
        String store(String jsonText) {
            return "(" + jsonText + ")::jsonb";
        }
    },

    /**
     * Elixir's default {@code column_data_type: "bytea"} with {@code serializer: EventStore.JsonSerializer}: the
     * JSON text as UTF-8 bytes. (Its other serializer, the default TermSerializer, writes Erlang terms: refused.)
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
}
