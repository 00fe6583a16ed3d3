package org.jeventstore.testsupport;

import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.LongStream;
import org.jeventstore.EventData;
import org.jeventstore.RecordedEvent;

/** Events to append in tests, and what to compare deliveries against. */
public final class Events {

    private Events() {
    }

    /** {@code n} events of type {@code test-event}, each with its {@code tag} and index (1 to n) as data. */
    public static List<EventData> events(int n, String tag) {
        return IntStream.rangeClosed(1, n).mapToObj(i -> EventData.of("test-event", Map.of("tag", tag, "i", i)))
                .collect(Collectors.toList());
    }

    /** The event numbers of {@code events}, in their order. */
    public static List<Long> numbers(List<RecordedEvent> events) {
        return events.stream().map(RecordedEvent::eventNumber).collect(Collectors.toList());
    }

    /** {@code from} to {@code to}, both included. */
    public static List<Long> range(long from, long to) {
        return LongStream.rangeClosed(from, to).boxed().collect(Collectors.toList());
    }
}
