package org.jeventstore.it.cluster.app;

import jakarta.annotation.Resource;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.UUID;
import javax.sql.DataSource;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/** Writes what this server received into tables the cluster test reads. */
@ApplicationScoped
public class Recorder {

    @Resource(lookup = "jdbc/eventstore")
    DataSource dataSource;

    @Inject
    @ConfigProperty(name = "CLUSTER_SERVER_NAME", defaultValue = "unnamed")
    String server;

    public void delivery(String subscription, UUID eventId, long eventNumber) throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("INSERT INTO cluster_deliveries"
                     + " (subscription, event_id, event_number, server) VALUES (?, ?, ?, ?)")) {
            ps.setString(1, subscription);
            ps.setObject(2, eventId);
            ps.setLong(3, eventNumber);
            ps.setString(4, server);
            ps.executeUpdate();
        }
    }

    public void delivery(String subscription, UUID eventId, long eventNumber, String stream, long version)
            throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("INSERT INTO cluster_deliveries"
                     + " (subscription, event_id, event_number, server, stream, stream_version)"
                     + " VALUES (?, ?, ?, ?, ?, ?)")) {
            ps.setString(1, subscription);
            ps.setObject(2, eventId);
            ps.setLong(3, eventNumber);
            ps.setString(4, server);
            ps.setString(5, stream);
            ps.setLong(6, version);
            ps.executeUpdate();
        }
    }

    public void notification(String stream, long toVersion) throws SQLException {
        java.time.OffsetDateTime received = java.time.OffsetDateTime.now(java.time.ZoneOffset.UTC);
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("INSERT INTO cluster_notifications"
                     + " (server, stream, to_version, received_at) VALUES (?, ?, ?, ?)")) {
            ps.setString(1, server);
            ps.setString(2, stream);
            ps.setLong(3, toVersion);
            ps.setObject(4, received);
            ps.executeUpdate();
        }
    }
}
