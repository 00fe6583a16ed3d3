package org.jeventstore.subscriptions;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.jeventstore.FencingToken;
import org.jeventstore.RecordedEvent;
import org.jeventstore.StartFrom;
import org.jeventstore.StorageException;
import org.jeventstore.Subscription;
import org.jeventstore.SubscriptionHandler;
import org.jeventstore.SubscriptionOptions;
import org.jeventstore.SubscriptionState;

/**
 * One server's part in a partitioned subscription ({@code concurrencyLimit} N above 1): the events are split by
 * their partition key into N partitions, and each partition is a single-active persistent subscription of its own
 * (row {@code <name>#<k>/<N>}, its own advisory lock, fencing epoch and checkpoint). Every server that subscribes
 * runs all N; the lock lets exactly one of them deliver each partition at a time, and the balancer spreads the
 * partitions over the servers. So a key is delivered in order, one event at a time, by one consumer in the
 * cluster; different keys go in parallel across servers; and a partition whose server dies is taken over from its
 * checkpoint like any subscription.
 *
 * <p>Several consumers of one server join the same group (Elixir's competing subscribers): partition k is
 * delivered to consumer {@code k mod consumers}, chosen again at every delivery (so a consumer that leaves gets
 * nothing more, and a retried event goes to whoever serves its partition now); leaving returns once the consumer's
 * running calls have finished. The last one to leave stops the group.
 *
 * <p>The subscription's own row ({@code <name>}) holds the low-water mark: the lowest checkpoint of its
 * partitions, moved forward every {@code checkpointAfter} while a partition is active here. It is what Elixir,
 * a single-active reader and the admin view see, and where partitions created later (a new partition count) start.
 */
final class PartitionedSubscription {

    private static final Logger LOG = Logger.getLogger(PartitionedSubscription.class.getName());

    /**
     * Starts a partition's single-active subscription (the normal path of {@link Subscriptions}); {@code gate}, when
     * not null, limits the handler calls of all partitions here together ({@code serverConcurrency}).
     */
    interface Starter {
        PersistentSubscription start(String name, SubscriptionHandler handler, SubscriptionOptions options,
                                     Semaphore gate);
    }

    private final String streamId;
    private final String name;
    private final int partitions;
    private final SubscriptionRows rows;
    private final List<PersistentSubscription> parts = new ArrayList<>();
    private final List<String> partNames = new ArrayList<>();
    private final List<Consumer> consumers = new CopyOnWriteArrayList<>();
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final long lowWaterEveryMillis;
    private final Runnable onClose;
    private final SubscriptionLayout layout;
    private volatile boolean closed;

    PartitionedSubscription(String streamId, String name, SubscriptionOptions options, SubscriptionRows rows,
                            Executor executor, Starter starter, Runnable onClose, SubscriptionLayout layout) {
        this.layout = layout;
        this.streamId = streamId;
        this.name = name;
        this.partitions = options.concurrencyLimit();
        this.rows = rows;
        this.onClose = onClose;
        this.lowWaterEveryMillis = Math.max(200, options.checkpointAfter().toMillis());
        StartFrom start = startOfPartitions(options.startFrom());
        Function<RecordedEvent, Object> key = options.partitionBy() != null ? options.partitionBy()
                : RecordedEvent::streamId;
        Predicate<RecordedEvent> selector = options.selector();
        // fair, so that no partition held here waits while the others take every turn
        Semaphore gate = options.serverConcurrency() > 0 ? new Semaphore(options.serverConcurrency(), true) : null;
        try {
            for (int k = 0; k < partitions; k++) {
                int partition = k;
                Predicate<RecordedEvent> mine = e -> PartitionName.placeOf(key.apply(e), partitions) == partition
                        && (selector == null || selector.test(e));
                String part = PartitionName.of(name, k, partitions).rowName();
                partNames.add(part);
                parts.add(starter.start(part, router(k),
                        options.concurrency(1, key).selector(mine).startFrom(start), gate));
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

    private SubscriptionHandler router(int k) {
        return new SubscriptionHandler() {
            @Override
            public void handle(RecordedEvent event) {
                throw new IllegalStateException("a partition is called through handleAsync");
            }

            @Override
            public CompletionStage<?> handleAsync(RecordedEvent event, FencingToken token) throws Exception {
                Consumer called = consumerOf(k);
                CompletionStage<?> stage;
                Consumer.CALLING.set(called);
                try {
                    stage = called.handler.handleAsync(event, token);
                } catch (Exception | Error e) {
                    called.exit();
                    throw e;
                } finally {
                    Consumer.CALLING.remove();
                }
                if (stage == null) {
                    called.exit();
                    return null;
                }
                return stage.whenComplete((result, failure) -> called.exit());
            }
        };
    }

    /** Who serves partition {@code k} now, with the call about to start counted as running there. */
    private Consumer consumerOf(int k) {
        while (true) {
            List<Consumer> now = consumers;
            if (now.isEmpty()) {
                throw new IllegalStateException("partitioned subscription '" + name + "' has no consumer on this"
                        + " server any more");
            }
            Consumer consumer = now.get(k % now.size());
            if (consumer.enter()) {
                return consumer;
            } // it left meanwhile: ask again
        }
    }

    /**
     * A consumer of this server and the calls it has running: one that leaves gets no new call, and its leaving
     * returns once those running have finished (its in-flight events are done before it is gone).
     */
    static final class Consumer {
        /** The consumer whose handler this thread is in (its synchronous part), if any. */
        static final ThreadLocal<Consumer> CALLING = new ThreadLocal<>();

        final SubscriptionHandler handler;
        private int running;
        private boolean left;

        Consumer(SubscriptionHandler handler) {
            this.handler = handler;
        }

        synchronized boolean enter() {
            if (left) {
                return false;
            }
            running++;
            return true;
        }

        synchronized void exit() {
            if (--running == 0) {
                notifyAll();
            }
        }

        /**
         * Takes no more calls; waits up to {@code millis} for the running ones (not for the call it is made from,
         * when a handler closes its own subscription). False if some still run.
         */
        synchronized boolean leave(long millis) throws InterruptedException {
            left = true;
            int own = CALLING.get() == this ? 1 : 0;
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
            while (running > own) {
                long remaining = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                if (remaining <= 0) {
                    return false;
                }
                wait(remaining);
            }
            return true;
        }
    }

    /** A consumer joins: from now on it serves its share of the partitions this server delivers. */
    Subscription join(SubscriptionHandler handler) {
        Consumer consumer = new Consumer(handler);
        consumers.add(consumer);
        return new Subscription() {
            private volatile boolean left;

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
                return left ? SubscriptionState.STOPPED : PartitionedSubscription.this.state();
            }

            @Override
            public long checkpoint() {
                return PartitionedSubscription.this.checkpoint();
            }

            @Override
            public void close() {
                if (!left) {
                    left = true;
                    leave(consumer);
                }
            }
        };
    }

    int partitions() {
        return partitions;
    }

    /**
     * A consumer leaves: its partitions' next events go to the others at once, and this returns once its running
     * calls have finished (up to 20 s, as a drain). The last consumer to leave stops the partitions here.
     */
    private void leave(Consumer consumer) {
        boolean last;
        synchronized (this) {
            consumers.remove(consumer);
            last = consumers.isEmpty() && !closed;
            if (last) {
                closed = true;
            }
        }
        try {
            if (!consumer.leave(20_000)) {
                LOG.warning("JES0272W partitioned subscription '" + name + "': a consumer left while its handler"
                        + " was still running after 20 s; that event is retried by whoever serves its partition"
                        + " if the call fails");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (last) {
            close();
        }
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
