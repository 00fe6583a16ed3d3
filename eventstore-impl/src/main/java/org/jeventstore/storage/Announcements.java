package org.jeventstore.storage;

import java.sql.PreparedStatement;
import java.util.List;

/**
 * Sends announcements of committed appends (the payloads the streams trigger would send) on the store's channel:
 * one statement in a local transaction of its own, never a caller's (notify-appends.sql). The sending side of
 * {@link org.jeventstore.notifications.Notifier}.
 */
public final class Announcements {

    private final Sql sql;
    private final Transactions tx;

    public Announcements(Sql sql, Transactions tx) {
        this.sql = sql;
        this.tx = tx.local();
    }

    /** Sends {@code payloads} in one transaction; throws a {@link org.jeventstore.StorageException} when refused. */
    public void send(List<String> payloads) {
        String[] array = payloads.toArray(String[]::new);
        tx.singleStatement("announcing appends", c -> {
            try (PreparedStatement ps = c.prepareStatement(sql.get("notify-appends"))) {
                ps.setString(1, sql.schema().channel());
                ps.setArray(2, c.createArrayOf("text", array));
                ps.executeQuery().close(); // one row per notification, nothing to read
            }
            return null;
        });
    }
}
