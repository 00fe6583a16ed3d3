package org.jeventstore.storage;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.logging.Logger;
import org.jeventstore.ConfigurationException;
import org.jeventstore.DataFormat;
import org.jeventstore.StorageException;

/** Creates, checks, resets and drops the store's schema. Safe when several servers start at once. */
public final class SchemaManager {

    /** The schema version this code writes and expects (Elixir EventStore's numbering). */
    public static final String CURRENT_VERSION = "1.3.2";

    private static final Logger LOG = Logger.getLogger(SchemaManager.class.getName());

    /**
     * What the database holds. OUTDATED also covers Elixir's layout at our version without jeventstore's own
     * additions (schema-additions.sql), and an earlier jeventstore's protection triggers (table-protection.sql),
     * which {@link #migrate()} adds or replaces. UNSUPPORTED: the JSON columns are of a type this store cannot
     * serve ({@link DataColumns}); {@link #migrate()} says which.
     */
    public enum Status { MISSING, CURRENT, OUTDATED, NEWER, UNSUPPORTED }

    private final Sql sql;
    private final Transactions tx;
    private final DataColumns columns;
    private final DataFormat newColumns;

    /** @param newColumns the type of the JSON columns of a schema this manager creates */
    public SchemaManager(Sql sql, Transactions tx, DataColumns columns, DataFormat newColumns) {
        this.sql = sql;
        this.tx = tx;
        this.columns = columns;
        this.newColumns = java.util.Objects.requireNonNull(newColumns, "newColumns");
    }

    /**
     * Creates the schema when it is missing, or brings Elixir's layout (or an earlier jeventstore's) at our
     * version up to date; idempotent. Fails when the database holds another version, or JSON columns this store
     * cannot serve ({@link org.jeventstore.ConfigurationException}, nothing changed).
     */
    public void migrate() {
        local("migrating schema " + sql.schema(), c -> {
            lock(c);
            Status status = status(c);
            if (status == Status.MISSING) {
                try (Statement st = c.createStatement()) {
                    st.execute(sql.get("schema-additions"));
                    st.execute(sql.get("create-schema").replace("${datatype}", newColumns.sqlType()));
                    st.execute(sql.get("table-protection"));
                }
                columns.detect(c);
                LOG.info(() -> "JES0001I created event store schema " + sql.schema() + " (version "
                        + CURRENT_VERSION + ", " + newColumns.sqlType() + " columns)");
            } else if (status == Status.UNSUPPORTED) {
                columns.detect(c); // throws, naming the column
            } else if (status == Status.OUTDATED && CURRENT_VERSION.equals(version(c))) {
                if (!present(c, "schema-additions-present")) {
                    // Elixir's layout without our additions
                    try (Statement st = c.createStatement()) {
                        st.execute(sql.get("schema-additions"));
                    }
                    LOG.info(() -> "JES0005I added jeventstore's tables and functions to event store schema "
                            + sql.schema());
                }
                if (!present(c, "table-protection-present")) {
                    // an earlier jeventstore's row-level triggers with messages of its own
                    try (Statement st = c.createStatement()) {
                        st.execute(sql.get("table-protection"));
                    }
                    LOG.info(() -> "JES0006I replaced the protection triggers of event store schema " + sql.schema()
                            + " with Elixir EventStore's");
                }
            } else if (status != Status.CURRENT) {
                throw new StorageException("schema " + sql.schema() + " holds event store version " + version(c)
                        + "; this jeventstore uses " + CURRENT_VERSION + " and has no migration for it", null, null);
            }
            return null;
        });
    }

    public Status status() {
        return tx.onConnection("checking schema " + sql.schema(), this::status);
    }

    /** Why this store cannot serve the schema's JSON columns ({@link Status#UNSUPPORTED}); {@code null} if it can. */
    public String columnsProblem() {
        try {
            tx.onConnection("checking the data columns of schema " + sql.schema(), columns::detect);
            return null;
        } catch (ConfigurationException e) {
            return e.getMessage();
        }
    }

    /**
     * Serializes migrations: always our own lock (servers creating a fresh schema at once), and, once the schema
     * has its subscriptions table, Elixir EventStore's migration lock, so that no server migrates while
     * {@code mix event_store.migrate} does (and the reverse). Both are transaction-level: released at commit.
     */
    /**
     * The oid of the store's table {@code table}, or null while it does not exist: the advisory-lock namespaces of
     * the store are the oids of its subscriptions and partition-count tables (as Elixir keys its locks).
     */
    public static Long tableOid(Connection c, Sql sql, String table) throws SQLException {
        NamedStatement query = sql.named("subscriptions-table-oid");
        try (PreparedStatement ps = c.prepareStatement(query.jdbc())) {
            try (ResultSet rs = query.bind(ps).text("table_name", sql.schema().quoted() + "." + table).ready()
                    .executeQuery()) {
                if (!rs.next()) {
                    return null;
                }
                long value = rs.getLong(1);
                return rs.wasNull() ? null : value;
            }
        }
    }

    private void lock(Connection c) throws SQLException {
        NamedStatement migration = sql.named("lock-schema-migration");
        try (PreparedStatement ps = c.prepareStatement(migration.jdbc())) {
            migration.bind(ps).text("schema_name", sql.schema().name()).ready().executeQuery().close();
        }
        Long oid = tableOid(c, sql, "subscriptions");
        if (oid != null) {
            NamedStatement elixir = sql.named("lock-elixir-migration");
            try (PreparedStatement ps = c.prepareStatement(elixir.jdbc())) {
                // the namespace as the subscription locks key it (AdvisoryLocks)
                elixir.bind(ps).integer("namespace", (int) (long) oid).ready().executeQuery().close();
            }
        }
    }

    /** Removes every row and restarts the counters. For tests. */
    public void reset() {
        local("resetting schema " + sql.schema(), c -> {
            try (Statement st = c.createStatement()) {
                st.execute(sql.get("reset-schema"));
            }
            return null;
        });
    }

    /** Drops the store's tables and functions (and the schema itself unless it is {@code public}). */
    public void drop() {
        local("dropping schema " + sql.schema(), c -> {
            try (Statement st = c.createStatement()) {
                st.execute(sql.get("drop-schema"));
                if (!"public".equals(sql.schema().name())) {
                    st.execute("DROP SCHEMA IF EXISTS " + sql.schema().quoted() + " CASCADE");
                }
            }
            return null;
        });
        // whatever is made here next may have other column types
        columns.forget();
        sql.forgetFormat();
    }

    private Status status(Connection c) throws SQLException {
        NamedStatement exists = sql.named("schema-exists");
        try (PreparedStatement ps = c.prepareStatement(exists.jdbc())) {
            try (ResultSet rs = exists.bind(ps).text("quoted_schema", sql.schema().quoted()).ready().executeQuery()) {
                rs.next();
                if (!rs.getBoolean(1)) {
                    return Status.MISSING;
                }
            }
        }
        String version = version(c);
        if (version == null) {
            return Status.MISSING;
        }
        int cmp = compare(version, CURRENT_VERSION);
        if (cmp == 0) {
            try {
                columns.detect(c);
            } catch (ConfigurationException e) {
                return Status.UNSUPPORTED;
            }
            return present(c, "schema-additions-present") && present(c, "table-protection-present")
                    ? Status.CURRENT : Status.OUTDATED;
        }
        return cmp < 0 ? Status.OUTDATED : Status.NEWER;
    }

    /** Runs a check of what the schema holds ({@code *-present.sql}, input {@code :quoted_schema}). */
    private boolean present(Connection c, String check) throws SQLException {
        NamedStatement st = sql.named(check);
        try (PreparedStatement ps = c.prepareStatement(st.jdbc())) {
            try (ResultSet rs = st.bind(ps).text("quoted_schema", sql.schema().quoted()).ready().executeQuery()) {
                return rs.next() && rs.getBoolean(1);
            }
        }
    }

    private String version(Connection c) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql.get("schema-version"))) {
            return rs.next() ? rs.getInt(1) + "." + rs.getInt(2) + "." + rs.getInt(3) : null;
        }
    }

    private static int compare(String a, String b) {
        String[] x = a.split("\\.");
        String[] y = b.split("\\.");
        for (int i = 0; i < 3; i++) {
            int d = Integer.compare(Integer.parseInt(x[i]), Integer.parseInt(y[i]));
            if (d != 0) {
                return d;
            }
        }
        return 0;
    }

    /** Schema work always runs in its own local transaction, never in a caller's JTA transaction. */
    private void local(String what, Transactions.Work<Void> work) {
        tx.local().write(what, work);
    }
}
