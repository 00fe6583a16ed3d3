package org.jeventstore.subscriptions;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import java.util.function.LongConsumer;
import java.util.function.Predicate;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.jeventstore.RecordedEvent;
import org.jeventstore.StartFrom;
import org.jeventstore.StorageException;
import org.jeventstore.Subscription;
import org.jeventstore.SubscriptionHandler;
import org.jeventstore.SubscriptionOptions;
import org.jeventstore.SubscriptionState;

/**
 * One server's part in a subscription with competing subscribers ({@code concurrencyLimit} N above 1).
 *
 * <p>Across the cluster the events are split by partition key ({@code partitionBy}, else the stream id) into N
 * partitions, each a single-active persistent subscription of its own (row {@code <name>#<k>/<N>}, its own advisory
 * lock, fencing epoch and checkpoint). Every server that subscribes runs all N; the lock lets exactly one of them
 * deliver each partition at a time, the balancer spreads them over the servers, and a partition whose server dies
 * is taken over from its checkpoint like any subscription.
 *
 * <p>On this server, the partitions it holds share its subscribers (a {@link ConsumerPool}, Elixir's competing
 * subscribers): up to N of them, each event to one with room, a key kept with the subscriber that has it in
 * flight. A subscriber that leaves gives its events back to the others; the last one to leave stops the
 * partitions here.
 *
 * <p>The subscription's own row ({@code <name>}) holds the low-water mark: the lowest checkpoint of its
 * partitions, moved forward every {@code checkpointAfter} (at least every 200 ms; every second when
 * checkpointAfter is off) while a partition is active here. It is what Elixir, a single-active reader and the
 * admin view see, and where partitions created later (a new partition count) start.
 */
final class PartitionedSubscription {

    private static final Logger LOG = Logger.getLogger(PartitionedSubscription.class.getName());

    /** Starts a partition's single-active subscription (the normal path of {@link Subscriptions}). */
    interface Starter {
        PersistentSubscription start(String name, SubscriptionOptions options, PersistentSubscription.Family family);
    }

    private final String streamId;
    private final String name;
    private final int partitions;
    private final SubscriptionRows rows;
    private final ConsumerPool pool;
    /** Read by checkpoint listeners on saving threads while the partitions are still being started. */
    private final List<PersistentSubscription> parts = new CopyOnWriteArrayList<>();
    private final List<String> partNames = new ArrayList<>();
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final long lowWaterEveryMillis;
    private final Runnable onClose;
    private final SubscriptionLayout layout;
    private volatile boolean closed;

    PartitionedSubscription(String streamId, String name, SubscriptionOptions options, SubscriptionServices services,
                            Starter starter, Runnable onClose, SubscriptionLayout layout) {
        this.layout = layout;
        this.streamId = streamId;
        this.name = name;
        this.partitions = options.concurrencyLimit();
        this.rows = services.rows();
        Executor executor = services.executor();
        this.onClose = onClose;
        long after = options.checkpointAfter().toMillis();
        this.lowWaterEveryMillis = after == 0 ? 1000 : Math.max(200, after);
        StartFrom start = startOfPartitions(options.startFrom());
        Function<RecordedEvent, Object> key = options.partitionBy() != null ? options.partitionBy()
                : RecordedEvent::streamId;
        this.pool = new ConsumerPool(streamId, name, options, false, executor);
        pool.checkpointFrom(this::checkpoint);
        try {
            for (int k = 0; k < partitions; k++) {
                int partition = k;
                Predicate<RecordedEvent> mine = e -> PartitionName.placeOf(key.apply(e), partitions) == partition;
                String part = PartitionName.of(name, k, partitions).rowName();
                partNames.add(part);
                parts.add(starter.start(part, options.startFrom(start),
                        new PersistentSubscription.Family(s -> layout, pool, mine)));
            }
            executor.execute(this::keepLowWaterMark);
        } catch (RuntimeException e) {
            parts.forEach(Subscription::close);
            throw e;
        }
    }

    /**
     * New partitions start where the whole subscription stands: its own row is created at {@code start} if it has
     * none, and its low-water mark is where every partition created now begins (so a changed partition count
     * redelivers at most what lay between the lowest and the highest old partition). Without the database now,
     * they start at {@code start} themselves.
     */
    private StartFrom startOfPartitions(StartFrom start) {
        try {
            long id = rows.createOrGet(streamId, name, start);
            return StartFrom.after(rows.checkpoint(id));
        } catch (StorageException | IllegalStateException e) {
            LOG.warning("JES0270W partitioned subscription '" + name + "' on '" + streamId + "': its row could not"
                    + " be read, so new partitions start at " + start + ": " + e.getMessage());
            return start;
        }
    }

    /**
     * A subscriber joins: from now on it gets events of the partitions this server holds.
     *
     * @throws org.jeventstore.TooManySubscribersException when N subscribers are here already
     */
    Subscription join(SubscriptionHandler handler) {
        Slot slot = pool.join(handler, s -> new Subscriber(s));
        return slot.handle;
    }

    /** What a subscriber is given: its view of the subscription, and its way out. */
    private final class Subscriber implements Subscription {
        private final Slot slot;
        private final AtomicBoolean left = new AtomicBoolean();

        Subscriber(Slot slot) {
            this.slot = slot;
        }

        @Override
        public String streamId() {
            return streamId;
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public SubscriptionState state() {
            return left.get() ? SubscriptionState.STOPPED : PartitionedSubscription.this.state();
        }

        @Override
        public long checkpoint() {
            return PartitionedSubscription.this.checkpoint();
        }

        @Override
        public CompletionStage<Subscription> subscribed() {
            return slot.subscribed;
        }

        @Override
        public void onCheckpoint(LongConsumer listener) {
            slot.onCheckpoint(listener);
        }

        /**
         * Leaves: its queued events go to the other subscribers at once, and this returns once its running calls
         * have finished (up to 20 s). The last subscriber to leave stops the partitions here.
         */
        @Override
        public void close() {
            if (left.compareAndSet(false, true) && pool.leave(slot)) {
                boolean last;
                synchronized (PartitionedSubscription.this) {
                    last = !closed && pool.size() == 0;
                    if (last) {
                        closed = true;
                    }
                }
                if (last) {
                    PartitionedSubscription.this.close();
                }
            }
        }
    }

    int partitions() {
        return partitions;
    }

    /**
     * Stops every partition here (each drains and saves; all at once, against one deadline), then saves the
     * low-water mark once more.
     */
    void close() {
        closed = true;
        try {
            parts.forEach(PersistentSubscription::requestStop);
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(PersistentSubscription.STOP_MILLIS);
            parts.forEach(p -> p.awaitStopped(deadline));
            stopped.countDown();
            saveLowWaterMark();
        } finally {
            onClose.run();
        }
    }

    /** The most advanced state of a partition here: active when any is, else standing by. */
    SubscriptionState state() {
        boolean standby = false;
        boolean catchingUp = false;
        for (Subscription s : parts) {
            switch (s.state()) {
                case SUBSCRIBED -> {
                    return SubscriptionState.SUBSCRIBED;
                }
                case CATCHING_UP -> catchingUp = true;
                case STANDBY, INITIAL, DISCONNECTED -> standby = true;
                default -> { }
            }
        }
        return catchingUp ? SubscriptionState.CATCHING_UP : standby ? SubscriptionState.STANDBY
                : SubscriptionState.STOPPED;
    }

    /** The lowest checkpoint of the partitions as this server knows them. */
    long checkpoint() {
        return parts.stream().mapToLong(Subscription::checkpoint).min().orElse(0);
    }

    private void keepLowWaterMark() {
        try {
            while (!stopped.await(lowWaterEveryMillis, TimeUnit.MILLISECONDS)) {
                if (parts.stream().anyMatch(s -> s.state() == SubscriptionState.SUBSCRIBED
                        || s.state() == SubscriptionState.CATCHING_UP)) {
                    saveLowWaterMark();
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void saveLowWaterMark() {
        if (!layout.admittedEver()) {
            return; // this server never ran its partitions (the cluster runs another count): nothing of it to save
        }
        try {
            rows.saveLowWaterMark(streamId, name, partNames);
        } catch (RuntimeException e) {
            LOG.log(Level.FINE, "JES0271W partitioned subscription '" + name + "' could not save its low-water mark"
                    + " (retried)", e);
        }
    }
}
