package org.jeventstore.faults;

import java.util.List;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * Everything the campaign saw happen, as the clients saw it: appends with what they returned, deliveries to every
 * persistent and transient subscriber with their fencing token and timing, checkpoints sampled from the database,
 * operator actions and faults. Times are {@link System#nanoTime()} of this JVM (one clock for every "server").
 * Written from many threads; read by the {@link Checker} once the run is over.
 */
final class History {

    /** How an append ended, as its caller saw it. */
    enum Outcome {
        /** Returned: its versions (and positions, unless 0) are what it got. */
        OK,
        /** Refused before anything was written (wrong expected version, stream exists, ...). */
        REFUSED,
        /** Committed without {@code $all} positions ({@code AppendNotLinkedException}): must reach $all later. */
        COMMITTED_UNLINKED,
        /** Failed in a way that says nothing about whether it committed (a connection cut, a timeout). */
        UNKNOWN
    }

    /**
     * One append or link. {@code eventIds} are the events it appended (or linked); {@code causeId}, when not null,
     * is an event the appender had read (committed) before it appended: it must come first in $all.
     */
    record Append(String server, String stream, boolean link, List<UUID> eventIds, UUID causeId, Outcome outcome,
                  long firstVersion, long lastVersion, long firstPosition, long lastPosition, String error,
                  long startNanos, long endNanos) {
    }

    /**
     * One handler call of a persistent subscription: which server and consumer ran it, for which partition row and
     * holding ({@code row} and {@code epoch} of its fencing token), the event, and how it ended ({@code ok} false:
     * it threw, its stage failed, or it hung and was abandoned).
     */
    record Delivery(String subscription, String server, String consumer, String row, long epoch, long eventNumber,
                    UUID eventId, String stream, long startNanos, long endNanos, boolean ok) {
    }

    /** One event a transient subscription handed to its listener. */
    record Live(String server, int instance, long position, UUID eventId, long nanos) {
    }

    /** A subscription row's checkpoint as sampled from the database. */
    record Checkpoint(String row, long value, long nanos) {
    }

    /** A position of $all as a reader saw it during the run. */
    record Observed(long position, UUID eventId) {
    }

    /** An operator action or a fault, with what it answered ({@code result}). */
    record Action(String kind, String target, String detail, String result, long startNanos, long endNanos) {
    }

    final ConcurrentLinkedQueue<Append> appends = new ConcurrentLinkedQueue<>();
    final ConcurrentLinkedQueue<Delivery> deliveries = new ConcurrentLinkedQueue<>();
    final ConcurrentLinkedQueue<Live> live = new ConcurrentLinkedQueue<>();
    final ConcurrentLinkedQueue<Checkpoint> checkpoints = new ConcurrentLinkedQueue<>();
    final ConcurrentLinkedQueue<Observed> observed = new ConcurrentLinkedQueue<>();
    final ConcurrentLinkedQueue<Action> actions = new ConcurrentLinkedQueue<>();

    void action(String kind, String target, String detail, String result, long start) {
        actions.add(new Action(kind, target, detail, result, start, System.nanoTime()));
    }
}
