package org.jeventstore.notifications;

import org.jeventstore.EventStore;

/**
 * A committed range of a stream to announce on the store's channel, in the payload Elixir EventStore's listeners
 * parse: {@code stream_uuid,stream_id,first_version,last_version}; for {@code $all}, stream id 0 and positions.
 */
public record Announcement(String streamUuid, long streamId, long from, long to) {

    public Announcement {
        if (streamUuid == null) {
            throw new IllegalArgumentException("an announcement needs its stream's uuid");
        }
        if (from < 1 || to < from) {
            throw new IllegalArgumentException("an announcement needs a range 1 <= from <= to, was " + from + ".." + to
                    + " of stream '" + streamUuid + "'");
        }
    }

    /** The {@code $all} positions {@code from..to}. */
    public static Announcement ofAll(long from, long to) {
        return new Announcement(EventStore.ALL, 0, from, to);
    }

    /** What the streams trigger would have sent for this range. */
    public String payload() {
        return streamUuid + ',' + streamId + ',' + from + ',' + to;
    }
}
