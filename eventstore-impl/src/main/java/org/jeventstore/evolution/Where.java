package org.jeventstore.evolution;

import java.util.UUID;

/** Where a stored event is, for messages. */
record Where(UUID id, String stream, long version, String storedType, int storedRevision) {

    String describe() {
        return "event " + id + " (stream '" + stream + "', version " + version + ", stored as type '"
                + storedType + "' revision " + storedRevision + ")";
    }
}
