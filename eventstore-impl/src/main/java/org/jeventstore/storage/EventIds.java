package org.jeventstore.storage;

import java.security.SecureRandom;
import java.util.UUID;

/**
 * Ids for events appended without one: UUID version 7 (RFC 9562), a Unix millisecond timestamp, then a counter,
 * then random bits. Consecutive appends therefore insert next to each other in the indexes keyed by event id
 * ({@code events_pkey}, the key of {@code stream_events}) instead of at random places: fewer index pages touched
 * and split per append, and fewer full-page images in the WAL after each checkpoint (docs/benchmarks.md). Within
 * this JVM the ids only grow (a 12-bit counter orders the ids of one millisecond, borrowing the next millisecond
 * when it runs out); 62 random bits from {@link SecureRandom} (a version 4 id has 122) keep the ids
 * of different servers apart. Any application-chosen id is kept as it is.
 */
public final class EventIds {

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final int COUNTER_MAX = 0xFFF;
    private static long lastMillis;
    private static int counter;

    private EventIds() {
    }

    /** A new version 7 id, greater than every id this JVM made before. */
    public static UUID next() {
        long millis;
        int sequence;
        synchronized (EventIds.class) {
            long now = System.currentTimeMillis();
            if (now > lastMillis) {
                lastMillis = now;
                counter = 0;
            } else if (counter < COUNTER_MAX) {
                counter++;
            } else {
                lastMillis++; // 4,096 ids in one millisecond: go on in the next
                counter = 0;
            }
            millis = lastMillis;
            sequence = counter;
        }
        long msb = (millis & 0xFFFF_FFFF_FFFFL) << 16 | 0x7000L | sequence;
        long lsb = RANDOM.nextLong() & 0x3FFF_FFFF_FFFF_FFFFL | 0x8000_0000_0000_0000L;
        return new UUID(msb, lsb);
    }
}
