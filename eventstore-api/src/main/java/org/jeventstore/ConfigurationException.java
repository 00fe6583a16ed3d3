package org.jeventstore;

/** A setting is missing or invalid; the message names it. */
public class ConfigurationException extends EventStoreException {

    public ConfigurationException(String message) {
        super(message);
    }
}
