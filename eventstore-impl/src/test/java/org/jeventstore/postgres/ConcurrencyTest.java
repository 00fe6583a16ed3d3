package org.jeventstore.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.LongStream;
import org.jeventstore.EventData;
import org.jeventstore.ExpectedVersion;
import org.jeventstore.RecordedEvent;
import org.jeventstore.StreamExistsException;
import org.jeventstore.WrongExpectedVersionException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.jeventstore.testsupport.TestExecutor;
import org.jeventstore.testsupport.TestStores;

@Timeout(60)
class ConcurrencyTest {

    public record Written(String writer, int n) {
    }

    @RegisterExtension
    static final TestStores stores = new TestStores();
    static final PostgresEventStore store = stores.store;
    @RegisterExtension
    final TestExecutor pool = TestExecutor.fixed(10);

    private static List<EventData> events(String writer, int count) {
        List<EventData> events = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            events.add(EventData.of(new Written(writer, i)).withEventId(UUID.randomUUID()));
        }
        return events;
    }

    /** Runs the tasks at once (all released by one latch) and returns each one's result or exception. */
    private <T> List<Object> race(List<Callable<T>> tasks) throws InterruptedException {
        CountDownLatch ready = new CountDownLatch(tasks.size());
        CountDownLatch go = new CountDownLatch(1);
        List<Future<T>> futures = new ArrayList<>();
        for (Callable<T> task : tasks) {
            futures.add(pool.submit(() -> {
                ready.countDown();
                go.await();
                return task.call();
            }));
        }
        assertThat(ready.await(10, TimeUnit.SECONDS)).isTrue();
        go.countDown();
        List<Object> outcomes = new ArrayList<>();
        for (Future<T> f : futures) {
            try {
                outcomes.add(f.get());
            } catch (ExecutionException e) {
                outcomes.add(e.getCause());
            }
        }
        return outcomes;
    }

    @Test
    void of_four_concurrent_appends_at_the_same_exact_version_only_one_succeeds_and_only_its_events_are_stored()
            throws Exception {
        store.appendToStream("race-exact", ExpectedVersion.noStream(), events("setup", 2));
        List<List<EventData>> batches = new ArrayList<>();
        List<Callable<Object>> tasks = new ArrayList<>();
        for (int w = 0; w < 4; w++) {
            List<EventData> batch = events("w" + w, 3);
            batches.add(batch);
            tasks.add(() -> store.appendToStream("race-exact", ExpectedVersion.exactly(2), batch));
        }

        List<Object> outcomes = race(tasks);

        assertThat(outcomes).filteredOn(o -> o instanceof WrongExpectedVersionException).hasSize(3);
        int winner = -1;
        for (int i = 0; i < outcomes.size(); i++) {
            if (!(outcomes.get(i) instanceof Throwable)) {
                winner = i;
            }
        }
        assertThat(winner).as("the one successful writer").isNotNegative();
        List<RecordedEvent> stored = store.readStreamForward("race-exact", 1, 100);
        assertThat(stored).extracting(RecordedEvent::eventNumber).containsExactly(1L, 2L, 3L, 4L, 5L);
        assertThat(stored.subList(2, 5)).extracting(RecordedEvent::eventId)
                .containsExactlyElementsOf(batches.get(winner).stream().map(EventData::eventId).toList());
        assertThat(store.streamInfo("race-exact").version()).isEqualTo(5);
    }

    @Test
    void of_four_concurrent_creations_of_a_new_stream_only_one_succeeds() throws Exception {
        List<Callable<Object>> tasks = new ArrayList<>();
        for (int w = 0; w < 4; w++) {
            List<EventData> batch = events("w" + w, 2);
            tasks.add(() -> store.appendToStream("race-new", ExpectedVersion.noStream(), batch));
        }

        List<Object> outcomes = race(tasks);

        assertThat(outcomes).filteredOn(o -> o instanceof StreamExistsException).hasSize(3);
        assertThat(store.readStreamForward("race-new", 1, 100)).extracting(RecordedEvent::eventNumber)
                .containsExactly(1L, 2L);
    }

    @Test
    void concurrent_any_appends_to_a_new_stream_all_succeed_with_gapless_versions() throws Exception {
        concurrentAnyAppends("any-new", 0);
    }

    @Test
    void concurrent_any_appends_to_an_existing_stream_all_succeed_with_gapless_versions() throws Exception {
        store.appendToStream("any-existing", ExpectedVersion.any(), events("setup", 3));
        concurrentAnyAppends("any-existing", 3);
    }

    private void concurrentAnyAppends(String stream, long before) throws Exception {
        List<Callable<Object>> tasks = new ArrayList<>();
        List<UUID> written = new CopyOnWriteArrayList<>();
        for (int w = 0; w < 4; w++) {
            String writer = "w" + w;
            tasks.add(() -> {
                for (int i = 0; i < 5; i++) {
                    List<EventData> batch = events(writer, 2);
                    store.appendToStream(stream, ExpectedVersion.any(), batch);
                    batch.forEach(e -> written.add(e.eventId()));
                }
                return null;
            });
        }

        List<Object> outcomes = race(tasks);

        assertThat(outcomes).containsOnlyNulls();
        List<RecordedEvent> stored = store.readStreamForward(stream, 1, 1000);
        assertThat(stored).extracting(RecordedEvent::eventNumber)
                .containsExactlyElementsOf(LongStream.rangeClosed(1, before + 40).boxed().toList());
        assertThat(stored.subList((int) before, stored.size())).extracting(RecordedEvent::eventId)
                .containsExactlyInAnyOrderElementsOf(written);
        // Each writer's events keep their order (an append is one contiguous block).
        for (int w = 0; w < 4; w++) {
            String writer = "w" + w;
            assertThat(stored.stream().filter(e -> e.data(Written.class).writer().equals(writer))
                    .map(e -> e.data(Written.class).n()).toList()).containsExactly(0, 1, 0, 1, 0, 1, 0, 1, 0, 1);
        }
        assertThat(store.streamInfo(stream).version()).isEqualTo(before + 40);
    }

    @Test
    void eight_writers_leave_all_positions_dense_and_a_tailing_reader_sees_every_event_in_order() throws Exception {
        assertThat(eightWritersAndATailingReader(store)).as("appends without $all positions").isZero();
    }

    @Test
    void with_a_background_linker_eight_writers_leave_all_positions_dense_and_every_append_returns_linked()
            throws Exception {
        ExecutorService linkerThread = Executors.newSingleThreadExecutor();
        try (PostgresEventStore background = PostgresEventStore.builder(stores.dataSource).schema(stores.schema)
                .linkInBackground(linkerThread).build()) {
            long deferredBefore = deferredSoFar();
            assertThat(eightWritersAndATailingReader(background)).as("appends that returned without $all positions")
                    .isZero();
            assertThat(deferredSoFar() - deferredBefore).as("appends that found the $all row busy and waited for"
                    + " the linker").isPositive();
        } finally {
            linkerThread.shutdownNow();
        }
    }

    @Test
    void in_committed_mode_eight_writers_leave_all_positions_dense_and_a_tailing_reader_sees_every_event()
            throws Exception {
        ExecutorService linkerThread = Executors.newSingleThreadExecutor();
        try (PostgresEventStore background = PostgresEventStore.builder(stores.dataSource).schema(stores.schema)
                .linkInBackground(linkerThread).linking(TestStores.COMMITTED).build()) {
            int deferred = eightWritersAndATailingReader(background);
            assertThat(deferred).as("appends that found the $all row busy and left it to the linker").isPositive();
        } finally {
            linkerThread.shutdownNow();
        }
    }

    /** How many appends took the deferred way so far (the jes_unlinked id sequence). */
    private long deferredSoFar() {
        return stores.longs("SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM "
                + stores.table("jes_unlinked_id_seq")).get(0);
    }

    /**
     * Eight writers append (two share a stream, the others have their own) while a reader tails $all: it must see
     * every position exactly once, in order, never N+1 before N, and each stream's events in their stream order.
     * With a background linker the reader goes on until it has seen every appended event.
     *
     * @return how many appends reported no $all positions (deferred to a background linker)
     */
    private int eightWritersAndATailingReader(PostgresEventStore store) throws Exception {
        int writers = 8;
        int appendsPerWriter = 60;
        AtomicBoolean writing = new AtomicBoolean(true);
        List<String> violations = new CopyOnWriteArrayList<>();
        List<RecordedEvent> seen = Collections.synchronizedList(new ArrayList<>());
        store.linkNow();
        long startHead = store.streamInfo("$all").version();
        AtomicInteger pagesWhileWriting = new AtomicInteger();
        List<UUID> appended = new CopyOnWriteArrayList<>();
        AtomicInteger deferred = new AtomicInteger();

        Future<?> reader = pool.submit(() -> {
            long last = startHead;
            while (writing.get() || seen.size() < appended.size()) {
                List<RecordedEvent> page = store.readAllForward(last + 1, 200);
                if (!page.isEmpty() && writing.get()) {
                    pagesWhileWriting.incrementAndGet();
                }
                for (RecordedEvent e : page) {
                    if (e.eventNumber() != last + 1) {
                        violations.add("saw position " + e.eventNumber() + " right after " + last);
                    }
                    last = e.eventNumber();
                    seen.add(e);
                }
            }
            return null;
        });

        List<Future<?>> writes = new ArrayList<>();
        CountDownLatch go = new CountDownLatch(1);
        for (int w = 0; w < writers; w++) {
            String writer = "tail-" + w;
            int size = 1 + w % 3;
            writes.add(pool.submit(() -> {
                go.await();
                for (int i = 0; i < appendsPerWriter; i++) {
                    List<EventData> batch = events(writer, size);
                    // Two writers share one stream, the others have their own.
                    String stream = writer.endsWith("0") || writer.endsWith("1") ? "tail-shared" : writer;
                    if (store.appendToStream(stream, ExpectedVersion.any(), batch).firstPosition() == 0) {
                        deferred.incrementAndGet();
                    }
                    batch.forEach(e -> appended.add(e.eventId()));
                }
                return null;
            }));
        }
        go.countDown();
        for (Future<?> f : writes) {
            f.get();
        }
        writing.set(false);
        reader.get();

        long head = store.streamInfo("$all").version();
        List<RecordedEvent> all = store.readAllForward(startHead + 1, Integer.MAX_VALUE);
        assertThat(all).extracting(RecordedEvent::eventNumber)
                .containsExactlyElementsOf(LongStream.rangeClosed(startHead + 1, head).boxed().toList());
        assertThat(head - startHead).isEqualTo(appended.size());
        assertThat(violations).isEmpty();
        assertThat(pagesWhileWriting.get()).as("pages the reader took while the writers ran").isGreaterThan(5);
        assertThat(seen).extracting(RecordedEvent::eventId)
                .containsExactlyElementsOf(all.stream().map(RecordedEvent::eventId).toList());
        assertThat(seen).extracting(RecordedEvent::eventId).containsExactlyInAnyOrderElementsOf(appended);
        // every stream's events appear in $all in their stream order
        for (String stream : all.stream().map(RecordedEvent::streamId).distinct().toList()) {
            List<Long> versions = all.stream().filter(e -> e.streamId().equals(stream))
                    .map(RecordedEvent::streamVersion).toList();
            assertThat(versions).as("versions of " + stream + " in $all order").isSorted();
        }
        return deferred.get();
    }
}
