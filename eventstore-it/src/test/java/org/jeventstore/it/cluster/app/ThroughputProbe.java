package org.jeventstore.it.cluster.app;

import jakarta.inject.Inject;
import jakarta.servlet.annotation.WebServlet;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.jeventstore.EventStore;
import org.jeventstore.StartFrom;
import org.jeventstore.Subscription;
import org.jeventstore.SubscriptionOptions;

/**
 * The cluster test's throughput scenario: starts, on this server, six competing subscribers of a subscription with
 * 6 partitions whose handler takes 2 ms per event and which runs at most {@code serverConcurrency} handler calls at once here, as a
 * server with that much capacity would. Its handler waits at a gate until the test opens it, so that the backlog
 * and the spread of the partitions are in place before the clock starts.
 *
 * <ul>
 *   <li>{@code POST ?action=start&name=N&after=P&cap=K}: subscribe to $all after position P;</li>
 *   <li>{@code POST ?action=open&name=N}: open the gate;</li>
 *   <li>{@code GET ?name=N}: {@code <distinct events handled here> <epoch millis of the last one>};</li>
 *   <li>{@code POST ?action=stop&name=N}: close the subscription here.</li>
 * </ul>
 */
@WebServlet("/throughput")
public class ThroughputProbe extends HttpServlet {

    private static final long serialVersionUID = 1L;

    /** What one named probe saw on this server. */
    static final class Probe {
        final CountDownLatch gate = new CountDownLatch(1);
        final Set<Long> handled = ConcurrentHashMap.newKeySet();
        final AtomicLong lastMillis = new AtomicLong();
        final java.util.List<Subscription> subscribers = new java.util.concurrent.CopyOnWriteArrayList<>();
    }

    static final Map<String, Probe> PROBES = new ConcurrentHashMap<>();

    @Inject
    transient EventStore store;

    @Override
    protected void doPost(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        String name = req.getParameter("name");
        switch (String.valueOf(req.getParameter("action"))) {
            case "start" -> {
                Probe probe = new Probe();
                if (PROBES.putIfAbsent(name, probe) != null) {
                    resp.sendError(409, name + " runs here already");
                    return;
                }
                SubscriptionOptions options = SubscriptionOptions.defaults().concurrency(6, null)
                        .serverConcurrency(Integer.parseInt(req.getParameter("cap")))
                        .startFrom(StartFrom.after(Long.parseLong(req.getParameter("after"))))
                        .checkpoint(100, Duration.ofMillis(200));
                for (int i = 0; i < options.concurrencyLimit(); i++) {
                    probe.subscribers.add(store.subscribeToAll(name, e -> {
                        if (!probe.gate.await(2, TimeUnit.MINUTES)) {
                            throw new IllegalStateException("the gate of " + name + " was never opened");
                        }
                        Thread.sleep(2);
                        probe.handled.add(e.eventNumber());
                        probe.lastMillis.accumulateAndGet(System.currentTimeMillis(), Math::max);
                    }, options));
                }
            }
            case "open" -> PROBES.get(name).gate.countDown();
            case "stop" -> {
                Probe probe = PROBES.remove(name);
                if (probe != null) {
                    probe.gate.countDown();
                    probe.subscribers.forEach(Subscription::close);
                }
            }
            default -> {
                resp.sendError(400, "action must be start, open or stop");
                return;
            }
        }
        resp.setStatus(204);
    }

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        Probe probe = PROBES.get(req.getParameter("name"));
        resp.setContentType("text/plain");
        resp.getWriter().print(probe == null ? "0 0" : probe.handled.size() + " " + probe.lastMillis.get());
    }
}
