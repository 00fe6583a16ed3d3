package org.jeventstore.web;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.Config;
import org.jeventstore.ConfigurationException;

/**
 * What one HTTP request may ask of a server (MicroProfile Config, read once): the server runs with
 * {@code ExitOnOutOfMemoryError}, so no single request may make it hold an unbounded amount.
 */
@ApplicationScoped
public class HttpLimits {

    static final int DEFAULT_MAX_BODY_BYTES = 1024 * 1024;
    static final int DEFAULT_MAX_EVENTS_PER_APPEND = 1000;
    static final int DEFAULT_MAX_PAGE_EVENTS = 1000;
    static final int DEFAULT_MAX_PAGE_BYTES = 4 * 1024 * 1024;

    private final int maxBodyBytes;
    private final int maxEventsPerAppend;
    private final int maxPageEvents;
    private final int maxPageBytes;

    @Inject
    public HttpLimits(Config config) {
        this(positive(config, "eventstore.http.max-body-bytes", DEFAULT_MAX_BODY_BYTES),
                positive(config, "eventstore.http.max-events-per-append", DEFAULT_MAX_EVENTS_PER_APPEND),
                positive(config, "eventstore.http.max-page-events", DEFAULT_MAX_PAGE_EVENTS),
                positive(config, "eventstore.http.max-page-bytes", DEFAULT_MAX_PAGE_BYTES));
    }

    HttpLimits(int maxBodyBytes, int maxEventsPerAppend, int maxPageEvents, int maxPageBytes) {
        this.maxBodyBytes = maxBodyBytes;
        this.maxEventsPerAppend = maxEventsPerAppend;
        this.maxPageEvents = maxPageEvents;
        this.maxPageBytes = maxPageBytes;
    }

    /** CDI's client proxy needs it; never used to serve a request. */
    protected HttpLimits() {
        this(DEFAULT_MAX_BODY_BYTES, DEFAULT_MAX_EVENTS_PER_APPEND, DEFAULT_MAX_PAGE_EVENTS, DEFAULT_MAX_PAGE_BYTES);
    }

    /** {@code eventstore.http.max-body-bytes}: the largest request body read (default 1 MiB); more is 413. */
    public int maxBodyBytes() {
        return maxBodyBytes;
    }

    /** {@code eventstore.http.max-events-per-append} (default 1,000); more is 400. */
    public int maxEventsPerAppend() {
        return maxEventsPerAppend;
    }

    /** {@code eventstore.http.max-page-events}: the most events one read returns (default 1,000). */
    public int maxPageEvents() {
        return maxPageEvents;
    }

    /**
     * {@code eventstore.http.max-page-bytes}: a read stops adding events once its JSON passes this (default
     * 4 MiB); it always returns at least one event, so paging moves on.
     */
    public int maxPageBytes() {
        return maxPageBytes;
    }

    static int positive(Config config, String key, int fallback) {
        String value = config.getOptionalValue(key, String.class).orElse(null);
        if (value == null) {
            return fallback;
        }
        try {
            int parsed = Integer.parseInt(value.trim());
            if (parsed > 0) {
                return parsed;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new ConfigurationException(key + " must be a positive whole number, was '" + value + "'");
    }
}
