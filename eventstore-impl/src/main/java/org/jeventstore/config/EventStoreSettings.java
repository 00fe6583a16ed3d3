package org.jeventstore.config;

import org.jeventstore.ConfigurationException;

/**
 * The store's settings, validated once and then immutable.
 *
 * @param schema             the schema holding the store's tables (default {@code public})
 * @param hardDeletesEnabled whether {@code DeleteMode.HARD} is allowed (default false)
 * @param autoMigrate        whether the schema is created or upgraded at startup (default true)
 * @param readBatchSize      page size of lazy reads and catch-up (default 1000, 1 to 100,000)
 */
public record EventStoreSettings(SchemaName schema, boolean hardDeletesEnabled, boolean autoMigrate,
                                 int readBatchSize) {

    public static final int DEFAULT_READ_BATCH_SIZE = 1000;

    public EventStoreSettings {
        if (schema == null) {
            throw new ConfigurationException("eventstore.schema must be set");
        }
        if (readBatchSize < 1 || readBatchSize > 100_000) {
            throw new ConfigurationException("eventstore.read-batch-size must be between 1 and 100000, was "
                    + readBatchSize);
        }
    }

    public static EventStoreSettings defaults() {
        return new EventStoreSettings(new SchemaName("public"), false, true, DEFAULT_READ_BATCH_SIZE);
    }

    public EventStoreSettings withSchema(String name) {
        return new EventStoreSettings(new SchemaName(name), hardDeletesEnabled, autoMigrate, readBatchSize);
    }

    public EventStoreSettings withHardDeletes(boolean enabled) {
        return new EventStoreSettings(schema, enabled, autoMigrate, readBatchSize);
    }

    public EventStoreSettings withAutoMigrate(boolean enabled) {
        return new EventStoreSettings(schema, hardDeletesEnabled, enabled, readBatchSize);
    }

    public EventStoreSettings withReadBatchSize(int size) {
        return new EventStoreSettings(schema, hardDeletesEnabled, autoMigrate, size);
    }
}
