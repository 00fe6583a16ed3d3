package org.jeventstore;

import jakarta.ejb.ApplicationException;

/** An event to link does not exist. */
@ApplicationException(rollback = true, inherited = true)
public class EventNotFoundException extends EventStoreException {

    private final java.util.UUID eventId;

    public EventNotFoundException(java.util.UUID eventId, String streamId) {
        super("event " + eventId + " not found (linking to stream '" + streamId + "')");
        this.eventId = eventId;
    }

    public java.util.UUID eventId() {
        return eventId;
    }
}
