package org.jeventstore.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.jeventstore.EventData;
import org.jeventstore.EventType;

/** The benchmark's event: about 400 bytes of JSON data and 100 bytes of JSON metadata. */
@EventType(Payload.TYPE)
public record Payload(String orderId, String customerId, String currency, long amountCents, String status,
                      String shippingAddress, List<Line> lines, String note) {

    public static final String TYPE = "bench.OrderPlaced";

    public record Line(String sku, int quantity, long priceCents) {
    }

    public static Payload of(long n) {
        return new Payload(String.format("order-%012d", n), String.format("customer-%08d", n % 100_000_000), "EUR",
                1_000 + n % 100_000, "PLACED", "Hauptstrasse " + (n % 500) + ", 10115 Berlin, Germany",
                List.of(new Line("SKU-" + (100_000 + n % 900_000), 1 + (int) (n % 5), 1_999),
                        new Line("SKU-" + (200_000 + n % 800_000), 2, 4_550),
                        new Line("SKU-" + (300_000 + n % 700_000), 1, 12_900)),
                "Leave the parcel with the neighbour if nobody answers.");
    }

    public static Map<String, Object> metadata(long n) {
        return Map.of("user", "bench-user-" + (n % 1000), "source", "eventstore-bench",
                "requestId", String.format("req-%016x", n), "ip", "10.0.0." + (n % 250));
    }

    public static EventData event(long n) {
        return EventData.of(TYPE, of(n)).withMetadata(metadata(n));
    }

    /** {@code size} distinct events; appending the same list again stores new events (ids are generated). */
    public static List<EventData> batch(long first, int size) {
        List<EventData> events = new ArrayList<>(size);
        for (int i = 0; i < size; i++) {
            events.add(event(first + i));
        }
        return List.copyOf(events);
    }
}
