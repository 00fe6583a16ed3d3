package org.jeventstore.cdi;

import jakarta.transaction.Status;
import jakarta.transaction.UserTransaction;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Level;
import java.util.logging.Logger;
import javax.sql.DataSource;
import org.jeventstore.notifications.NotificationListener;

/**
 * What the store needs from the server it is deployed to, checked at start, each finding saying what to change.
 * A setup the store cannot work with (the driver where the application cannot see it, appends that would not join
 * the caller's transaction) makes readiness DOWN (JES0010E); one it works with, but badly under failures
 * (no timeouts, a listen DataSource that joins transactions), is a warning (JES0011W).
 *
 * <p>The DataSources are checked on connections, since their server configuration is not readable from an
 * application: what the driver reports (pgjdbc's network timeout is its {@code socketTimeout}), what a statement
 * reports (Liberty's {@code queryTimeout}), whether a connection taken inside a JTA transaction is enlisted in it
 * (two statements in one database transaction). Connection sharing ({@code enableSharingForDirectLookups}) is not
 * checked: no connection shows it (a connection closed in a task and the next one taken are the same session
 * with sharing and, from the pool, mostly without).
 */
final class SetupCheck {

    private static final Logger LOG = Logger.getLogger(SetupCheck.class.getName());

    /** A class of pgjdbc's that the listener uses; the one whose absence made listeners die unseen. */
    static final String DRIVER_CLASS = "org.postgresql.PGConnection";

    /** A finding: {@code fatal} ones make readiness DOWN, the others are warnings. */
    record Finding(boolean fatal, String message) {
    }

    private SetupCheck() {
    }

    /** {@code null} when pgjdbc's classes are visible to {@code loader} (the EAR lib's, where jeventstore is). */
    static String driverProblem(ClassLoader loader) {
        try {
            Class.forName(DRIVER_CLASS, false, loader);
            return null;
        } catch (ClassNotFoundException | LinkageError e) {
            return "org.postgresql is not visible to jeventstore (" + DRIVER_CLASS + " cannot be loaded by the class"
                    + " loader of its jars): " + NotificationListener.DRIVER_PLACEMENT;
        }
    }

    /**
     * Checks both DataSources. Throws {@link SQLException} when the database does not answer (the caller checks
     * again later); a check that cannot be made for another reason is skipped.
     *
     * @param transactions a UserTransaction to take connections inside one; {@code null} skips those checks
     */
    static List<Finding> dataSources(DataSource store, String storeName, DataSource listen, String listenName,
                                     UserTransaction transactions) throws SQLException {
        List<Finding> findings = new ArrayList<>();
        try (Connection c = store.getConnection()) {
            if (c.getNetworkTimeout() == 0) {
                findings.add(new Finding(false, storeName + " has no socket timeout: a read on a connection whose"
                        + " network died waits for ever, holding the caller and the connection. Set socketTimeout"
                        + " (seconds) on its properties.postgresql, e.g. socketTimeout=\"120\""));
            }
            try (Statement st = c.createStatement()) {
                if (st.getQueryTimeout() == 0) {
                    findings.add(new Finding(false, storeName + " has no query timeout: a statement that waits (on a"
                            + " lock, a saturated server) is never cancelled. Set queryTimeout on its dataSource,"
                            + " e.g. queryTimeout=\"60s\", below its socketTimeout"));
                }
            }
        }
        if (transactions != null) {
            enlistment(store, storeName, listen, listenName, transactions, findings);
        }
        return findings;
    }

    /**
     * Inside a JTA transaction, a connection of the transactional DataSource must be enlisted (appends join the
     * caller's transaction) and one of the listen DataSource must not be (its LISTEN and locks outlive every
     * transaction). One transaction per DataSource: two
     * one-phase resources in one would be refused.
     */
    private static void enlistment(DataSource store, String storeName, DataSource listen, String listenName,
                                   UserTransaction transactions, List<Finding> findings) throws SQLException {
        Boolean storeJoins = joins(store, transactions);
        if (Boolean.FALSE.equals(storeJoins)) {
            findings.add(new Finding(true, storeName + " does not join JTA transactions (its connections commit"
                    + " each statement inside one): appends would commit on their own, outside the caller's"
                    + " transaction. Remove transactional=\"false\" from its dataSource"));
        }
        if (Boolean.TRUE.equals(joins(listen, transactions))) {
            findings.add(new Finding(false, listenName + " joins JTA transactions: the listener's and the locks'"
                    + " long-lived connections must stay outside every transaction. Set transactional=\"false\""
                    + " on its dataSource"));
        }
    }

    /** Whether a connection of {@code ds} taken inside a new JTA transaction is enlisted; null when unknown. */
    private static Boolean joins(DataSource ds, UserTransaction transactions) throws SQLException {
        try {
            if (transactions.getStatus() != Status.STATUS_NO_TRANSACTION) {
                return null; // started inside someone's transaction: not ours to probe
            }
            transactions.begin();
        } catch (Exception e) {
            LOG.log(Level.FINE, "no JTA transaction to check the DataSources' enlistment in", e);
            return null;
        }
        try (Connection c = ds.getConnection()) {
            // in a transaction block both statements see one transaction id; in autocommit each has its own (the
            // handle's getAutoCommit does not tell: on Liberty it answered true for an enlisted connection)
            return transactionId(c) == transactionId(c);
        } finally {
            try {
                transactions.rollback();
            } catch (Exception e) {
                LOG.log(Level.FINE, "rolling back the DataSource check's transaction failed", e);
            }
        }
    }

    private static long transactionId(Connection c) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT txid_current()")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static int backendPid(Connection c) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT pg_backend_pid()")) {
            rs.next();
            return rs.getInt(1);
        }
    }
}
