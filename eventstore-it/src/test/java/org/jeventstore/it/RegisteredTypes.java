package org.jeventstore.it;

import org.jeventstore.EventType;

/** Event classes of TypedObserverIT, each made known to the server in another way (or not at all). */
public final class RegisteredTypes {

    private RegisteredTypes() {
    }

    /** Named in the deployment's {@code eventstore.serialization.event-types}. */
    @EventType("it-configured")
    public record Configured(String name) {
    }

    /** Registered by the test through the injected {@code EventStore}, after a first read. */
    @EventType("it-late")
    public record Late(String name) {
    }

    /** Never registered: read with {@code data(Class)}. */
    @EventType("it-unregistered")
    public record Unregistered(String name, int count) {
    }

    /** A class the data of {@link Unregistered} does not fit ({@code name} is text). */
    public record Misfit(int name) {
    }
}
