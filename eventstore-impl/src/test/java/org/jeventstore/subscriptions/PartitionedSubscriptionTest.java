package org.jeventstore.subscriptions;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.jeventstore.EventData;
import org.jeventstore.EventStore;
import org.jeventstore.ExpectedVersion;
import org.jeventstore.RecordedEvent;
import org.jeventstore.Subscription;
import org.jeventstore.SubscriptionExistsException;
import org.jeventstore.SubscriptionHandler;
import org.jeventstore.SubscriptionOptions;
import org.jeventstore.postgres.PostgresEventStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.Timeout;
import org.jeventstore.testsupport.Servers;

/**
 * Partitioned subscriptions ({@code concurrencyLimit} above 1) over several "servers" (store instances with their
 * own connections) on real PostgreSQL: every event delivered, each key in order and on one consumer at a time,
 * partitions spread over the servers and taken over when one dies, competing consumers within one server.
 */
@Timeout(180)
class PartitionedSubscriptionTest {

    /** Four partitions, each stream a key: a stream's events go to one subscriber at a time, in order. */
    static final SubscriptionOptions FOUR = SubscriptionOptions.defaults().concurrency(4, RecordedEvent::streamId)
            .checkpoint(1, Duration.ofMillis(200)).retryInterval(Duration.ofMillis(300));

    @RegisterExtension
    final Servers servers = new Servers();



    /** What a consumer saw: per key the versions in delivery order, per key who is busy with it now. */
    static final class Deliveries {
        final Map<String, List<Long>> perStream = new ConcurrentHashMap<>();
        final Map<String, AtomicInteger> busy = new ConcurrentHashMap<>();
        final Map<String, Set<String>> consumersOf = new ConcurrentHashMap<>();
        final AtomicInteger overlaps = new AtomicInteger();
        final Set<String> distinct = ConcurrentHashMap.newKeySet();

        SubscriptionHandler handler(String consumer) {
            return e -> {
                if (busy.computeIfAbsent(e.streamId(), k -> new AtomicInteger()).incrementAndGet() > 1) {
                    overlaps.incrementAndGet();
                }
                try {
                    Thread.sleep(1); // a handler that takes a little while, so that overlaps could show
                    perStream.computeIfAbsent(e.streamId(), k -> new CopyOnWriteArrayList<>()).add(e.streamVersion());
                    consumersOf.computeIfAbsent(consumer, k -> ConcurrentHashMap.newKeySet()).add(e.streamId());
                    distinct.add(e.streamId() + "@" + e.streamVersion());
                } finally {
                    busy.get(e.streamId()).decrementAndGet();
                }
            };
        }

        /**
         * Each key's deliveries never skip a version: every delivery is the next one or a redelivery from an
         * earlier point (a takeover resuming from its checkpoint), never a jump ahead.
         */
        void assertInOrderWithoutGaps(int streams, long versions) {
            for (int s = 0; s < streams; s++) {
                List<Long> seen = perStream.get("key-" + s);
                assertThat(seen).as("key-" + s + " delivered").isNotNull();
                long last = 0;
                for (long v : seen) {
                    assertThat(v).as("key-" + s + " order " + seen).isLessThanOrEqualTo(last + 1);
                    last = v;
                }
                assertThat(seen).contains(versions);
            }
        }
    }

    static void append(PostgresEventStore store, int streams, int rounds) {
        for (int r = 0; r < rounds; r++) {
            for (int s = 0; s < streams; s++) {
                store.appendToStream("key-" + s, ExpectedVersion.any(), List.of(EventData.of("t", Map.of("r", r))));
            }
        }
    }

    /** The names of the partitions of {@code name} active on {@code store} right now. */
    static Set<String> activeSet(PostgresEventStore store, String name) {
        return store.operations().subscriptions().stream()
                .filter(s -> s.name().startsWith(name + "#") && "active".equals(s.localState()))
                .map(s -> s.name()).collect(java.util.stream.Collectors.toSet());
    }

    /** The partitions of {@code name} active on {@code store} right now. */
    static long activeHere(PostgresEventStore store, String name) {
        return store.operations().subscriptions().stream()
                .filter(s -> s.name().startsWith(name + "#") && "active".equals(s.localState())).count();
    }

    @Test
    void partitions_spread_over_the_servers_and_each_key_is_delivered_in_order_on_one_consumer_at_a_time()
            throws Exception {
        PostgresEventStore a = servers.start("a");
        PostgresEventStore b = servers.start("b");
        Deliveries seen = new Deliveries();
        // a single-active subscription beside it: each family (its partitions; the single-active ones) is spread
        // on its own, so the four partitions end up two and two whoever holds "audit"
        a.subscribeToAll("audit", e -> { }, SubscriptionOptions.defaults());
        b.subscribeToAll("audit", e -> { }, SubscriptionOptions.defaults());
        a.subscribeToAll("billing", seen.handler("a"), FOUR);
        b.subscribeToAll("billing", seen.handler("b"), FOUR);
        // the balancer hands partitions to the server holding fewer (checks every 5 s)
        await().atMost(Duration.ofSeconds(60)).until(() -> activeHere(a, "billing") == 2 && activeHere(b, "billing") == 2);
        // and it stays so: no partition changes hands over two more balancing rounds (no flapping)
        Set<String> onA = activeSet(a, "billing");
        Set<String> onB = activeSet(b, "billing");
        await().during(Duration.ofSeconds(11)).atMost(Duration.ofSeconds(20))
                .until(() -> activeSet(a, "billing").equals(onA) && activeSet(b, "billing").equals(onB));

        append(a, 16, 10);
        await().atMost(Duration.ofSeconds(60)).until(() -> seen.distinct.size() == 160);
        seen.assertInOrderWithoutGaps(16, 10);
        assertThat(seen.overlaps.get()).as("a key handled twice at once").isZero();
        assertThat(seen.consumersOf.get("a")).isNotEmpty();
        assertThat(seen.consumersOf.get("b")).isNotEmpty();
        Set<String> both = new java.util.HashSet<>(seen.consumersOf.get("a"));
        both.retainAll(seen.consumersOf.get("b"));
        assertThat(both).as("no key went to both servers (no hand-off happened meanwhile)").isEmpty();
        // the subscription's own row: the lowest checkpoint of its partitions, here the head of $all
        await().atMost(Duration.ofSeconds(20)).until(() -> servers.checkpoint(EventStore.ALL, "billing") == 160);
        assertThat(rowsOf("billing")).containsExactlyInAnyOrder("billing", "billing#1/4", "billing#2/4",
                "billing#3/4", "billing#4/4");
    }

    @Test
    void a_dead_servers_partitions_are_taken_over_and_nothing_is_lost_or_reordered() throws Exception {
        PostgresEventStore a = servers.start("a");
        PostgresEventStore b = servers.start("b");
        Deliveries seen = new Deliveries();
        a.subscribeToAll("ledger", seen.handler("a"), FOUR);
        b.subscribeToAll("ledger", seen.handler("b"), FOUR);
        await().atMost(Duration.ofSeconds(60)).until(() -> activeHere(a, "ledger") == 2 && activeHere(b, "ledger") == 2);
        append(b, 12, 5);
        await().atMost(Duration.ofSeconds(60)).until(() -> seen.distinct.size() == 60);

        servers.crash("a");
        long crashed = System.nanoTime();
        await().atMost(Duration.ofSeconds(30)).until(() -> activeHere(b, "ledger") == 4);
        long takeoverMillis = (System.nanoTime() - crashed) / 1_000_000;
        append(b, 12, 5);
        await().atMost(Duration.ofSeconds(60)).until(() -> seen.distinct.size() == 120);
        seen.assertInOrderWithoutGaps(12, 10);
        System.out.println("partitions of the dead server active on the other after " + takeoverMillis + " ms");
    }

    @Test
    void consumers_of_one_server_share_its_partitions_and_one_leaving_hands_its_share_to_the_others() {
        PostgresEventStore a = servers.start("a");
        Deliveries seen = new Deliveries();
        Subscription first = a.subscribeToAll("shared", seen.handler("first"), FOUR);
        Subscription second = a.subscribeToAll("shared", seen.handler("second"), FOUR);
        append(a, 16, 3);
        await().atMost(Duration.ofSeconds(60)).until(() -> seen.distinct.size() == 48);
        assertThat(seen.consumersOf.get("first")).isNotEmpty();
        assertThat(seen.consumersOf.get("second")).isNotEmpty();

        second.close();
        assertThat(first.state()).isNotEqualTo(org.jeventstore.SubscriptionState.STOPPED);
        Set<String> before = Set.copyOf(seen.consumersOf.get("second"));
        seen.consumersOf.get("first").clear();
        append(a, 16, 3);
        await().atMost(Duration.ofSeconds(60)).until(() -> seen.distinct.size() == 96);
        assertThat(seen.consumersOf.get("first")).as("the one left serves every key now").hasSize(16);
        assertThat(seen.consumersOf.get("second")).isEqualTo(before);
        seen.assertInOrderWithoutGaps(16, 6);
        first.close();
        assertThat(first.state()).isEqualTo(org.jeventstore.SubscriptionState.STOPPED);
    }

    @Test
    void a_consumer_leaving_returns_once_its_running_call_has_finished_and_the_others_take_over()
            throws Exception {
        PostgresEventStore a = servers.start("a");
        java.util.concurrent.CountDownLatch inCall = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.atomic.AtomicBoolean callDone = new java.util.concurrent.atomic.AtomicBoolean();
        Set<String> byFirst = ConcurrentHashMap.newKeySet();
        Set<String> bySecond = ConcurrentHashMap.newKeySet();
        Subscription first = a.subscribeToAll("leaving", e -> byFirst.add(e.streamId() + "@" + e.streamVersion()),
                FOUR);
        Subscription second = a.subscribeToAll("leaving", e -> {
            inCall.countDown();
            release.await();
            bySecond.add(e.streamId() + "@" + e.streamVersion());
            callDone.set(true);
        }, FOUR);
        append(a, 16, 1);
        assertThat(inCall.await(60, java.util.concurrent.TimeUnit.SECONDS)).isTrue();

        java.util.concurrent.CompletableFuture<Boolean> left = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
            second.close();
            return callDone.get(); // what close() found when it returned
        });
        try {
            // close() waits for the call in progress ...
            await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(5)).until(() -> !left.isDone());
        } finally {
            release.countDown();
        }
        // ... and returns once it has finished
        assertThat(left.get(30, java.util.concurrent.TimeUnit.SECONDS)).as("the call had finished").isTrue();
        // the first consumer now serves every partition, the held one included
        append(a, 16, 1);
        await().atMost(Duration.ofSeconds(60)).until(() -> byFirst.size() + bySecond.size() >= 32
                && byFirst.stream().filter(k -> k.endsWith("@2")).count() == 16);
        first.close();
    }

    @Test
    void a_new_partition_count_starts_at_the_low_water_mark_and_the_old_rows_can_be_deleted() throws Exception {
        PostgresEventStore a = servers.start("a");
        append(a, 8, 5);
        Deliveries first = new Deliveries();
        Subscription two = a.subscribeToAll("recount", first.handler("two"),
                SubscriptionOptions.defaults().concurrency(2, null).checkpoint(1, Duration.ofMillis(200)));
        await().atMost(Duration.ofSeconds(60)).until(() -> first.distinct.size() == 40);
        await().atMost(Duration.ofSeconds(20)).until(() -> servers.checkpoint(EventStore.ALL, "recount") == 40);
        two.close();

        append(a, 8, 1);
        List<RecordedEvent> again = new CopyOnWriteArrayList<>();
        Subscription three = a.subscribeToAll("recount", again::add,
                SubscriptionOptions.defaults().concurrency(3, null));
        await().atMost(Duration.ofSeconds(60)).until(() -> again.size() >= 8);
        assertThat(again).extracting(RecordedEvent::eventNumber).allMatch(n -> n > 40);
        three.close();

        a.deleteSubscription(EventStore.ALL, "recount");
        assertThat(rowsOf("recount")).isEmpty();
    }

    @Test
    void a_single_active_and_a_partitioned_subscriber_of_one_name_do_not_mix_nor_do_partition_counts() {
        PostgresEventStore a = servers.start("a");
        a.subscribeToAll("mixed", e -> { }, FOUR);
        assertThatThrownBy(() -> a.subscribeToAll("mixed", e -> { }, SubscriptionOptions.defaults()))
                .isInstanceOf(SubscriptionExistsException.class);
        assertThatThrownBy(() -> a.subscribeToAll("mixed", e -> { }, SubscriptionOptions.defaults().concurrency(3, null)))
                .isInstanceOf(SubscriptionExistsException.class).hasMessageContaining("concurrencyLimit 4");
        a.subscribeToAll("single", e -> { }, SubscriptionOptions.defaults());
        assertThatThrownBy(() -> a.subscribeToAll("single", e -> { }, FOUR))
                .isInstanceOf(SubscriptionExistsException.class);
    }

    /** A 5 ms handler that counts how many of its calls run at once (at most) and which events it handled. */
    static final class Overlap {
        final AtomicInteger running = new AtomicInteger();
        final AtomicInteger peak = new AtomicInteger();
        final Set<String> distinct = ConcurrentHashMap.newKeySet();

        SubscriptionHandler handler() {
            return e -> {
                peak.accumulateAndGet(running.incrementAndGet(), Math::max);
                try {
                    Thread.sleep(5);
                    distinct.add(e.streamId() + "@" + e.streamVersion());
                } finally {
                    running.decrementAndGet();
                }
            };
        }
    }

    @Test
    void server_concurrency_bounds_the_handler_calls_of_all_partitions_one_server_holds() {
        PostgresEventStore a = servers.start("a");
        for (int k = 0; k < 24; k++) { // ten events per append: this test is about delivery, not appends
            List<EventData> ten = new ArrayList<>();
            for (int r = 0; r < 10; r++) {
                ten.add(EventData.of("t", Map.of("r", r)));
            }
            a.appendToStream("key-" + k, ExpectedVersion.any(), ten);
        }
        SubscriptionOptions six = SubscriptionOptions.defaults().concurrency(6, null);
        // six partitions held by one server with six subscribers, at most two handler calls at once there
        Overlap capped = new Overlap();
        for (int i = 0; i < 6; i++) {
            a.subscribeToAll("capped", capped.handler(), six.serverConcurrency(2));
        }
        await().atMost(Duration.ofSeconds(60)).until(() -> capped.distinct.size() == 240);
        assertThat(capped.peak.get()).as("handler calls at once on the server").isEqualTo(2);

        // without the limit the same server runs its subscribers side by side (what the limit holds back)
        Overlap uncapped = new Overlap();
        for (int i = 0; i < 6; i++) {
            a.subscribeToAll("uncapped", uncapped.handler(), six);
        }
        await().atMost(Duration.ofSeconds(60)).until(() -> uncapped.distinct.size() == 240);
        assertThat(uncapped.peak.get()).isGreaterThan(2);
        assertThatThrownBy(() -> SubscriptionOptions.defaults().serverConcurrency(-1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("serverConcurrency");
    }

    @Test
    void a_failing_event_backing_off_holds_neither_the_servers_only_permit_nor_the_other_keys_of_its_partition() {
        PostgresEventStore a = servers.start("a");
        a.appendToStream("key-0", ExpectedVersion.any(), List.of(EventData.of("t", Map.of("r", 0))));
        Set<String> handled = ConcurrentHashMap.newKeySet();
        AtomicInteger failures = new AtomicInteger();
        SubscriptionHandler handler = e -> {
            if (e.streamId().equals("key-0")) {
                failures.incrementAndGet();
                throw new IllegalStateException("key-0 always fails");
            }
            handled.add(e.streamId());
        };
        // two subscribers, one handler call at a time on this server; key-0's event fails every time and its
        // subscriber backs off for 30 s
        SubscriptionOptions options = SubscriptionOptions.defaults().concurrency(4, RecordedEvent::streamId)
                .serverConcurrency(1).maxRetryBackoff(Duration.ofSeconds(30));
        a.subscribeToAll("backoff", handler, options);
        a.subscribeToAll("backoff", handler, options);
        // once it has failed, the other keys are appended: the other subscriber delivers all of them while it
        // backs off, those of key-0's partition too (only key-0 waits behind its event, in order)
        await().atMost(Duration.ofSeconds(20)).until(() -> failures.get() >= 1);
        for (int k = 1; k < 12; k++) {
            a.appendToStream("key-" + k, ExpectedVersion.any(), List.of(EventData.of("t", Map.of("r", 0))));
        }
        int partitionOfKey0 = PartitionName.placeOf("key-0", 4);
        long samePartition = java.util.stream.IntStream.range(1, 12)
                .filter(k -> PartitionName.placeOf("key-" + k, 4) == partitionOfKey0).count();
        await().atMost(Duration.ofSeconds(20)).until(() -> handled.size() == 11);
        assertThat(samePartition).as("keys sharing key-0's partition, delivered meanwhile").isPositive();
        assertThat(handled).doesNotContain("key-0");
    }

    @Test
    void the_partition_of_a_key_is_the_same_on_every_server() {
        // CRC-32 of the key's string form: fixed values, so that a JVM or version change cannot move a key
        assertThat(PartitionName.placeOf("key-0", 4)).isEqualTo((int) (crc("key-0") % 4));
        assertThat(PartitionName.of("billing", 0, 4).rowName()).isEqualTo("billing#1/4");
        assertThat(PartitionName.isPartitionOf("billing#3/4", "billing")).isTrue();
        assertThat(PartitionName.isPartitionOf("billing#x/4", "billing")).isFalse();
        assertThat(PartitionName.isPartitionOf("billing-2#1/4", "billing")).isFalse();
        int[] counts = new int[4];
        for (int i = 0; i < 1000; i++) {
            counts[PartitionName.placeOf("stream-" + i, 4)]++;
        }
        for (int c : counts) {
            assertThat(c).as("keys spread over the partitions").isBetween(180, 320);
        }
    }

    static long crc(String s) {
        java.util.zip.CRC32 crc = new java.util.zip.CRC32();
        crc.update(s.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        return crc.getValue();
    }

    List<String> rowsOf(String name) throws SQLException {
        try (Connection c = servers.db.connect();
             PreparedStatement ps = c.prepareStatement("SELECT subscription_name FROM \"" + servers.schema
                     + "\".subscriptions WHERE subscription_name = ? OR subscription_name LIKE ?")) {
            ps.setString(1, name);
            ps.setString(2, name + "#%");
            List<String> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(rs.getString(1));
                }
            }
            return out;
        }
    }
}
