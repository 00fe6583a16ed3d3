package org.jeventstore.postgres;

import java.sql.Array;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import org.jeventstore.Subscription;
import org.jeventstore.SubscriptionState;
import org.jeventstore.notifications.NotificationListener;
import org.jeventstore.operations.EventStoreOperations;
import org.jeventstore.storage.LinkPasses;
import org.jeventstore.storage.NamedStatement;
import org.jeventstore.storage.SchemaManager;
import org.jeventstore.storage.Sql;
import org.jeventstore.storage.Transactions;
import org.jeventstore.subscriptions.LockKeys;
import org.jeventstore.subscriptions.PartitionName;
import org.jeventstore.subscriptions.Subscriptions;

/** The store's {@link EventStoreOperations}: a read-only view over its tables, its locks and this server. */
public final class PostgresOperations implements EventStoreOperations {

    private final Sql sql;
    private final Transactions tx;
    private final LinkPasses passes;
    private final SchemaManager schema;
    private final Subscriptions subscriptions;
    private final NotificationListener listener;
    private final boolean hardDeletes;
    /** What the container's checks at start found wrong with the server's setup: summary and detail. */
    private volatile String[] setupProblem;
    private final BiFunction<String, String, String> skipped;

    /**
     * For the store; applications call {@code store.operations()}.
     *
     * @param skipped what a subscription (stream, name) running here skipped without its handler (events of
     *                unknown types, events upcast to none), as text for its state; {@code null} for nothing
     */
    PostgresOperations(Sql sql, Transactions tx, LinkPasses passes, SchemaManager schema,
                                Subscriptions subscriptions, NotificationListener listener, boolean hardDeletes,
                                BiFunction<String, String, String> skipped) {
        this.skipped = skipped;
        this.sql = sql;
        this.tx = tx.local();
        this.passes = passes;
        this.schema = schema;
        this.subscriptions = subscriptions;
        this.listener = listener;
        this.hardDeletes = hardDeletes;
    }

    /**
     * Marks this server not ready for a reason of its setup that no retry mends (the driver where the application
     * cannot see it, say): {@code summary} names nothing internal (it goes to an open probe), {@code detail} says
     * what to change. Readiness stays DOWN with it until the application restarts.
     */
    public void reportSetupProblem(String summary, String detail) {
        setupProblem = new String[] {summary, detail};
    }

    /**
     * Ready when the server's setup is sound (see {@link #reportSetupProblem}; a notification listener that
     * stopped for good counts), the database answers and holds the current schema.
     */
    @Override
    public Readiness readiness() {
        String[] setup = setupProblem;
        if (setup != null) {
            return new Readiness(false, "misconfigured: " + setup[0], setup[1]);
        }
        String listenerFailure = listener == null ? null : listener.failure();
        if (listenerFailure != null) {
            return new Readiness(false, "misconfigured: the notification listener stopped (see the log, JES0109E)",
                    listenerFailure);
        }
        try {
            boolean valid = tx.onConnection("checking the database connection", c -> c.isValid(5));
            if (!valid) {
                return new Readiness(false, "database unreachable", "database connection is not valid");
            }
        } catch (RuntimeException e) {
            return new Readiness(false, "database unreachable", "database unreachable: " + e.getMessage());
        }
        SchemaManager.Status status;
        try {
            status = schema.status();
            if (status == SchemaManager.Status.UNSUPPORTED) {
                String problem = schema.columnsProblem();
                if (problem != null) {
                    return new Readiness(false, "schema cannot be served", problem);
                }
            }
        } catch (RuntimeException e) {
            return new Readiness(false, "schema check failed", "schema check failed: " + e.getMessage());
        }
        if (status != SchemaManager.Status.CURRENT) {
            return new Readiness(false, "schema not current", "schema " + sql.schema() + " is " + status
                    + " (expected version " + SchemaManager.CURRENT_VERSION + ")");
        }
        return new Readiness(true, "ready", "ready");
    }

    /** Since when the notification listener has been reconnecting; {@code null} while connected (or none). */
    @Override
    public Instant listenerDownSince() {
        return listener == null ? null : listener.disconnectedSince();
    }

    /**
     * Since when the subscriptions' advisory-lock connection has been down; {@code null} while it works (or the
     * store has no subscriptions).
     */
    @Override
    public Instant lockConnectionDownSince() {
        return subscriptions == null ? null : subscriptions.lockConnectionDownSince();
    }

    @Override
    public LinkBacklog linkBacklog() {
        LinkPasses.Backlog b = passes.backlog();
        return new LinkBacklog(b.appends(), b.oldestMillis(), b.setAside());
    }

    @Override
    public boolean hardDeletesEnabled() {
        return hardDeletes;
    }

    /** The servers up now, oldest first, each with the subscriptions it holds. */
    @Override
    public List<ServerInfo> servers() {
        Map<Long, String> names = new HashMap<>();
        List<SubscriptionInfo> all = subscriptions();
        for (SubscriptionInfo s : all) {
            names.put((long) LockKeys.of(s.id()), s.streamId() + "/" + s.name());
        }
        int self = subscriptions == null ? 0 : subscriptions.lockSessionPid();
        return tx.onConnection("listing the servers of schema " + sql.schema(), c -> {
            int namespace = LockKeys.namespace(c, sql);
            List<ServerInfo> out = new ArrayList<>();
            if (namespace == 0) {
                return out;
            }
            NamedStatement st = sql.named("list-servers");
            try (PreparedStatement ps = c.prepareStatement(st.jdbc())) {
                try (ResultSet rs = st.bind(ps).integer("namespace", namespace).ready().executeQuery()) {
                    while (rs.next()) {
                        int pid = rs.getInt(1);
                        String address = rs.getString(2) + (rs.getObject(3) == null ? "" : ":" + rs.getInt(3));
                        List<String> holds = new ArrayList<>();
                        Array keys = rs.getArray(5);
                        for (Object k : (Object[]) keys.getArray()) {
                            holds.add(names.getOrDefault(((Number) k).longValue(), "lock " + k));
                        }
                        out.add(new ServerInfo(pid, address, rs.getObject(4, OffsetDateTime.class),
                                pid != 0 && pid == self, holds));
                    }
                }
            }
            return out;
        });
    }

    /** A partitioned subscription's row counts the parked events of all its partitions (each row its own too). */
    private static List<SubscriptionInfo> withPartitionsParked(List<SubscriptionInfo> rows) {
        List<SubscriptionInfo> out = new ArrayList<>(rows.size());
        for (SubscriptionInfo r : rows) {
            long parked = r.parked();
            for (SubscriptionInfo p : rows) {
                if (p.streamId().equals(r.streamId()) && PartitionName.isPartitionOf(p.name(), r.name())) {
                    parked += p.parked();
                }
            }
            out.add(parked == r.parked() ? r : new SubscriptionInfo(r.id(), r.streamId(), r.name(), r.checkpoint(),
                    r.head(), r.lagEvents(), r.lagMillis(), r.holderPid(), r.localState(), parked));
        }
        return out;
    }

    /** Every persistent subscription in the store (running on any server or none). */
    @Override
    public List<SubscriptionInfo> subscriptions() {
        Map<String, Subscription> local = new HashMap<>();
        if (subscriptions != null) {
            for (Subscription s : subscriptions.running()) {
                local.put(s.streamId() + "\u0000" + s.name(), s);
            }
        }
        return tx.onConnection("listing the subscriptions of schema " + sql.schema(), c -> {
            int namespace = LockKeys.namespace(c, sql);
            List<SubscriptionInfo> out = new ArrayList<>();
            if (namespace == 0) {
                return out;
            }
            Map<Long, Integer> holders = new HashMap<>();
            NamedStatement lockHolders = sql.named("list-lock-holders");
            try (PreparedStatement ps = c.prepareStatement(lockHolders.jdbc())) {
                try (ResultSet rs = lockHolders.bind(ps).integer("namespace", namespace).ready().executeQuery()) {
                    while (rs.next()) {
                        holders.put(rs.getLong(1), rs.getInt(2));
                    }
                }
            }
            try (PreparedStatement ps = c.prepareStatement(sql.get("list-subscriptions"))) {
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        String stream = rs.getString(2);
                        String name = rs.getString(3);
                        long checkpoint = rs.getLong(4);
                        long head = rs.getLong(5);
                        OffsetDateTime oldest = rs.getObject(6, OffsetDateTime.class);
                        long lagMillis = oldest == null ? 0
                                : Math.max(0, Duration.between(oldest.toInstant(), Instant.now()).toMillis());
                        Subscription running = local.get(stream + "\u0000" + name);
                        String state = running == null ? null : describe(running.state());
                        int abandoned = running == null ? 0 : subscriptions.abandonedCalls(stream, name);
                        if (abandoned > 0) {
                            state += ", " + abandoned + " call(s) abandoned past handlerTimeout still running";
                        }
                        String standby = running == null ? null : subscriptions.standbyReason(stream, name);
                        if (standby != null) {
                            state += " (" + standby + ")";
                        }
                        String skippedHere = running == null ? null : skipped.apply(stream, name);
                        if (skippedHere != null) {
                            state += ", " + skippedHere;
                        }
                        long id = rs.getLong(1);
                        out.add(new SubscriptionInfo(id, stream, name, checkpoint, head, Math.max(0, head - checkpoint),
                                lagMillis, holders.getOrDefault((long) LockKeys.of(id), 0), state, rs.getLong(7)));
                    }
                }
            }
            return withPartitionsParked(out);
        });
    }

    /** Where the event with this id was appended, if it is stored. */
    @Override
    public java.util.Optional<EventLocation> findEvent(java.util.UUID eventId) {
        return tx.onConnection("finding event " + eventId, c -> {
            NamedStatement st = sql.named("find-event");
            try (PreparedStatement ps = c.prepareStatement(st.jdbc())) {
                try (ResultSet rs = st.bind(ps).uuid("event_id", eventId).ready().executeQuery()) {
                    return rs.next() ? java.util.Optional.of(new EventLocation(eventId, rs.getString(1), rs.getLong(2)))
                            : java.util.Optional.<EventLocation>empty();
                }
            }
        });
    }

    private static String describe(SubscriptionState state) {
        return state == SubscriptionState.CATCHING_UP || state == SubscriptionState.SUBSCRIBED ? "active"
                : state.name().toLowerCase();
    }

}
