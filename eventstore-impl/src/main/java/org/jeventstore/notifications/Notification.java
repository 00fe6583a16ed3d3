package org.jeventstore.notifications;

import java.util.Optional;
import org.jeventstore.EventsAppended;

/** Parses the payload the streams trigger sends: {@code stream_uuid,stream_id,first_version,last_version}. */
public final class Notification {

    private Notification() {
    }

    /**
     * The range announced by {@code payload}, or empty for an empty range (a soft delete, an empty stream) or a
     * payload that is not ours. A stream id may itself contain commas, so the numbers are taken from the right.
     */
    public static Optional<EventsAppended> parse(String payload) {
        if (payload == null) {
            return Optional.empty();
        }
        int last = payload.lastIndexOf(',');
        int first = last > 0 ? payload.lastIndexOf(',', last - 1) : -1;
        int id = first > 0 ? payload.lastIndexOf(',', first - 1) : -1;
        if (id <= 0) {
            return Optional.empty();
        }
        try {
            long from = Long.parseLong(payload.substring(first + 1, last));
            long to = Long.parseLong(payload.substring(last + 1));
            Long.parseLong(payload.substring(id + 1, first));
            if (from > to) {
                return Optional.empty();
            }
            return Optional.of(new EventsAppended(payload.substring(0, id), from, to));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }
}
