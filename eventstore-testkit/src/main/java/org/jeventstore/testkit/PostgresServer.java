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

    /**
     * A DataSource on {@code db} with the timeouts the server's DataSources have: connect 5 s, login 10 s, socket
     * (any one read) 120 s, TCP keepalive on.
     */
    public DataSource dataSource(String db) {
        PGSimpleDataSource ds = new PGSimpleDataSource();
        ds.setServerNames(new String[] {host});
        ds.setPortNumbers(new int[] {port});
        ds.setDatabaseName(db);
        ds.setUser(user);
        ds.setPassword(password);
        ds.setApplicationName("jeventstore-test");
        // as the server's DataSources: no network call without a bound (connect, handshake, every read)
        ds.setConnectTimeout(5);
        ds.setLoginTimeout(10);
        ds.setSocketTimeout(120);
        ds.setTcpKeepAlive(true);
        return ds;
    }

    public Connection connect() throws SQLException {
        java.util.Properties props = new java.util.Properties();
        props.setProperty("user", user);
        props.setProperty("password", password);
        props.setProperty("connectTimeout", "5");
        props.setProperty("loginTimeout", "10");
        props.setProperty("socketTimeout", "120");
        props.setProperty("tcpKeepAlive", "true");
        return DriverManager.getConnection(jdbcUrl(), props);
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
