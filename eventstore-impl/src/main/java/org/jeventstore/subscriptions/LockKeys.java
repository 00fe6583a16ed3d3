package org.jeventstore.subscriptions;

import java.sql.Connection;
import java.sql.SQLException;
import org.jeventstore.storage.SchemaManager;
import org.jeventstore.storage.Sql;

/**
 * The one place that knows a subscription's advisory lock, as Elixir's EventStore takes it: the pair (oid of the
 * store's {@code subscriptions} table, the subscription's id folded into an int). Whoever needs to find or take a
 * subscription's lock (the lock session, an operator's reset, the views of who holds what) asks here.
 */
public final class LockKeys {

    private LockKeys() {
    }

    /** The second key of subscription {@code subscriptionId}'s lock. */
    public static int of(long subscriptionId) {
        return (int) (subscriptionId > Integer.MAX_VALUE ? subscriptionId % Integer.MAX_VALUE : subscriptionId);
    }

    /** The first key of every lock of the store: its subscriptions table's oid; 0 while the schema has none. */
    public static int namespace(Connection c, Sql sql) throws SQLException {
        Long oid = SchemaManager.tableOid(c, sql, "subscriptions");
        return oid == null ? 0 : (int) (long) oid;
    }
}
