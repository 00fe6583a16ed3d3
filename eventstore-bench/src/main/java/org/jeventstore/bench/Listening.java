package org.jeventstore.bench;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import javax.sql.DataSource;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;

/**
 * A server listening while W1-W3 write (issue 24): one unpooled connection LISTENing on the channels of the
 * workload's stores and of its jdbc+notify baseline, read by a thread of its own as the store's listener reads
 * (pgjdbc {@code getNotifications(500)}). In a cluster every server listens, and a listening backend is what
 * every NOTIFY has to wake, so the write figures are taken with one.
 */
final class Listening implements AutoCloseable {

    private final Connection connection;
    private final Thread reader;
    private final AtomicLong received = new AtomicLong();

    Listening(DataSource direct, List<String> channels) throws SQLException {
        connection = direct.getConnection();
        try (Statement st = connection.createStatement()) {
            for (String channel : channels) {
                st.execute("LISTEN \"" + channel + "\"");
            }
        }
        PGConnection pg = connection.unwrap(PGConnection.class);
        reader = new Thread(() -> {
            try {
                while (!Thread.currentThread().isInterrupted()) {
                    PGNotification[] batch = pg.getNotifications(500);
                    if (batch != null) {
                        received.addAndGet(batch.length);
                    }
                }
            } catch (SQLException e) {
                // closed: the workload is over
            }
        }, "bench-w1-w3-listener");
        reader.setDaemon(true);
        reader.start();
    }

    /** Notifications read so far. */
    long received() {
        return received.get();
    }

    @Override
    public void close() throws SQLException, InterruptedException {
        reader.interrupt();
        reader.join(2_000);
        connection.close();
    }
}
