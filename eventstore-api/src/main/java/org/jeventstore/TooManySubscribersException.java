package org.jeventstore;

import jakarta.ejb.ApplicationException;

/**
 * A competing subscriber was refused: the subscription already has {@code concurrencyLimit} subscribers on this
 * server. (Elixir: {@code :too_many_subscribers}.) Close one of them, or subscribe on another server: the limit
 * counts the subscribers of one server.
 */
@ApplicationException(rollback = true, inherited = true)
public class TooManySubscribersException extends SubscriptionExistsException {

    public TooManySubscribersException(String streamId, String name, int limit) {
        super("subscription '" + name + "' to stream '" + streamId + "' already has " + limit + " subscriber"
                + (limit == 1 ? "" : "s") + " on this server, its concurrencyLimit: too many subscribers");
    }
}
