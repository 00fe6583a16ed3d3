package org.jeventstore.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.logging.Logger;
import org.jeventstore.testkit.Postgres;
import org.jeventstore.testkit.PostgresServer;
import org.junit.platform.launcher.LauncherSession;
import org.junit.platform.launcher.LauncherSessionListener;

/**
 * Before any test runs (and so before Arquillian starts Liberty), provides PostgreSQL, creates a fresh database
 * for this run and points the Arquillian server at it through a configuration override; drops it at the end.
 */
public class TestDatabaseSession implements LauncherSessionListener {

    private static final Logger LOG = Logger.getLogger(TestDatabaseSession.class.getName());
    private static volatile PostgresServer database;
    private Path override;

    /** The database the Arquillian server uses in this run. */
    public static PostgresServer database() {
        if (database == null) {
            throw new IllegalStateException("no test database: TestDatabaseSession did not run");
        }
        return database;
    }

    @Override
    public void launcherSessionOpened(LauncherSession session) {
        String wlp = System.getProperty("wlp.home");
        String serverName = System.getProperty("arquillian.server.name");
        if (wlp == null || serverName == null) {
            return; // not a failsafe run of this module
        }
        PostgresServer server = Postgres.shared();
        database = server.withDatabase(server.createDatabase("jes_it"));
        override = Path.of(wlp, "usr", "servers", serverName, "configDropins", "overrides", "test-database.xml");
        StringBuilder xml = new StringBuilder("<server>\n");
        database.environment().forEach((k, v) ->
                xml.append("  <variable name=\"").append(k).append("\" value=\"").append(v).append("\"/>\n"));
        xml.append("</server>\n");
        try {
            Files.createDirectories(override.getParent());
            Files.writeString(override, xml);
        } catch (IOException e) {
            throw new UncheckedIOException("could not write " + override, e);
        }
        LOG.info(() -> "in-container tests use " + database);
    }

    @Override
    public void launcherSessionClosed(LauncherSession session) {
        if (database == null) {
            return;
        }
        WebServer.stop();
        try {
            Files.deleteIfExists(override);
        } catch (IOException e) {
            LOG.warning("could not remove " + override + ": " + e.getMessage());
        }
        Postgres.shared().dropDatabase(database.database());
    }
}
