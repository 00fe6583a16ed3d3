package org.jeventstore.subscriptions;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
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
        try (PreparedStatement ps = c.prepareStatement(sql.get("subscriptions-table-oid"))) {
            ps.setString(1, sql.schema().quoted() + ".subscriptions");
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                long oid = rs.getLong(1);
                return rs.wasNull() ? 0 : (int) oid;
            }
        }
    }
}
