package org.jeventstore.cdi;

import java.time.Duration;
import org.eclipse.microprofile.config.Config;
import org.jeventstore.ConfigurationException;
import org.jeventstore.config.EventStoreSettings;
import org.jeventstore.config.LinkSettings;
import org.jeventstore.config.SchemaName;
import org.jeventstore.postgres.PostgresEventStore;

/**
 * The store's MicroProfile Config keys, read and validated once at startup. ({@code eventstore.listener.down-limit-ms}
 * is read by the web module's liveness check alone, the one place that uses it.)
 *
 * @param dataSource        {@code eventstore.datasource}: JNDI name of the transactional DataSource
 * @param listenDataSource  {@code eventstore.listen-datasource}: JNDI name of a non-transactional DataSource for
 *                          the long-lived LISTEN (and advisory lock) connections
 * @param settings          schema, hard deletes, auto-migrate, read batch size, column type of a new schema
 *                          ({@code eventstore.column-data-type}: jsonb or bytea)
 * @param listenerPoll      {@code eventstore.listener.poll-ms}: how long the listener waits for notifications
 *                          per call
 * @param networkTimeout    {@code eventstore.network-timeout-ms}: the bound on one round trip on the listener's
 *                          and the lock connection (default 5000, 100 to 600000)
 * @param linking           {@code eventstore.append-mode}, {@code eventstore.max-unlinked-appends},
 *                          {@code eventstore.link-timeout-ms}
 */
public record EventStoreConfig(String dataSource, String listenDataSource, EventStoreSettings settings,
                               Duration listenerPoll, Duration networkTimeout,
                               LinkSettings linking) {

    static EventStoreConfig from(Config config) {
        String schema = config.getOptionalValue("eventstore.schema", String.class).orElse("public");
        EventStoreSettings settings = new EventStoreSettings(new SchemaName(schema),
                bool(config, "eventstore.hard-deletes", false),
                bool(config, "eventstore.auto-migrate", true),
                integer(config, "eventstore.read-batch-size", EventStoreSettings.DEFAULT_READ_BATCH_SIZE),
                EventStoreSettings.parseColumnType("eventstore.column-data-type",
                        config.getOptionalValue("eventstore.column-data-type", String.class).orElse("jsonb")));
        return new EventStoreConfig(
                config.getOptionalValue("eventstore.datasource", String.class).orElse("jdbc/eventstore"),
                config.getOptionalValue("eventstore.listen-datasource", String.class).orElse("jdbc/eventstore-listen"),
                settings,
                Duration.ofMillis(integer(config, "eventstore.listener.poll-ms", 500)),
                networkTimeout(config),
                new LinkSettings(
                        LinkSettings.Mode.parse("eventstore.append-mode",
                                config.getOptionalValue("eventstore.append-mode", String.class).orElse("linked")),
                        integer(config, "eventstore.max-unlinked-appends", LinkSettings.DEFAULT_MAX_UNLINKED_APPENDS),
                        Duration.ofMillis(integer(config, "eventstore.link-timeout-ms",
                                (int) LinkSettings.DEFAULT_LINK_TIMEOUT.toMillis()))));
    }

    private static Duration networkTimeout(Config config) {
        int millis = integer(config, "eventstore.network-timeout-ms",
                (int) PostgresEventStore.DEFAULT_NETWORK_TIMEOUT.toMillis());
        if (millis < 100 || millis > 600_000) {
            throw new ConfigurationException("eventstore.network-timeout-ms must be between 100 and 600000, was "
                    + millis);
        }
        return Duration.ofMillis(millis);
    }

    static boolean bool(Config config, String key, boolean fallback) {
        String value = config.getOptionalValue(key, String.class).orElse(null);
        if (value == null) {
            return fallback;
        }
        if (!value.trim().equalsIgnoreCase("true") && !value.trim().equalsIgnoreCase("false")) {
            throw new ConfigurationException(key + " must be true or false, was '" + value + "'");
        }
        return Boolean.parseBoolean(value.trim());
    }

    static int integer(Config config, String key, int fallback) {
        String value = config.getOptionalValue(key, String.class).orElse(null);
        if (value == null) {
            return fallback;
        }
        try {
            int parsed = Integer.parseInt(value.trim());
            if (parsed <= 0) {
                throw new ConfigurationException(key + " must be a positive number, was '" + value + "'");
            }
            return parsed;
        } catch (NumberFormatException e) {
            throw new ConfigurationException(key + " must be a whole number, was '" + value + "'");
        }
    }
}
