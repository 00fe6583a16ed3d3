package org.jeventstore.it;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.jeventstore.EventSubscription;
import org.jeventstore.EventType;

/**
 * A projector as a read-side server runs it: a typed observer of an event class whose events this server never
 * appends (they come from "another server", so only the stored type name says what they are).
 */
@ApplicationScoped
public class AccountProjector {

    @EventType("it-account-opened")
    public record AccountOpened(String owner, long cents) {
    }

    final List<Object> opened = new CopyOnWriteArrayList<>();

    void on(@Observes @EventSubscription(name = "it-accounts", stream = "it-accounts") AccountOpened event) {
        opened.add(event);
    }

    /** What the observer was given, as given (a list of Object: the test checks the class itself). */
    public List<Object> opened() {
        return opened;
    }
}
