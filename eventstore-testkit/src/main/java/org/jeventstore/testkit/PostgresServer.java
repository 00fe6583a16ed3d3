package org.jeventstore.testkit;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import javax.sql.DataSource;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * A reachable PostgreSQL server and the database tests or the dev server use on it.
 *
 * @param origin where it came from ("environment", "testcontainers", "embedded"), for logs
 */
public record PostgresServer(String host, int port, String database, String user, String password, String origin) {

    public String jdbcUrl(String db) {
        return "jdbc:postgresql://" + host + ":" + port + "/" + db;
    }

    public String jdbcUrl() {
        return jdbcUrl(database);
    }

    public DataSource dataSource() {
        return dataSource(database);
    }

    public DataSource dataSource(String db) {
        PGSimpleDataSource ds = new PGSimpleDataSource();
        ds.setServerNames(new String[] {host});
        ds.setPortNumbers(new int[] {port});
        ds.setDatabaseName(db);
        ds.setUser(user);
        ds.setPassword(password);
        ds.setApplicationName("jeventstore-test");
        return ds;
    }

    public Connection connect() throws SQLException {
        return DriverManager.getConnection(jdbcUrl(), user, password);
    }

    /** This server with another database name. */
    public PostgresServer withDatabase(String db) {
        return new PostgresServer(host, port, db, user, password, origin);
    }

    /** Creates a new, empty database with a random name starting with {@code prefix}; returns the name. */
    public String createDatabase(String prefix) {
        String name = prefix + "_" + Long.toHexString(ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE);
        execute("CREATE DATABASE \"" + name + "\"");
        return name;
    }

    /** Drops a database created by {@link #createDatabase}, disconnecting whoever is still on it. */
    public void dropDatabase(String name) {
        execute("DROP DATABASE IF EXISTS \"" + name + "\" WITH (FORCE)");
    }

    private void execute(String sql) {
        try (Connection c = connect(); Statement st = c.createStatement()) {
            st.execute(sql);
        } catch (SQLException e) {
            throw new IllegalStateException(sql + " failed on " + jdbcUrl() + ": " + e.getMessage(), e);
        }
    }

    /** The settings as the {@code EVENTSTORE_DB_*} variables the Liberty server configuration reads. */
    public Map<String, String> environment() {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("EVENTSTORE_DB_HOST", host);
        env.put("EVENTSTORE_DB_PORT", Integer.toString(port));
        env.put("EVENTSTORE_DB_NAME", database);
        env.put("EVENTSTORE_DB_USER", user);
        env.put("EVENTSTORE_DB_PASSWORD", password);
        return env;
    }

    @Override
    public String toString() {
        return origin + " PostgreSQL at " + jdbcUrl() + " (user " + user + ")";
    }
}
