package org.jeventstore.storage;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Generated event ids are RFC 9562 version 7: time first, growing, unique. */
class EventIdsTest {

    @Test
    void ids_are_version_7_with_the_rfc_variant_and_the_current_millisecond() {
        long before = System.currentTimeMillis();
        UUID id = EventIds.next();
        long after = System.currentTimeMillis();
        assertThat(id.version()).isEqualTo(7);
        assertThat(id.variant()).isEqualTo(2);
        assertThat(id.getMostSignificantBits() >>> 16).isBetween(before, after + 1);
    }

    @Test
    @Timeout(30)
    void ids_grow_in_the_order_postgresql_sorts_uuids_and_never_repeat_across_threads() throws Exception {
        // PostgreSQL compares uuids byte by byte, unsigned: the order of their text form
        List<UUID> run = new ArrayList<>();
        for (int i = 0; i < 50_000; i++) {
            run.add(EventIds.next());
        }
        for (int i = 1; i < run.size(); i++) {
            assertThat(run.get(i).toString()).as("id %d after %s", i, run.get(i - 1))
                    .isGreaterThan(run.get(i - 1).toString());
        }
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<List<UUID>>> made = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                made.add(pool.submit(() -> {
                    List<UUID> ids = new ArrayList<>();
                    for (int i = 0; i < 25_000; i++) {
                        ids.add(EventIds.next());
                    }
                    return ids;
                }));
            }
            Set<UUID> all = new HashSet<>(run);
            for (Future<List<UUID>> f : made) {
                all.addAll(f.get());
            }
            assertThat(all).hasSize(150_000);
        } finally {
            pool.shutdownNow();
        }
    }
}
