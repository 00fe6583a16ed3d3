package org.jeventstore.it;

import org.jeventstore.EventType;

/**
 * An event class found by the CDI scan: TypedObserverIT ships it alone in a jar whose {@code beans.xml} discovers
 * all its classes, and nothing else names it.
 */
@EventType("it-scanned")
public record ScannedEvent(String name) {
}
