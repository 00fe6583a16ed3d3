package org.jeventstore.testsupport;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * An executor of one test's own. As an extension ({@code @RegisterExtension final TestExecutor executor =
 * TestExecutor.cached()}): after each test, after the test's own {@code @AfterEach}, it is stopped (what still runs
 * is interrupted) and must have terminated within 10 seconds; then what {@link #afterStopping} added runs.
 */
public final class TestExecutor extends AbstractExecutorService implements AfterEachCallback {

    private final ExecutorService delegate;
    private final List<Runnable> afterStopping = new ArrayList<>();

    private TestExecutor(ExecutorService delegate) {
        this.delegate = delegate;
    }

    /** Over a cached thread pool: a thread for every task that finds none free. */
    public static TestExecutor cached() {
        return new TestExecutor(Executors.newCachedThreadPool());
    }

    /** Over a pool of {@code threads} threads. */
    public static TestExecutor fixed(int threads) {
        return new TestExecutor(Executors.newFixedThreadPool(threads));
    }

    /** A clean-up for after each test that must wait until no task of this executor runs any more. */
    public TestExecutor afterStopping(Runnable cleanUp) {
        afterStopping.add(cleanUp);
        return this;
    }

    @Override
    public void afterEach(ExtensionContext context) throws InterruptedException {
        delegate.shutdownNow();
        assertThat(delegate.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
        afterStopping.forEach(Runnable::run);
    }

    @Override
    public void execute(Runnable command) {
        delegate.execute(command);
    }

    @Override
    public void shutdown() {
        delegate.shutdown();
    }

    @Override
    public List<Runnable> shutdownNow() {
        return delegate.shutdownNow();
    }

    @Override
    public boolean isShutdown() {
        return delegate.isShutdown();
    }

    @Override
    public boolean isTerminated() {
        return delegate.isTerminated();
    }

    @Override
    public boolean awaitTermination(long timeout, TimeUnit unit) throws InterruptedException {
        return delegate.awaitTermination(timeout, unit);
    }
}
