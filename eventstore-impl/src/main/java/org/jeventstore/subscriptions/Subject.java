package org.jeventstore.subscriptions;

import java.util.function.LongSupplier;

/**
 * Which subscription (or partition) a part of the machinery works for: its stream, its name (a partition's row
 * name), and its row id, asked for when needed (a subscription that its worker creates has none at first).
 */
record Subject(String streamId, String name, LongSupplier rowId) {

    long id() {
        return rowId.getAsLong();
    }

    /** How messages name it: {@code 'name' on 'stream'}. */
    String describe() {
        return "'" + name + "' on '" + streamId + "'";
    }
}
