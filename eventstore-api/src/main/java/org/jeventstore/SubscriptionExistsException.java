package org.jeventstore;

import jakarta.ejb.ApplicationException;

/** This server already runs a subscription with this name on this stream. */
@ApplicationException(rollback = true, inherited = true)
public class SubscriptionExistsException extends EventStoreException {

    public SubscriptionExistsException(String streamId, String name) {
        super("subscription '" + name + "' to stream '" + streamId + "' is already running on this server");
    }
}
