package org.jeventstore.config;

import java.util.regex.Pattern;
import org.jeventstore.ConfigurationException;

/**
 * A validated PostgreSQL schema name: checked once when configured, then always used quoted. It is the only
 * identifier that is ever substituted into SQL text.
 */
public record SchemaName(String name) {

    private static final Pattern IDENTIFIER = Pattern.compile("[a-z_][a-z0-9_]{0,62}");
    /** PostgreSQL's NAMEDATALEN - 1: the longest identifier, channel names included. */
    private static final int MAX_IDENTIFIER_BYTES = 63;
    private static final String CHANNEL_SUFFIX = ".events";

    public SchemaName {
        if (name == null || !IDENTIFIER.matcher(name).matches()) {
            throw new ConfigurationException("invalid schema name '" + name + "' (setting eventstore.schema): use"
                    + " 1 to 56 lower-case letters, digits and underscores, not starting with a digit");
        }
        if (name.length() + CHANNEL_SUFFIX.length() > MAX_IDENTIFIER_BYTES) {
            // the triggers' NOTIFY channel '<schema>.events' is an identifier too: longer, every NOTIFY fails
            throw new ConfigurationException("invalid schema name '" + name + "' (setting eventstore.schema): its"
                    + " notification channel '" + name + CHANNEL_SUFFIX + "' would be " + (name.length()
                    + CHANNEL_SUFFIX.length()) + " bytes, beyond PostgreSQL's " + MAX_IDENTIFIER_BYTES + "-byte"
                    + " identifier limit; use at most " + (MAX_IDENTIFIER_BYTES - CHANNEL_SUFFIX.length())
                    + " characters");
        }
        if (name.startsWith("pg_")) {
            throw new ConfigurationException("invalid schema name '" + name + "' (setting eventstore.schema):"
                    + " PostgreSQL reserves names starting with pg_ for system schemas");
        }
    }

    /** The name as a quoted SQL identifier. */
    public String quoted() {
        return '"' + name + '"';
    }

    /** The notification channel of a store in this schema, as the triggers name it. */
    public String channel() {
        return name + CHANNEL_SUFFIX;
    }

    @Override
    public String toString() {
        return name;
    }
}
