package org.jeventstore;

/**
 * Where a persistent subscription starts when it is first created. Afterwards its checkpoint wins: restarting or
 * moving to another server resumes after the last acknowledged event.
 */
public sealed interface StartFrom {

    /** From the first event. */
    static StartFrom origin() {
        return Position.ORIGIN;
    }

    /** After the events the stream holds when the subscription is created: only new events. */
    static StartFrom current() {
        return Current.INSTANCE;
    }

    /** After the given event number (stream version or {@code $all} position). */
    static StartFrom after(long eventNumber) {
        if (eventNumber < 0) {
            throw new IllegalArgumentException("start position must be >= 0, was " + eventNumber);
        }
        return new Position(eventNumber);
    }

    /** Parses {@code origin}, {@code current} or a number, as used in annotations and configuration. */
    static StartFrom parse(String value) {
        String v = value == null ? "" : value.trim().toLowerCase();
        if (v.equals("origin")) {
            return origin();
        }
        if (v.equals("current")) {
            return current();
        }
        try {
            return after(Long.parseLong(v));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("start from must be origin, current or a number >= 0, was '" + value
                    + "'");
        }
    }

    enum Current implements StartFrom {
        INSTANCE
    }

    record Position(long eventNumber) implements StartFrom {
        static final Position ORIGIN = new Position(0);
    }
}
