package org.jeventstore.testsupport;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.jeventstore.testkit.Postgres;
import org.jeventstore.testkit.PostgresServer;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A schema of each test's own on the shared test PostgreSQL, reached by plain (unpooled) connections, and an
 * executor for the notification listeners of the stores the test opens on it. As an extension
 * ({@code @RegisterExtension final TestSchema schema = new TestSchema("c_")}): after each test, after the test's own
 * {@code @AfterEach} (which closes its stores), the executor is stopped and the schema dropped.
 */
public final class TestSchema implements AfterEachCallback {

    public final PostgresServer db = Postgres.shared();
    /** The schema's name: {@code prefix} and a random part. */
    public final String name;
    public final DataSource dataSource = db.dataSource();
    public final ExecutorService executor = Executors.newCachedThreadPool();

    public TestSchema(String prefix) {
        name = prefix + Long.toString(ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE, 36);
    }

    /** The saved checkpoint (last_seen) of the subscription {@code subscriptionName}, or -1 if it has no row. */
    public long checkpoint(String subscriptionName) throws SQLException {
        try (Connection c = db.connect();
             PreparedStatement ps = c.prepareStatement("SELECT last_seen FROM \"" + name
                     + "\".subscriptions WHERE subscription_name = ?")) {
            ps.setString(1, subscriptionName);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getLong(1) : -1;
            }
        }
    }

    @Override
    public void afterEach(ExtensionContext context) throws InterruptedException, SQLException {
        executor.shutdownNow();
        executor.awaitTermination(10, TimeUnit.SECONDS);
        try (Connection c = db.connect(); Statement st = c.createStatement()) {
            st.execute("DROP SCHEMA IF EXISTS \"" + name + "\" CASCADE");
        }
    }
}
