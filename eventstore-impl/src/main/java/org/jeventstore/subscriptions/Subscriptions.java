package org.jeventstore.subscriptions;

import java.time.Instant;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.logging.Level;
import org.jeventstore.EventsAppended;
import org.jeventstore.RecordedEvent;
import org.jeventstore.StorageException;
import org.jeventstore.StreamNotFoundException;
import org.jeventstore.Subscription;
import org.jeventstore.SubscriptionExistsException;
import org.jeventstore.SubscriptionHandler;
import org.jeventstore.SubscriptionOptions;
import org.jeventstore.notifications.NotificationListener;
import org.jeventstore.storage.EventReader;
import org.jeventstore.storage.Sql;
import org.jeventstore.storage.Streams;
import org.jeventstore.storage.Transactions;

/**
 * This server's subscriptions of one store: routes notifications to them, makes them all read storage again
 * after the listener reconnects (PostgreSQL keeps no notifications for a disconnected listener), and owns the
 * advisory-lock connection of the persistent ones.
 */
public final class Subscriptions implements AutoCloseable {

    private static final java.util.logging.Logger LOG =
            java.util.logging.Logger.getLogger(Subscriptions.class.getName());

    private final SubscriptionRows rows;
    private final ParkedEvents parked;
    private final EventReader reader;
    private final Streams streams;
    private final AdvisoryLocks locks;
    private final Executor executor;
    private final SubscriptionServices services;
    private final Map<String, PersistentSubscription> persistent = new ConcurrentHashMap<>();
    private final Set<TransientSubscription> transients = ConcurrentHashMap.newKeySet();
    /** This server's partitioned subscriptions (concurrencyLimit above 1), by key; guarded by itself. */
    private final Map<String, PartitionedSubscription> partitioned = new java.util.HashMap<>();
    /** How often the watchdog looks for handler calls past their deadline. */
    static final long WATCH_EVERY_MILLIS = 250;
    private final java.util.concurrent.CountDownLatch closing = new java.util.concurrent.CountDownLatch(1);
    private final java.util.concurrent.atomic.AtomicBoolean watching = new java.util.concurrent.atomic.AtomicBoolean();

    /** Subscriptions of the store whose statements are {@code sql}, told of new events by {@code listener}. */
    public Subscriptions(Sql sql, Transactions tx, EventReader reader, Streams streams, NotificationListener listener,
                         SubscriptionSettings settings) {
        this.rows = new SubscriptionRows(sql, tx);
        this.parked = new ParkedEvents(sql, tx);
        this.reader = reader;
        this.streams = streams;
        this.locks = new AdvisoryLocks(settings.lockDataSource(), sql, settings.executor(), settings.networkTimeout());
        this.executor = settings.executor();
        this.services = new SubscriptionServices(rows, parked, reader, locks, new Presence(locks, sql), executor,
                settings.readBatchSize(), settings.telemetry(), persistent::values);
        listener.addConsumer(this::route);
        listener.addConnectListener(this::readAgainAll);
    }

    public Subscription subscribe(String streamId, Predicate<RecordedEvent> selector, Consumer<RecordedEvent> consumer) {
        long current;
        try {
            current = streams.find(streamId).version();
        } catch (StreamNotFoundException e) {
            current = 0;
        }
        TransientSubscription[] self = new TransientSubscription[1];
        self[0] = new TransientSubscription(streamId, selector, consumer, reader, executor, current,
                () -> transients.remove(self[0]));
        transients.add(self[0]);
        return self[0];
    }

    /**
     * A persistent subscription: single-active with {@code concurrencyLimit} 1, partitioned across the cluster
     * above 1 (see {@link PartitionedSubscription}; another subscriber of this server to the same name joins it).
     */
    public Subscription subscribePersistent(String streamId, String name, SubscriptionHandler handler,
                                            SubscriptionOptions options) {
        if (PartitionName.reserved(name)) {
            throw new org.jeventstore.InvalidRequestException("subscription name '" + name + "' ends like a partition"
                    + " row ('#<k>/<N>'), which partitioned subscriptions reserve for their partitions (deleting"
                    + " subscription '" + name.substring(0, name.lastIndexOf('#')) + "' would delete it): choose"
                    + " another name");
        }
        if (options.concurrencyLimit() > 1) {
            return subscribePartitioned(streamId, name, handler, options);
        }
        synchronized (partitioned) {
            PartitionedSubscription group = partitioned.get(key(streamId, name));
            if (group != null) {
                throw SubscriptionExistsException.withOtherLimit(streamId, name, group.partitions(), 1);
            }
        }
        ConsumerPool pool = new ConsumerPool(streamId, name, options, true, executor);
        PersistentSubscription single = subscribeSingle(streamId, name, options, new PersistentSubscription.Family(
                s -> new SubscriptionLayout(rows, locks, streamId, name, 1, s::subscriptionId), pool, null), true,
                s -> {
                    s.joinOwn(handler); // before its worker starts: it has a subscriber from its first event
                    pool.checkpointFrom(s::checkpoint);
                });
        return single;
    }

    private Subscription subscribePartitioned(String streamId, String name, SubscriptionHandler handler,
                                              SubscriptionOptions options) {
        String key = key(streamId, name);
        synchronized (partitioned) {
            PersistentSubscription single = persistent.get(key);
            if (single != null) {
                throw SubscriptionExistsException.withOtherLimit(streamId, name, 1, options.concurrencyLimit());
            }
            PartitionedSubscription group = partitioned.get(key);
            if (group == null) {
                PartitionedSubscription[] self = new PartitionedSubscription[1];
                SubscriptionLayout layout = new SubscriptionLayout(rows, locks, streamId, name,
                        options.concurrencyLimit(), () -> rows.createOrGet(streamId, name, options.startFrom()));
                self[0] = new PartitionedSubscription(streamId, name, options, services,
                        (part, o, family) -> subscribeSingle(streamId, part, o, family, false, s -> { }), () -> {
                            layout.release();
                            synchronized (partitioned) {
                                partitioned.remove(key, self[0]);
                            }
                        }, layout);
                group = self[0];
                partitioned.put(key, group);
            } else if (group.partitions() != options.concurrencyLimit()) {
                throw SubscriptionExistsException.withOtherLimit(streamId, name, group.partitions(),
                        options.concurrencyLimit());
            }
            return group.join(handler);
        }
    }

    private PersistentSubscription subscribeSingle(String streamId, String name, SubscriptionOptions options,
                                                   PersistentSubscription.Family family, boolean ownsLayout,
                                                   Consumer<PersistentSubscription> beforeStart) {
        String key = key(streamId, name);
        if (persistent.containsKey(key)) {
            throw new SubscriptionExistsException(streamId, name);
        }
        // Created now, so that "current" means the stream's version when subscribe was called. When the database
        // cannot be reached, the worker creates it once it can.
        long id;
        try {
            id = rows.createOrGet(streamId, name, options.startFrom());
        } catch (StorageException e) {
            LOG.warning("JES0218W subscription '" + name + "' on '" + streamId + "' not created yet: "
                    + e.getMessage());
            id = -1;
        }
        PersistentSubscription[] self = new PersistentSubscription[1];
        self[0] = new PersistentSubscription(streamId, name, id, options, services, family, () -> {
                    persistent.remove(key, self[0]);
                    if (ownsLayout) {
                        self[0].releaseLayout(); // a partitioned one's goes when the whole family stops here
                    }
                });
        if (persistent.putIfAbsent(key, self[0]) != null) {
            throw new SubscriptionExistsException(streamId, name);
        }
        try {
            beforeStart.accept(self[0]);
        } catch (RuntimeException e) {
            persistent.remove(key, self[0]);
            throw e;
        }
        try {
            executor.execute(self[0]::run);
        } catch (RuntimeException e) {
            persistent.remove(key, self[0]);
            throw e;
        }
        if (watching.compareAndSet(false, true)) {
            executor.execute(this::watch);
        }
        return self[0];
    }

    /**
     * The watchdog (a long-running task, started with the first persistent subscription): ends the holding of any
     * subscription whose handler call has run past its {@code handlerTimeout}. It runs beside the workers because
     * a worker may itself be the thread stuck in the call.
     */
    private void watch() {
        try {
            while (!closing.await(WATCH_EVERY_MILLIS, java.util.concurrent.TimeUnit.MILLISECONDS)) {
                for (PersistentSubscription s : persistent.values()) {
                    try {
                        s.enforceDeadline();
                    } catch (RuntimeException | Error e) { // an Error too: the watchdog must never end unseen
                        LOG.log(Level.WARNING, "JES0229W the handler deadline of subscription " + s.describe()
                                + " could not be enforced this round; going on", e);
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The persistent subscriptions started on this server (active here or standing by). */
    public java.util.List<Subscription> running() {
        return java.util.List.copyOf(persistent.values());
    }

    /** Why this server stands by for the subscription's partition count in the cluster (null: it does not). */
    public String standbyReason(String streamId, String name) {
        PersistentSubscription s = persistent.get(key(streamId, name));
        return s == null ? null : s.standbyReason();
    }

    /**
     * Handler calls of the subscription that were abandoned past their {@code handlerTimeout} and have not returned
     * yet on this server (0 when it does not run here).
     */
    public int abandonedCalls(String streamId, String name) {
        PersistentSubscription s = persistent.get(key(streamId, name));
        return s == null ? 0 : s.abandonedCalls();
    }

    /** The database session holding this server's presence and subscription locks; 0 while it has none. */
    public int lockSessionPid() {
        return locks.sessionPid();
    }

    public void delete(String streamId, String name) {
        PartitionedSubscription group;
        synchronized (partitioned) {
            group = partitioned.get(key(streamId, name));
        }
        if (group != null) {
            group.close();
        }
        PersistentSubscription running = persistent.get(key(streamId, name));
        if (running != null) {
            running.close();
        }
        for (String part : rows.namesStartingWith(streamId, name + "#")) {
            if (PartitionName.isPartitionOf(part, name)) {
                rows.delete(streamId, part);
            }
        }
        rows.delete(streamId, name);
    }

    /**
     * Since when this server has had no working advisory-lock connection although it wants one; {@code null}
     * while it works or before the first persistent subscription needed it. (Liveness.)
     */
    public Instant lockConnectionDownSince() {
        return locks.downSince();
    }

    /** Makes every subscription read storage now (after a reconnect; also the safety net for tests). */
    public void readAgainAll() {
        persistent.values().forEach(PersistentSubscription::poke);
    }

    /**
     * An append of this server has committed: wakes the subscriptions it concerns without waiting for its NOTIFY
     * to come back from PostgreSQL (which still arrives, and finds nothing more to do). Never throws.
     */
    public void localAppend(EventsAppended appended) {
        try {
            route(appended);
        } catch (RuntimeException e) {
            LOG.log(Level.FINE, "waking subscriptions for a local append failed (its NOTIFY will)", e);
        }
    }

    private void route(EventsAppended appended) {
        for (PersistentSubscription s : persistent.values()) {
            if (s.streamId().equals(appended.streamId())) {
                s.poke();
            }
        }
        for (TransientSubscription t : transients) {
            t.notified(appended);
        }
    }

    /**
     * Stops every subscription of this server together: all are asked to stop at once, so their drains run side
     * by side, and all are awaited against one deadline (a worker still busy then is detached), so closing the
     * store takes at most about one drain, however many subscriptions and partitions it runs.
     */
    @Override
    public void close() {
        closing.countDown();
        java.util.List<PartitionedSubscription> groups;
        synchronized (partitioned) {
            groups = java.util.List.copyOf(partitioned.values());
        }
        java.util.List<PersistentSubscription> all = java.util.List.copyOf(persistent.values());
        all.forEach(PersistentSubscription::requestStop);
        long deadline = System.nanoTime()
                + java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(PersistentSubscription.STOP_MILLIS);
        all.forEach(s -> s.awaitStopped(deadline));
        groups.forEach(PartitionedSubscription::close); // their partitions have stopped: the low-water mark
        transients.forEach(TransientSubscription::close);
        locks.close();
    }

    private static String key(String streamId, String name) {
        return streamId + '\u0000' + name;
    }
}
