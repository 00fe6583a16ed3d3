package org.jeventstore.it.cluster.app;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.sql.SQLException;
import org.jeventstore.EventSubscription;
import org.jeventstore.EventsAppended;
import org.jeventstore.RecordedEvent;

/** Three persistent subscriptions to $all and a transient observer, each recording into the database. */
@ApplicationScoped
public class Subscribers {

    @Inject
    Recorder recorder;

    void a(@Observes @EventSubscription(name = "cluster-a", checkpointThreshold = 1) RecordedEvent e)
            throws SQLException {
        if (!probe(e)) {
            recorder.delivery("cluster-a", e.eventId(), e.eventNumber());
        }
    }

    void b(@Observes @EventSubscription(name = "cluster-b", checkpointThreshold = 10) RecordedEvent e)
            throws SQLException {
        if (!probe(e)) {
            recorder.delivery("cluster-b", e.eventId(), e.eventNumber());
        }
    }

    void c(@Observes @EventSubscription(name = "cluster-c") RecordedEvent e) throws SQLException {
        if (!probe(e)) {
            recorder.delivery("cluster-c", e.eventId(), e.eventNumber());
        }
    }

    /**
     * Six competing subscribers per server, by stream (6 partitions over the servers); a handler that takes about
     * 2 ms per event.
     */
    void p(@Observes @EventSubscription(name = "cluster-p", concurrencyLimit = 6, partitionBy = "stream",
            checkpointThreshold = 1)
           RecordedEvent e) throws SQLException, InterruptedException {
        if (probe(e)) {
            return;
        }
        Thread.sleep(2);
        recorder.delivery("cluster-p", e.eventId(), e.eventNumber(), e.streamId(), e.streamVersion());
    }

    /**
     * The throughput scenario's events (the last scenario; nothing checks them here): acknowledged without a
     * recording, so that the other subscriptions do not compete with the measured one for the database.
     */
    static boolean probe(RecordedEvent e) {
        return e.streamId().startsWith("cluster-tp");
    }

    void transientObserver(@Observes EventsAppended appended) throws SQLException {
        if (appended.streamId().startsWith("latency-")) {
            recorder.notification(appended.streamId(), appended.toVersion());
        }
    }
}
