package org.jeventstore.config;

import java.util.regex.Pattern;
import org.jeventstore.ConfigurationException;

/**
 * A validated PostgreSQL schema name: checked once when configured, then always used quoted. It is the only
 * identifier that is ever substituted into SQL text.
 */
public record SchemaName(String name) {

    private static final Pattern IDENTIFIER = Pattern.compile("[a-z_][a-z0-9_]{0,62}");

    public SchemaName {
        if (name == null || !IDENTIFIER.matcher(name).matches()) {
            throw new ConfigurationException("invalid schema name '" + name + "' (setting eventstore.schema): use"
                    + " 1 to 63 lower-case letters, digits and underscores, not starting with a digit");
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
        return name + ".events";
    }

    @Override
    public String toString() {
        return name;
    }
}
