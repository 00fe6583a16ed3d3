package org.jeventstore.it;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.jeventstore.EventsAppended;

/** An application bean that observes the relayed notifications, as a user's would. */
@ApplicationScoped
public class AppendedRecorder {

    private final List<EventsAppended> received = new CopyOnWriteArrayList<>();
    private final List<String> threads = new CopyOnWriteArrayList<>();

    void on(@Observes EventsAppended event) {
        received.add(event);
        threads.add(Thread.currentThread().getName());
    }

    public List<EventsAppended> received() {
        return received;
    }

    public List<String> threads() {
        return threads;
    }
}
