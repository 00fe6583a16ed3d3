package org.jeventstore.evolution;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * What this server's subscriptions acknowledged without calling their handlers because of evolution, per
 * subscription, since the store started: events of unknown types skipped (policy {@code SKIP}) and stored events
 * that upcasters turned into none. For the operations view (the console's state of a subscription here); the
 * metric {@code jeventstore.subscription.skipped} counts the same across the cluster.
 */
public final class SkipCounts {

    /** The counters of one subscription. */
    public static final class Counts {
        final LongAdder unknownTypes = new LongAdder();
        final LongAdder upcastToNone = new LongAdder();

        public long unknownTypes() {
            return unknownTypes.sum();
        }

        public long upcastToNone() {
            return upcastToNone.sum();
        }
    }

    private final Map<String, Counts> counts = new ConcurrentHashMap<>();

    /** The counters of subscription {@code name} on {@code streamId} (created at first use, kept). */
    public Counts of(String streamId, String name) {
        return counts.computeIfAbsent(streamId + "\u0000" + name, k -> new Counts());
    }

    /**
     * What to add to the subscription's state on this server, e.g. {@code "3 events of unknown types skipped"};
     * {@code null} when nothing was skipped.
     */
    public String describe(String streamId, String name) {
        Counts c = counts.get(streamId + "\u0000" + name);
        if (c == null) {
            return null;
        }
        long unknown = c.unknownTypes();
        long none = c.upcastToNone();
        if (unknown == 0 && none == 0) {
            return null;
        }
        StringBuilder text = new StringBuilder();
        if (unknown > 0) {
            text.append(unknown).append(unknown == 1 ? " event" : " events").append(" of unknown types skipped");
        }
        if (none > 0) {
            text.append(unknown > 0 ? ", " : "").append(none).append(none == 1 ? " event" : " events")
                    .append(" upcast to none");
        }
        return text.append(" here").toString();
    }
}
