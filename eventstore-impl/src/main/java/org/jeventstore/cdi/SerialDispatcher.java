package org.jeventstore.cdi;

import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Runs a consumer on items in arrival order, off the caller's thread: a drain task runs on the executor only
 * while items wait, so no thread is held while idle. The notification listener's thread only enqueues.
 */
final class SerialDispatcher<T> {

    private static final Logger LOG = Logger.getLogger(SerialDispatcher.class.getName());

    private final Queue<T> queue = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean scheduled = new AtomicBoolean();
    private final Executor executor;
    private final Consumer<T> consumer;
    private final String name;

    SerialDispatcher(String name, Executor executor, Consumer<T> consumer) {
        this.name = name;
        this.executor = executor;
        this.consumer = consumer;
    }

    void submit(T item) {
        queue.add(item);
        schedule();
    }

    private void schedule() {
        if (scheduled.compareAndSet(false, true)) {
            try {
                executor.execute(this::drain);
            } catch (RejectedExecutionException e) {
                scheduled.set(false);
                LOG.log(Level.WARNING, "JES0105W " + name + ": executor refused the dispatch task; "
                        + queue.size() + " item(s) wait for the next one", e);
            }
        }
    }

    private void drain() {
        try {
            T item;
            while ((item = queue.poll()) != null) {
                try {
                    consumer.accept(item);
                } catch (RuntimeException e) {
                    LOG.log(Level.WARNING, "JES0106W " + name + ": an observer failed on " + item, e);
                }
            }
        } finally {
            scheduled.set(false);
            if (!queue.isEmpty()) {
                schedule();
            }
        }
    }
}
