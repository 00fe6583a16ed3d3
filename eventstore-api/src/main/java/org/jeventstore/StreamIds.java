package org.jeventstore;

import java.nio.charset.StandardCharsets;

/**
 * What a stream id may be: the one rule, checked by the store before anything is written and by its HTTP API
 * before a request reaches the store. Each refusal is an {@link InvalidRequestException} naming what is wrong.
 */
public final class StreamIds {

    /**
     * The longest stream id, in UTF-8 bytes, that an append or a link accepts. A stream id travels in every
     * notification (PostgreSQL caps a payload at 8,000 bytes) and keys a btree index (whose entries must stay under
     * about 2,700 bytes); 2,000 bytes stays clear of both.
     */
    public static final int MAX_BYTES = 2_000;

    private StreamIds() {
    }

    /** An id a read may name: not null, not blank, without U+0000 (which PostgreSQL's text cannot hold). */
    public static void checkReadable(String streamId) {
        if (streamId == null || streamId.isBlank()) {
            throw new InvalidRequestException("stream id must not be null or blank, was "
                    + (streamId == null ? "null" : "'" + streamId + "'"));
        }
        if (streamId.indexOf('\u0000') >= 0) {
            throw new InvalidRequestException("stream id must not contain U+0000");
        }
    }

    /** An id an append, a link or a delete may name: readable, at most {@link #MAX_BYTES}, and not {@code $all}. */
    public static void checkWritable(String streamId) {
        checkLength(streamId);
        if (EventStore.ALL.equals(streamId)) {
            throw new InvalidRequestException("stream '$all' is the global log: it cannot be appended, linked to"
                    + " or deleted");
        }
    }

    /** Readable and at most {@link #MAX_BYTES} bytes in UTF-8 (what the HTTP API accepts in a path). */
    public static void checkLength(String streamId) {
        checkReadable(streamId);
        int bytes = streamId.getBytes(StandardCharsets.UTF_8).length;
        if (bytes > MAX_BYTES) {
            throw new InvalidRequestException("stream id '" + streamId.substring(0, Math.min(40, streamId.length()))
                    + "...' is " + bytes + " bytes long in UTF-8; at most " + MAX_BYTES + " are allowed (it travels"
                    + " in every notification and is an index key)");
        }
    }
}
