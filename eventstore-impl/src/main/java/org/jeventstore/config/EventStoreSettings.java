package org.jeventstore.config;

import org.jeventstore.ConfigurationException;
import org.jeventstore.DataFormat;

/**
 * The store's settings, validated once and then immutable.
 *
 * @param schema             the schema holding the store's tables (default {@code public})
 * @param hardDeletesEnabled whether {@code DeleteMode.HARD} is allowed (default false)
 * @param autoMigrate        whether the schema is created or upgraded at startup (default true)
 * @param readBatchSize      page size of lazy reads and catch-up (default 1000, 1 to 100,000)
 * @param columnType         the type of the JSON columns (events and snapshots, data and metadata) of a schema this
 *                           store creates: {@code JSONB} (the default, queryable in SQL) or {@code BYTEA} (Elixir
 *                           EventStore's default {@code column_data_type}, UTF-8 JSON; reads of {@code $all} ran
 *                           1.5-1.9 times as fast, docs/benchmarks.md). A schema that exists keeps the type it has.
 */
public record EventStoreSettings(SchemaName schema, boolean hardDeletesEnabled, boolean autoMigrate,
                                 int readBatchSize, DataFormat columnType) {

    public static final int DEFAULT_READ_BATCH_SIZE = 1000;

    public EventStoreSettings {
        if (schema == null) {
            throw new ConfigurationException("eventstore.schema must be set");
        }
        if (readBatchSize < 1 || readBatchSize > 100_000) {
            throw new ConfigurationException("eventstore.read-batch-size must be between 1 and 100000, was "
                    + readBatchSize);
        }
        if (columnType == null) {
            throw new ConfigurationException("eventstore.column-data-type must be set (jsonb or bytea)");
        }
    }

    /** The settings as before the column type existed: new schemas get jsonb columns. */
    public EventStoreSettings(SchemaName schema, boolean hardDeletesEnabled, boolean autoMigrate, int readBatchSize) {
        this(schema, hardDeletesEnabled, autoMigrate, readBatchSize, DataFormat.JSONB);
    }

    public static EventStoreSettings defaults() {
        return new EventStoreSettings(new SchemaName("public"), false, true, DEFAULT_READ_BATCH_SIZE);
    }

    public EventStoreSettings withSchema(String name) {
        return new EventStoreSettings(new SchemaName(name), hardDeletesEnabled, autoMigrate, readBatchSize,
                columnType);
    }

    public EventStoreSettings withHardDeletes(boolean enabled) {
        return new EventStoreSettings(schema, enabled, autoMigrate, readBatchSize, columnType);
    }

    public EventStoreSettings withAutoMigrate(boolean enabled) {
        return new EventStoreSettings(schema, hardDeletesEnabled, enabled, readBatchSize, columnType);
    }

    public EventStoreSettings withReadBatchSize(int size) {
        return new EventStoreSettings(schema, hardDeletesEnabled, autoMigrate, size, columnType);
    }

    /** The JSON column type of a schema this store creates (one that exists keeps its own). */
    public EventStoreSettings withColumnType(DataFormat type) {
        return new EventStoreSettings(schema, hardDeletesEnabled, autoMigrate, readBatchSize, type);
    }

    /**
     * Parses the value of {@code eventstore.column-data-type}: {@code jsonb} or {@code bytea}, as Elixir
     * EventStore's {@code column_data_type} names them.
     */
    public static DataFormat parseColumnType(String key, String value) {
        String v = value == null ? "" : value.trim();
        if (v.equalsIgnoreCase("jsonb")) {
            return DataFormat.JSONB;
        }
        if (v.equalsIgnoreCase("bytea")) {
            return DataFormat.BYTEA;
        }
        throw new ConfigurationException(key + " must be jsonb or bytea, was '" + value + "'");
    }
}
