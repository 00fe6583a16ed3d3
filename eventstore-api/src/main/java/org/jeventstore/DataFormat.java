package org.jeventstore;

/**
 * How a store's JSON columns (events and snapshots, data and metadata) hold JSON, as Elixir EventStore's
 * {@code column_data_type} setting chooses: the type a schema this store creates gets
 * ({@code eventstore.column-data-type}, or the builder's {@code columnType}). A schema that exists keeps its own,
 * found in the database when the store opens.
 */
public enum DataFormat {

    /**
     * {@code column_data_type: "jsonb"} with Elixir's JsonbSerializer, and what jeventstore creates by default:
     * queryable in SQL, parsed and checked by PostgreSQL on write, printed back to text on every read.
     */
    JSONB,

    /**
     * Elixir's default {@code column_data_type: "bytea"} with {@code serializer: EventStore.JsonSerializer}: the
     * JSON text as UTF-8 bytes, sent as they are stored (reads of {@code $all} ran 1.5-1.9 times as fast as on
     * jsonb). (Elixir's other serializer for it, the default TermSerializer, writes Erlang terms: refused.)
     */
    BYTEA;

    /** The column type's SQL name: {@code jsonb} or {@code bytea}. */
    public String sqlType() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
