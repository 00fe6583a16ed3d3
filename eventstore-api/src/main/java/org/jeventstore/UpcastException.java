package org.jeventstore;

import java.util.UUID;

/**
 * An upcaster failed on an event, returned something it may not, or an event's stored revision cannot be brought
 * to the revision its class reads. The message names the event (id, stream, version), the type and revision it
 * was at, and the upcaster.
 */
public class UpcastException extends SerializationException {

    private final UUID eventId;
    private final String eventType;
    private final int revision;
    private final String upcaster;

    public UpcastException(String message, Throwable cause, UUID eventId, String eventType, int revision,
                           String upcaster) {
        super(message, cause);
        this.eventId = eventId;
        this.eventType = eventType;
        this.revision = revision;
        this.upcaster = upcaster;
    }

    /** The stored event's id. */
    public UUID eventId() {
        return eventId;
    }

    /** The type the event was at when it failed. */
    public String eventType() {
        return eventType;
    }

    /** The revision the event was at when it failed. */
    public int revision() {
        return revision;
    }

    /** The upcaster that failed, or {@code null} when none was to blame (a missing one, say). */
    public String upcaster() {
        return upcaster;
    }
}
