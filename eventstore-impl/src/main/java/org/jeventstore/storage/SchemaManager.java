package org.jeventstore.storage;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.logging.Logger;
import org.jeventstore.StorageException;

/** Creates, checks, resets and drops the store's schema. Safe when several servers start at once. */
public final class SchemaManager {

    /** The schema version this code writes and expects (Elixir EventStore's numbering). */
    public static final String CURRENT_VERSION = "1.3.2";

    private static final Logger LOG = Logger.getLogger(SchemaManager.class.getName());

    /**
     * What the database holds. OUTDATED also covers Elixir's layout at our version without jeventstore's own
     * additions (schema-additions.sql), which {@link #migrate()} adds.
     */
    public enum Status { MISSING, CURRENT, OUTDATED, NEWER }

    private final Sql sql;
    private final Transactions tx;

    public SchemaManager(Sql sql, Transactions tx) {
        this.sql = sql;
        this.tx = tx;
    }

    /** Creates the schema when it is missing (idempotent); fails when the database holds another version. */
    public void migrate() {
        local("migrating schema " + sql.schema(), c -> {
            try (PreparedStatement ps = c.prepareStatement(sql.get("lock-schema-migration"))) {
                ps.setString(1, sql.schema().name());
                ps.executeQuery().close();
            }
            Status status = status(c);
            if (status == Status.MISSING) {
                try (Statement st = c.createStatement()) {
                    st.execute(sql.get("schema-additions"));
                    st.execute(sql.get("create-schema"));
                }
                LOG.info(() -> "JES0001I created event store schema " + sql.schema() + " (version "
                        + CURRENT_VERSION + ")");
            } else if (status == Status.OUTDATED && CURRENT_VERSION.equals(version(c))) {
                // Elixir's layout (or an earlier jeventstore's) without our additions
                try (Statement st = c.createStatement()) {
                    st.execute(sql.get("schema-additions"));
                }
                LOG.info(() -> "JES0005I added jeventstore's tables and functions to event store schema "
                        + sql.schema());
            } else if (status != Status.CURRENT) {
                throw new StorageException("schema " + sql.schema() + " holds event store version " + version(c)
                        + "; this jeventstore uses " + CURRENT_VERSION + " and has no migration for it", null, null);
            }
            return null;
        });
    }

    public Status status() {
        return tx.read("checking schema " + sql.schema(), this::status);
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
    }

    private Status status(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql.get("schema-exists"))) {
            ps.setString(1, sql.schema().quoted());
            try (ResultSet rs = ps.executeQuery()) {
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
            return additionsPresent(c) ? Status.CURRENT : Status.OUTDATED;
        }
        return cmp < 0 ? Status.OUTDATED : Status.NEWER;
    }

    private boolean additionsPresent(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql.get("schema-additions-present"))) {
            ps.setString(1, sql.schema().quoted());
            ps.setString(2, sql.schema().quoted());
            try (ResultSet rs = ps.executeQuery()) {
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
