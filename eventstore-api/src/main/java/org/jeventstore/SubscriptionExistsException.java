package org.jeventstore;

import jakarta.ejb.ApplicationException;

/**
 * This server already runs a subscription with this name on this stream and cannot take this subscriber: a
 * single-active one ({@code concurrencyLimit} 1) has its subscriber, or the running one was started with another
 * {@code concurrencyLimit}. (Elixir: {@code :subscription_already_exists}.) See also
 * {@link TooManySubscribersException}.
 */
@ApplicationException(rollback = true, inherited = true)
public class SubscriptionExistsException extends EventStoreException {

    public SubscriptionExistsException(String streamId, String name) {
        super("subscription '" + name + "' to stream '" + streamId + "' is already running on this server");
    }

    protected SubscriptionExistsException(String message) {
        super(message);
    }

    /** Running here with another {@code concurrencyLimit} than the subscriber asked for. */
    public static SubscriptionExistsException withOtherLimit(String streamId, String name, int running, int asked) {
        return new SubscriptionExistsException("subscription '" + name + "' to stream '" + streamId + "' is already"
                + " running on this server with concurrencyLimit " + running + "; a subscriber asking for "
                + asked + " cannot join it (subscribe with concurrencyLimit " + running + ", or close its"
                + " subscribers first)");
    }
}
