package com.example.accounts;

import jakarta.annotation.Resource;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.transaction.Transactional;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Optional;
import javax.sql.DataSource;
import org.jeventstore.EventSubscription;
import org.jeventstore.FencingToken;
import org.jeventstore.RecordedEvent;

/**
 * The durable read model: each account's balance in a table, written by a persistent subscription in one
 * transaction together with the model's own position in {@code $all} and the fencing epoch of the writer.
 *
 * <p>Why its own position: the subscription delivers every event at least once. After a crash (kill -9, a lost
 * server) it resumes from its last saved checkpoint and delivers again what came after it; a graceful stop
 * delivers nothing twice. The balances and the position commit together, so an event at or below the stored
 * position has been applied and is skipped: each event counts exactly once, whatever is delivered again.
 *
 * <p>Why the epoch: a holder whose lock session died while it ran (a long GC pause) may still be writing while
 * the next holder delivers. The position row is locked by each transaction, and one whose epoch is lower than the
 * one stored writes nothing.
 */
@ApplicationScoped
public class BalanceReadModel {

    static final String NAME = "account-balances";

    /** One account as the read model holds it. */
    public record Balance(String id, long balance, long version) {
    }

    /** The store's database; a read model may as well live in a database of its own. */
    @Resource(lookup = "jdbc/eventstore")
    DataSource db;

    private volatile boolean tablesExist;

    /**
     * Called for every event of {@code $all}, on the one server holding the subscription's lock. A normal return
     * acknowledges the event; an exception rolls this transaction back and the event is delivered again.
     */
    @Transactional
    void project(@Observes @EventSubscription(name = NAME) RecordedEvent event, FencingToken token) {
        try (Connection c = db.getConnection()) {
            createTables(c);
            long[] stored = position(c); // locks the position row until this transaction ends
            if (token.epoch() < stored[1]) {
                return; // a later holding has written here: this one is over and writes nothing
            }
            if (event.eventNumber() <= stored[0]) {
                return; // delivered again after a crash: applied already
            }
            if (event.streamId().startsWith("account-")) {
                apply(c, event);
            }
            try (PreparedStatement st = c.prepareStatement(
                    "UPDATE read_model_positions SET position = ?, epoch = ? WHERE name = ?")) {
                st.setLong(1, event.eventNumber());
                st.setLong(2, token.epoch());
                st.setString(3, NAME);
                st.executeUpdate();
            }
        } catch (SQLException e) {
            throw new IllegalStateException("projecting event " + event.eventNumber() + " into " + NAME + " failed: "
                    + e.getMessage(), e);
        }
    }

    public Optional<Balance> find(String id) {
        try (Connection c = db.getConnection();
             PreparedStatement st = c.prepareStatement(
                     "SELECT balance, version FROM account_balances WHERE id = ?")) {
            st.setString(1, id);
            try (ResultSet rs = st.executeQuery()) {
                return rs.next() ? Optional.of(new Balance(id, rs.getLong(1), rs.getLong(2))) : Optional.empty();
            }
        } catch (SQLException e) {
            if ("42P01".equals(e.getSQLState())) {
                return Optional.empty(); // no event projected yet: the tables come with the first
            }
            throw new IllegalStateException("reading the balance of " + id + " failed: " + e.getMessage(), e);
        }
    }

    private static void apply(Connection c, RecordedEvent event) throws SQLException {
        String id = event.streamId().substring("account-".length());
        String sql = event.data() instanceof AccountOpened
                ? "INSERT INTO account_balances (id, balance, version) VALUES (?, ?, ?) ON CONFLICT (id) DO NOTHING"
                : "UPDATE account_balances SET balance = balance + ?, version = ? WHERE id = ?";
        try (PreparedStatement st = c.prepareStatement(sql)) {
            long change = Account.apply(0, event.data());
            if (event.data() instanceof AccountOpened) {
                st.setString(1, id);
                st.setLong(2, change);
                st.setLong(3, event.streamVersion());
            } else {
                st.setLong(1, change);
                st.setLong(2, event.streamVersion());
                st.setString(3, id);
            }
            st.executeUpdate();
        }
    }

    private static long[] position(Connection c) throws SQLException {
        try (PreparedStatement st = c.prepareStatement(
                "SELECT position, epoch FROM read_model_positions WHERE name = ? FOR UPDATE")) {
            st.setString(1, NAME);
            try (ResultSet rs = st.executeQuery()) {
                if (!rs.next()) {
                    throw new SQLException("no row " + NAME + " in read_model_positions");
                }
                return new long[] {rs.getLong(1), rs.getLong(2)};
            }
        }
    }

    /** Creates the tables with the first event (in its transaction), so the server starts without the database. */
    private void createTables(Connection c) throws SQLException {
        if (tablesExist) {
            return;
        }
        try (Statement st = c.createStatement()) {
            st.execute("CREATE TABLE IF NOT EXISTS account_balances (id text PRIMARY KEY, balance bigint NOT NULL,"
                    + " version bigint NOT NULL)");
            st.execute("CREATE TABLE IF NOT EXISTS read_model_positions (name text PRIMARY KEY,"
                    + " position bigint NOT NULL, epoch bigint NOT NULL)");
            st.execute("INSERT INTO read_model_positions (name, position, epoch) VALUES ('" + NAME + "', 0, 0)"
                    + " ON CONFLICT (name) DO NOTHING");
        }
        tablesExist = true;
    }
}
