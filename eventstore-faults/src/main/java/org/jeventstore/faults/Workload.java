package org.jeventstore.faults;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.jeventstore.AppendNotLinkedException;
import org.jeventstore.AppendResult;
import org.jeventstore.EventData;
import org.jeventstore.EventStore;
import org.jeventstore.ExpectedVersion;
import org.jeventstore.FencingToken;
import org.jeventstore.InvalidRequestException;
import org.jeventstore.RecordedEvent;
import org.jeventstore.StartFrom;
import org.jeventstore.StreamExistsException;
import org.jeventstore.StreamNotFoundException;
import org.jeventstore.SubscriptionHandler;
import org.jeventstore.SubscriptionOptions;
import org.jeventstore.WrongExpectedVersionException;

/**
 * What the campaign's clients do, and the record of it in the {@link History}: appenders (any and exact expected
 * versions over a set of streams, links, appends made after reading an event, poison events), the persistent
 * subscriptions of every kind each server runs, a transient subscription per server, a reader of {@code $all}
 * and a sampler of checkpoints. Handlers can be told to hang or fail by the {@link Nemesis}.
 */
final class Workload {

    /** The persistent subscriptions every server runs, all on {@code $all}. */
    static final String SINGLE = "single";
    static final String PARTITIONED = "part";
    static final String ASYNC = "async";
    static final String PARKING = "parking";
    /**
     * Competing subscribers without a key (no order promised): on each server one acknowledges explicitly and
     * cumulatively a little after each call, the other gives some events back.
     */
    static final String COMPETING = "compete";
    static final List<String> SUBSCRIPTIONS = List.of(SINGLE, PARTITIONED, ASYNC, PARKING, COMPETING);
    /** Consumers of the partitioned and the competing subscription on each server. */
    static final int CONSUMERS = 2;
    static final int COMPETING_PARTITIONS = 3;
    static final int COMPETING_BUFFER = 2;
    /** How often (percent) the competing subscriber that gives events back gives one back. */
    static final int GIVE_BACK_PERCENT = 10;
    static final Duration HANDLER_TIMEOUT = Duration.ofSeconds(3);
    static final int CHECKPOINT_THRESHOLD = 10;
    static final int PARKING_ATTEMPTS = 3;

    private final History history;
    private final Cluster cluster;
    private final long seed;
    private final Executor stageExecutor;
    /** One-shot handler faults: (server, subscription) to a hang in ms (positive) or a number of failures. */
    private final Map<String, Long> hangs = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> failures = new ConcurrentHashMap<>();
    private final AtomicInteger transients = new AtomicInteger();
    private final List<UUID> recent = new java.util.concurrent.CopyOnWriteArrayList<>();
    private volatile boolean appending = true;
    private volatile boolean observing = true;

    Workload(History history, Cluster cluster, long seed, Executor stageExecutor) {
        this.history = history;
        this.cluster = cluster;
        this.seed = seed;
        this.stageExecutor = stageExecutor;
    }

    static SubscriptionOptions options(String subscription, Server.Config config) {
        SubscriptionOptions base = SubscriptionOptions.defaults().startFrom(StartFrom.origin())
                .retryInterval(Duration.ofMillis(300)).checkpoint(CHECKPOINT_THRESHOLD, Duration.ofMillis(300))
                .safetyPoll(Duration.ofSeconds(2)).handlerTimeout(HANDLER_TIMEOUT)
                .maxRetryBackoff(Duration.ofMillis(400));
        return switch (subscription) {
            case SINGLE -> base;
            case PARTITIONED -> base.concurrency(config.partitions(), RecordedEvent::streamId);
            case ASYNC -> base.bufferSize(config.asyncBuffer());
            case PARKING -> base.concurrency(1, RecordedEvent::streamId)
                    .maxAttempts(PARKING_ATTEMPTS, SubscriptionOptions.OnExhausted.PARK);
            case COMPETING -> base.concurrency(COMPETING_PARTITIONS, null).bufferSize(COMPETING_BUFFER);
            default -> throw new IllegalArgumentException(subscription);
        };
    }

    // ------------------------------------------------------------------------------------------ subscribers

    /** Subscribes everything a server runs: called once per incarnation, right after it started. */
    void subscribe(Server server) {
        for (String name : SUBSCRIPTIONS) {
            subscribe(server, name);
        }
        int instance = transients.incrementAndGet();
        server.subscriptions.add(server.store.subscribe(EventStore.ALL, null, e ->
                history.live.add(new History.Live(server.name, instance, e.eventNumber(), e.eventId(),
                        System.nanoTime()))));
    }

    /** Subscribes the subscriber(s) {@code server} runs for the persistent subscription {@code name}. */
    void subscribe(Server server, String name) {
        SubscriptionOptions options = options(name, server.config);
        int consumers = name.equals(PARTITIONED) || name.equals(COMPETING) ? CONSUMERS : 1;
        for (int c = 0; c < consumers; c++) {
            String consumer = server + "/" + c;
            SubscriptionHandler handler = name.equals(ASYNC) ? asyncHandler(server.name, consumer)
                    : name.equals(COMPETING) && c == 0 ? manualHandler(server.name, consumer)
                    : name.equals(COMPETING) ? givingBackHandler(server.name, consumer)
                    : SubscriptionHandler.fenced((event, token) -> handle(name, server.name, consumer, event,
                            token));
            server.subscriptions.add(server.store.subscribeToAll(name, handler, options));
        }
    }

    /** Closes {@code server}'s subscriber(s) of the persistent subscription {@code name} (as an operator would). */
    void unsubscribe(Server server, String name) {
        for (org.jeventstore.Subscription s : List.copyOf(server.subscriptions)) {
            if (s.name().equals(name)) {
                s.close();
                server.subscriptions.remove(s);
            }
        }
    }

    private void handle(String subscription, String server, String consumer, RecordedEvent event, FencingToken token)
            throws Exception {
        long start = System.nanoTime();
        boolean ok = false;
        try {
            injected(subscription, server);
            if (subscription.equals(PARKING) && poison(event)) {
                throw new IllegalStateException("poison event " + event.eventId());
            }
            ok = true;
        } finally {
            history.deliveries.add(new History.Delivery(subscription, server, consumer, token.subscriptionName(), token.epoch(),
                    event.eventNumber(), event.eventId(), event.streamId(), start, System.nanoTime(), ok));
        }
    }

    /** Acknowledges through a stage completed a little later on another thread (a hang delays it). */
    private SubscriptionHandler asyncHandler(String server, String consumer) {
        return SubscriptionHandler.async((event, token) -> {
            long start = System.nanoTime();
            long hang = takeHang(ASYNC, server);
            boolean fail = takeFailure(ASYNC, server);
            CompletableFuture<Void> done = new CompletableFuture<>();
            long delay = hang > 0 ? hang : ThreadLocalRandom.current().nextInt(0, 15);
            CompletableFuture.delayedExecutor(delay, TimeUnit.MILLISECONDS, stageExecutor).execute(() -> {
                if (fail) {
                    done.completeExceptionally(new IllegalStateException("injected failure"));
                } else {
                    done.complete(null);
                }
            });
            return done.whenComplete((v, failure) -> history.deliveries.add(new History.Delivery(ASYNC, server,
                    consumer, token.subscriptionName(), token.epoch(), event.eventNumber(), event.eventId(), event.streamId(),
                    start, System.nanoTime(), failure == null)));
        });
    }

    /**
     * Acknowledges explicitly: each call is recorded, and 0-15 ms later (a hang: later) the event is acknowledged
     * with every earlier one this subscriber received, each recorded as handled then.
     */
    private SubscriptionHandler manualHandler(String server, String consumer) {
        record Received(RecordedEvent event, FencingToken token, long start) {
        }
        java.util.Deque<Received> unacked = new java.util.ArrayDeque<>();
        return SubscriptionHandler.manual((event, token, acks) -> {
            long start = System.nanoTime();
            try {
                injected(COMPETING, server);
            } catch (Exception e) {
                history.deliveries.add(new History.Delivery(COMPETING, server, consumer, token.subscriptionName(),
                        token.epoch(), event.eventNumber(), event.eventId(), event.streamId(), start,
                        System.nanoTime(), false));
                throw e;
            }
            synchronized (unacked) {
                unacked.addLast(new Received(event, token, start));
            }
            CompletableFuture.delayedExecutor(ThreadLocalRandom.current().nextInt(0, 15), TimeUnit.MILLISECONDS,
                    stageExecutor).execute(() -> {
                        List<Received> done = new ArrayList<>();
                        synchronized (unacked) {
                            if (unacked.stream().noneMatch(r -> r.event().eventId().equals(event.eventId()))) {
                                return; // acknowledged with a later one already
                            }
                            int last = -1;
                            int i = 0;
                            for (Received r : unacked) {
                                if (r.event().eventId().equals(event.eventId())) {
                                    last = i;
                                }
                                i++;
                            }
                            for (int n = 0; n <= last; n++) {
                                done.add(unacked.pollFirst());
                            }
                            acks.ack(event);
                        }
                        long end = System.nanoTime();
                        for (Received r : done) {
                            history.deliveries.add(new History.Delivery(COMPETING, server, consumer,
                                    r.token().subscriptionName(), r.token().epoch(), r.event().eventNumber(),
                                    r.event().eventId(), r.event().streamId(), r.start(), end, true));
                        }
                    });
        });
    }

    /** Handles like the others, but gives GIVE_BACK_PERCENT of its events back (recorded as not handled). */
    private SubscriptionHandler givingBackHandler(String server, String consumer) {
        return SubscriptionHandler.fenced((event, token) -> {
            if (ThreadLocalRandom.current().nextInt(100) < GIVE_BACK_PERCENT) {
                long now = System.nanoTime();
                history.deliveries.add(new History.Delivery(COMPETING, server, consumer, token.subscriptionName(),
                        token.epoch(), event.eventNumber(), event.eventId(), event.streamId(), now, now, false));
                throw new org.jeventstore.GiveBackException("given back by the campaign");
            }
            handle(COMPETING, server, consumer, event, token);
        });
    }

    private void injected(String subscription, String server) throws InterruptedException {
        long hang = takeHang(subscription, server);
        if (hang > 0) {
            Thread.sleep(hang); // the injected fault: this call hangs (an interrupt ends it, as a real one might)
        }
        if (takeFailure(subscription, server)) {
            throw new IllegalStateException("injected failure");
        }
    }

    private long takeHang(String subscription, String server) {
        Long hang = hangs.remove(server + "/" + subscription);
        return hang == null ? 0 : hang;
    }

    private boolean takeFailure(String subscription, String server) {
        AtomicInteger left = failures.get(server + "/" + subscription);
        return left != null && left.getAndUpdate(n -> Math.max(0, n - 1)) > 0;
    }

    /** The next call of {@code subscription} on {@code server} hangs for {@code millis}. */
    void hang(String server, String subscription, long millis) {
        hangs.put(server + "/" + subscription, millis);
    }

    /** The next {@code count} calls of {@code subscription} on {@code server} fail. */
    void fail(String server, String subscription, int count) {
        failures.computeIfAbsent(server + "/" + subscription, k -> new AtomicInteger()).set(count);
    }

    void clearHandlerFaults() {
        hangs.clear();
        failures.clear();
    }

    static boolean poison(RecordedEvent event) {
        return event.data() instanceof Map<?, ?> m && Boolean.TRUE.equals(m.get("poison"));
    }

    // ------------------------------------------------------------------------------------------ appenders

    /** Runs appender {@code index} until {@link #stopAppending()}; each op on a server chosen at random. */
    void append(int index, long pauseMillis) {
        Random random = new Random(seed * 31 + index);
        long seq = 0;
        while (appending) {
            Server server = cluster.anyUp(random);
            if (server == null) {
                pause(50);
                continue;
            }
            int op = random.nextInt(100);
            try {
                if (op < 55) {
                    appendOne(server, "s-" + random.nextInt(12), ExpectedVersion.any(), random, index, seq, false,
                            null);
                } else if (op < 77) {
                    exact(server, "s-" + random.nextInt(12), random, index, seq);
                } else if (op < 90) {
                    causal(server, "c-" + random.nextInt(6), random, index, seq);
                } else if (op < 96) {
                    link(server, "l-" + random.nextInt(4), random);
                } else if (op < 97) {
                    appendOne(server, "p-" + index + "-" + seq, ExpectedVersion.noStream(), random, index, seq, true,
                            null);
                } else {
                    appendOne(server, "s-" + random.nextInt(12), ExpectedVersion.any(), random, index, seq, false,
                            null);
                }
            } catch (RuntimeException e) {
                // recorded by the op where it matters; a read that failed before an append is no append
            }
            seq++;
            pause(pauseMillis + random.nextInt((int) Math.max(1, pauseMillis)));
        }
    }

    private void exact(Server server, String stream, Random random, int index, long seq) {
        ExpectedVersion expected;
        try {
            expected = ExpectedVersion.exactly(server.store.streamInfo(stream).version());
        } catch (StreamNotFoundException e) {
            expected = ExpectedVersion.noStream();
        }
        appendOne(server, stream, expected, random, index, seq, false, null);
    }

    /** Reads the newest committed event of $all, then appends: the new event must come after it in $all. */
    private void causal(Server server, String stream, Random random, int index, long seq) {
        List<RecordedEvent> last = server.store.readAllBackward(-1, 1);
        UUID cause = last.isEmpty() ? null : last.get(0).eventId();
        appendOne(server, stream, ExpectedVersion.any(), random, index, seq, false, cause);
    }

    private void appendOne(Server server, String stream, ExpectedVersion expected, Random random, int index, long seq,
                           boolean poison, UUID cause) {
        int n = poison ? 1 : 1 + random.nextInt(3);
        List<EventData> events = new ArrayList<>(n);
        List<UUID> ids = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            UUID id = new UUID(random.nextLong(), random.nextLong());
            ids.add(id);
            events.add(EventData.of("campaign-event", Map.of("w", index, "n", seq, "i", i, "poison", poison))
                    .withEventId(id));
        }
        long start = System.nanoTime();
        History.Outcome outcome;
        long firstVersion = 0;
        long lastVersion = 0;
        long firstPosition = 0;
        long lastPosition = 0;
        String error = null;
        try {
            AppendResult r = server.store.appendToStream(stream, expected, events);
            outcome = History.Outcome.OK;
            lastVersion = r.streamVersion();
            firstVersion = lastVersion - n + 1;
            firstPosition = r.firstPosition();
            lastPosition = r.lastPosition();
            recent.addAll(ids);
            if (recent.size() > 200) {
                recent.subList(0, 100).clear();
            }
        } catch (AppendNotLinkedException e) {
            outcome = History.Outcome.COMMITTED_UNLINKED;
            firstVersion = e.firstVersion();
            lastVersion = e.lastVersion();
            error = e.reason().name();
        } catch (WrongExpectedVersionException | StreamExistsException | InvalidRequestException e) {
            outcome = History.Outcome.REFUSED;
            error = e.getClass().getSimpleName();
        } catch (RuntimeException e) {
            outcome = History.Outcome.UNKNOWN;
            error = e.getClass().getSimpleName() + ": " + e.getMessage();
        }
        history.appends.add(new History.Append(server.name, stream, false, ids, cause, outcome, firstVersion,
                lastVersion, firstPosition, lastPosition, error, start, System.nanoTime()));
    }

    private void link(Server server, String stream, Random random) {
        if (recent.size() < 2) {
            return;
        }
        List<UUID> ids = List.of(recent.get(random.nextInt(recent.size())));
        long start = System.nanoTime();
        History.Outcome outcome;
        long lastVersion = 0;
        String error = null;
        try {
            lastVersion = server.store.linkToStream(stream, ExpectedVersion.any(), ids).streamVersion();
            outcome = History.Outcome.OK;
        } catch (WrongExpectedVersionException | StreamExistsException | InvalidRequestException e) {
            outcome = History.Outcome.REFUSED;
            error = e.getClass().getSimpleName();
        } catch (org.jeventstore.DuplicateEventException e) {
            outcome = History.Outcome.REFUSED; // already linked there: nothing written
            error = e.getClass().getSimpleName();
        } catch (RuntimeException e) {
            outcome = History.Outcome.UNKNOWN;
            error = e.getClass().getSimpleName() + ": " + e.getMessage();
        }
        history.appends.add(new History.Append(server.name, stream, true, ids, null, outcome, lastVersion,
                lastVersion, 0, 0, error, start, System.nanoTime()));
    }

    void stopAppending() {
        appending = false;
    }

    // ------------------------------------------------------------------------------------------ observers

    /**
     * Reads $all forward page by page through whichever server is up, and records every position it saw: a
     * position must never change meaning, and a reader must never see a gap.
     */
    void observe(Random random) {
        long next = 1;
        while (observing) {
            Server server = cluster.anyUp(random);
            if (server != null) {
                try {
                    List<RecordedEvent> page = server.store.readAllForward(next, 200);
                    for (RecordedEvent e : page) {
                        history.observed.add(new History.Observed(e.eventNumber(), e.eventId()));
                    }
                    if (!page.isEmpty()) {
                        next = page.get(page.size() - 1).eventNumber() + 1;
                    }
                } catch (RuntimeException e) {
                    // the database is down or the server died: read again later
                }
            }
            pause(200);
        }
    }

    /** Samples every subscription row's checkpoint every 300 ms (as the admin view reads them). */
    void sampleCheckpoints(Database db, String schema) {
        String sql = "SELECT subscription_name, last_seen FROM \"" + schema + "\".subscriptions";
        while (observing) {
            try (java.sql.Connection c = db.connect(); java.sql.Statement st = c.createStatement();
                 java.sql.ResultSet rs = st.executeQuery(sql)) {
                long now = System.nanoTime();
                while (rs.next()) {
                    history.checkpoints.add(new History.Checkpoint(rs.getString(1), rs.getLong(2), now));
                }
            } catch (java.sql.SQLException e) {
                // the database is restarting: sample later
            }
            pause(300);
        }
    }

    void stopObserving() {
        observing = false;
    }

    /** The load generator's pacing (not a wait for a result). */
    private static void pause(long millis) {
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(millis));
    }
}
