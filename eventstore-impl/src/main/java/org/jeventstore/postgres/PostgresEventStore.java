package org.jeventstore.postgres;

import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Executor;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.stream.Stream;
import java.time.Duration;
import java.time.Instant;
import javax.sql.DataSource;
import org.jeventstore.AppendResult;
import org.jeventstore.ConfigurationException;
import org.jeventstore.DeleteMode;
import org.jeventstore.EventData;
import org.jeventstore.EventStore;
import org.jeventstore.EventsAppended;
import org.jeventstore.ExpectedVersion;
import org.jeventstore.InvalidRequestException;
import org.jeventstore.Page;
import org.jeventstore.RecordedEvent;
import org.jeventstore.SnapshotData;
import org.jeventstore.StreamInfo;
import org.jeventstore.StreamQuery;
import org.jeventstore.Subscription;
import org.jeventstore.SubscriptionHandler;
import org.jeventstore.SubscriptionOptions;
import org.jeventstore.EventUpcaster;
import org.jeventstore.MultiEventUpcaster;
import org.jeventstore.evolution.Evolution;
import org.jeventstore.evolution.EvolvingHandler;
import org.jeventstore.evolution.SkipCounts;
import org.jeventstore.notifications.NotificationListener;
import org.jeventstore.subscriptions.SubscriptionSettings;
import org.jeventstore.subscriptions.Subscriptions;
import org.jeventstore.config.EventStoreSettings;
import org.jeventstore.config.LinkSettings;
import org.jeventstore.telemetry.Telemetry;
import org.jeventstore.telemetry.TracedHandler;
import org.jeventstore.serialization.EventSerializer;
import org.jeventstore.serialization.GuardedSerializer;
import org.jeventstore.serialization.JsonbEventSerializer;
import org.jeventstore.storage.Appender;
import org.jeventstore.storage.LinkerLoop;
import org.jeventstore.storage.DataColumns;
import org.jeventstore.storage.LinkPasses;
import org.jeventstore.storage.EventReader;
import org.jeventstore.storage.SchemaManager;
import org.jeventstore.storage.Snapshots;
import org.jeventstore.storage.Sql;
import org.jeventstore.storage.Streams;
import org.jeventstore.storage.TransactionContext;
import org.jeventstore.storage.Transactions;
import org.jeventstore.operations.SubscriptionAdmin;

/**
 * The PostgreSQL event store over a plain {@link DataSource}: usable as it is outside a container, and what the
 * CDI layer produces inside one. Arguments are checked before any connection is taken.
 */
public final class PostgresEventStore implements EventStore, AutoCloseable {

    /** The most appends one linker pass moves into {@code $all}. */
    private static final int LINK_BATCH = 1000;
    /** A linker pass stops taking appends at this many events (it always takes the oldest append whole). */
    private static final long LINK_MAX_EVENTS = 20_000;
    /** The longest stream id, in UTF-8 bytes, that an append or a link accepts ({@link org.jeventstore.StreamIds}). */
    public static final int MAX_STREAM_ID_BYTES = org.jeventstore.StreamIds.MAX_BYTES;
    /** The default bound on one round trip on the long-lived connections (see Builder#networkTimeout). */
    public static final Duration DEFAULT_NETWORK_TIMEOUT = Duration.ofSeconds(5);

    private final EventStoreSettings settings;
    private final Appender appender;
    private final EventReader reader;
    private final Streams streams;
    private final Snapshots snapshots;
    private final SchemaManager schema;
    private final NotificationListener listener;
    private final Subscriptions subscriptions;
    /** The background loop that runs link passes (null: appends link on their own thread). */
    private final LinkerLoop loop;
    private final LinkPasses passes;
    private final LinkSettings linking;
    private final EventSerializer serializer;
    private final Evolution evolution;
    private final SkipCounts skipped = new SkipCounts();
    private final PostgresOperations operations;
    private final PostgresSubscriptionAdmin admin;
    private final Telemetry telemetry;

    private PostgresEventStore(Builder b) {
        this.settings = b.settings;
        this.linking = b.linking;
        this.serializer = b.serializer;
        Transactions tx = new Transactions(b.dataSource, b.transactionContext);
        // The JSON columns' type is found in the database when the store first needs it (migrate, or first use)
        DataColumns columns = new DataColumns(settings.schema(), tx);
        Sql sql = new Sql(settings.schema(), columns::format);
        EventSerializer guarded = new GuardedSerializer(b.serializer);
        this.evolution = new Evolution(guarded, b.aliases, b.upcasters);
        this.reader = new EventReader(sql, tx, evolution, columns);
        this.streams = new Streams(sql, tx);
        this.snapshots = new Snapshots(sql, tx, guarded, columns);
        this.schema = new SchemaManager(sql, tx, columns, settings.columnType());
        if (b.listenDataSource != null) {
            this.listener = new NotificationListener(b.listenDataSource, settings.schema(), b.listenerPoll,
                    b.networkTimeout);
            this.subscriptions = new Subscriptions(sql, tx, reader, streams, listener, new SubscriptionSettings(
                    b.listenDataSource, b.executor, b.networkTimeout, settings.readBatchSize(), b.telemetry));
        } else {
            this.listener = null;
            this.subscriptions = null;
        }
        // This server's subscriptions hear of its own appends at once; other servers' through NOTIFY.
        Consumer<EventsAppended> local = subscriptions != null ? subscriptions::localAppend : appended -> { };
        this.passes = new LinkPasses(sql, tx, LINK_BATCH, LINK_MAX_EVENTS);
        this.loop = b.linkerExecutor != null ? new LinkerLoop(passes, b.linkerPoll, local) : null;
        this.appender = new Appender(sql, tx, guarded, columns, passes, loop, local, b.linking);
        this.operations = new PostgresOperations(sql, tx, passes, schema, subscriptions, listener,
                settings.hardDeletesEnabled(), skipped::describe);
        this.admin = new PostgresSubscriptionAdmin(sql, tx, passes, subscriptions);
        this.telemetry = b.telemetry;
        observe();
    }

    /** Hooks the gauges and the reconnect counter to what this store already tracks. */
    private void observe() {
        if (telemetry == Telemetry.noop()) {
            return;
        }
        telemetry.observeBacklog(() -> {
            var backlog = operations.linkBacklog();
            return new long[] {backlog.appends(), backlog.oldestMillis(), backlog.setAside()};
        });
        if (subscriptions != null) {
            telemetry.observeSubscriptions(() -> {
                if (subscriptions.running().isEmpty()) {
                    return List.of();
                }
                return operations.subscriptions().stream().filter(s -> s.localState() != null)
                        .map(s -> new Telemetry.SubscriptionGauge(s.streamId(), s.name(), s.lagEvents(),
                                s.lagMillis(), "active".equals(s.localState())))
                        .toList();
            });
        }
        if (listener != null) {
            java.util.concurrent.atomic.AtomicBoolean first = new java.util.concurrent.atomic.AtomicBoolean(true);
            listener.addConnectListener(() -> {
                if (!first.compareAndSet(true, false)) {
                    telemetry.listenerReconnected();
                }
            });
        }
    }

    /** This store's metrics and traces ({@link Telemetry#noop()} unless built with {@link Builder#telemetry}). */
    public Telemetry telemetry() {
        return telemetry;
    }

    /** Readiness, the link backlog, servers and subscriptions: what operators and consoles look at. */
    public PostgresOperations operations() {
        return operations;
    }

    /** Resets, deletes, parked events, set-aside appends: what operators may do. */
    public org.jeventstore.operations.SubscriptionAdmin admin() {
        return admin;
    }

    public static Builder builder(DataSource dataSource) {
        return new Builder(dataSource);
    }

    public EventStoreSettings settings() {
        return settings;
    }

    /** How this store turns data into JSON and type names into classes (with the types registered at build). */
    public EventSerializer serializer() {
        return serializer;
    }

    /** How stored events are read today: aliases, revisions and the upcasters this store was built with. */
    public Evolution evolution() {
        return evolution;
    }

    /** The notification listener; {@code null} when the store was built without notifications. */
    public NotificationListener listener() {
        return listener;
    }

    /**
     * Since when this server has had no working advisory-lock connection for its persistent subscriptions
     * although it wants one; {@code null} while it works, before the first persistent subscription needed it, or
     * without notifications. (For liveness: subscriptions cannot run here while it is down.)
     */
    public Instant lockConnectionDownSince() {
        return subscriptions == null ? null : subscriptions.lockConnectionDownSince();
    }

    /**
     * Stops subscriptions, the listener and the background linker (their connections and locks are released);
     * the executor stays. Appends committed but not yet linked are linked by another server's linker, or by this
     * store's successor, when it starts.
     */
    @Override
    public void close() {
        telemetry.close();
        if (subscriptions != null) {
            subscriptions.close();
        }
        if (listener != null) {
            listener.close();
        }
        if (loop != null) {
            loop.close();
        }
    }

    /**
     * Links every append committed so far into {@code $all}, on this thread, and returns when none is left. For
     * callers in {@link LinkSettings.Mode#COMMITTED} mode that must read {@code $all} right after appending, and
     * for tests; in the default LINKED mode every append returns linked already.
     */
    public void linkNow() {
        while (passes.pending()) {
            passes.pass();
        }
    }

    /** How appends meet the linker: the append mode, the backlog bound, the link timeout. */
    public LinkSettings linking() {
        return linking;
    }

    /** Committed appends still waiting for their {@code $all} positions (for health checks and monitoring). */
    public LinkPasses.Backlog linkBacklog() {
        return passes.backlog();
    }

    /** Schema administration: migrate, status, reset, drop. */
    public SchemaManager schema() {
        return schema;
    }

    @Override
    public AppendResult appendToStream(String streamId, ExpectedVersion expected, List<EventData> events) {
        checkWritableStream(streamId, expected);
        if (events == null) {
            throw new InvalidRequestException("events to append to stream '" + streamId + "' must not be null"
                    + " (an empty list appends nothing)");
        }
        for (int i = 0; i < events.size(); i++) {
            if (events.get(i) == null) {
                throw new InvalidRequestException("event " + i + " to append to stream '" + streamId + "' is null");
            }
        }
        try (Telemetry.AppendSpan span = telemetry.startAppend("append", streamId, events.size())) {
            try {
                AppendResult result = appender.append(streamId, expected,
                        span.withTraceContext(evolution.withRevisions(streamId, events)));
                span.end(null);
                return result;
            } catch (RuntimeException | Error e) {
                span.end(e);
                throw e;
            }
        }
    }

    @Override
    public AppendResult linkToStream(String streamId, ExpectedVersion expected, List<UUID> eventIds) {
        checkWritableStream(streamId, expected);
        if (eventIds == null) {
            throw new InvalidRequestException("event ids to link to stream '" + streamId + "' must not be null"
                    + " (an empty list links nothing)");
        }
        for (int i = 0; i < eventIds.size(); i++) {
            if (eventIds.get(i) == null) {
                throw new InvalidRequestException("event id " + i + " to link to stream '" + streamId + "' is null");
            }
        }
        try (Telemetry.AppendSpan span = telemetry.startAppend("link", streamId, eventIds.size())) {
            try {
                AppendResult result = appender.link(streamId, expected, eventIds);
                span.end(null);
                return result;
            } catch (RuntimeException | Error e) {
                span.end(e);
                throw e;
            }
        }
    }

    @Override
    public List<RecordedEvent> readStreamForward(String streamId, long start, int count) {
        checkRead(streamId, start, count, true);
        return read(streamId, start, count, true);
    }

    @Override
    public List<RecordedEvent> readStreamBackward(String streamId, long start, int count) {
        checkRead(streamId, start, count, false);
        return read(streamId, start, count, false);
    }

    /**
     * A page of events as read today. Without upcasters that split or drop events it is the stored page. With
     * them, {@code count} counts the events returned, not the stored ones: a page holds the events of whole stored
     * events and stops once it has {@code count} (one that splits may take it past {@code count}), or at the end
     * of the stream. So a page shorter than asked still means the end, as callers that page by hand take it,
     * even where upcasters turned stored events into none; the next page starts after the last event number.
     */
    private List<RecordedEvent> read(String streamId, long start, int count, boolean forward) {
        List<RecordedEvent> page = reader.read(streamId, start, count, forward);
        if (!evolution.expands()) {
            return page;
        }
        List<RecordedEvent> out = evolution.expandAll(page, !forward);
        while (out.size() < count && page.size() == count) {
            long next = page.get(page.size() - 1).eventNumber() + (forward ? 1 : -1);
            if (next < 1) {
                break;
            }
            page = reader.read(streamId, next, count, forward);
            List<RecordedEvent> more = evolution.expandAll(page, !forward);
            if (!more.isEmpty()) {
                out = new java.util.ArrayList<>(out);
                out.addAll(more);
            }
        }
        return out;
    }

    @Override
    public List<RecordedEvent> readAllForward(long start, int count) {
        return readStreamForward(ALL, start, count);
    }

    @Override
    public List<RecordedEvent> readAllBackward(long start, int count) {
        return readStreamBackward(ALL, start, count);
    }

    @Override
    public Stream<RecordedEvent> streamForward(String streamId, long start, int batchSize) {
        checkRead(streamId, start, batchSize, true);
        return expanded(reader.stream(streamId, start, batchSize(batchSize), true), true);
    }

    @Override
    public Stream<RecordedEvent> streamBackward(String streamId, long start, int batchSize) {
        checkRead(streamId, start, batchSize, false);
        return expanded(reader.stream(streamId, start, batchSize(batchSize), false), false);
    }

    /** The lazy read with each stored event expanded where an upcaster splits or drops it. */
    private Stream<RecordedEvent> expanded(Stream<RecordedEvent> stored, boolean forward) {
        if (!evolution.expands()) {
            return stored;
        }
        return stored.flatMap(e -> evolution.expandAll(List.of(e), !forward).stream());
    }

    @Override
    public Stream<RecordedEvent> streamAllForward(long start, int batchSize) {
        return streamForward(ALL, start, batchSize);
    }

    @Override
    public Stream<RecordedEvent> streamAllBackward(long start, int batchSize) {
        return streamBackward(ALL, start, batchSize);
    }

    @Override
    public StreamInfo streamInfo(String streamId) {
        checkStreamId(streamId);
        return streams.info(streamId);
    }

    @Override
    public Page<StreamInfo> paginateStreams(StreamQuery query) {
        if (query == null) {
            throw new InvalidRequestException("stream query must not be null");
        }
        return streams.paginate(query);
    }

    @Override
    public void deleteStream(String streamId, ExpectedVersion expected, DeleteMode mode) {
        checkWritableStream(streamId, expected);
        if (mode == null) {
            throw new InvalidRequestException("delete mode for stream '" + streamId + "' must not be null");
        }
        if (mode == DeleteMode.HARD && !settings.hardDeletesEnabled()) {
            throw new InvalidRequestException("hard delete of stream '" + streamId + "' refused: hard deletes are"
                    + " not enabled (setting eventstore.hard-deletes)");
        }
        streams.delete(streamId, expected, mode);
    }

    @Override
    public void recordSnapshot(SnapshotData snapshot) {
        if (snapshot == null) {
            throw new InvalidRequestException("snapshot to record must not be null");
        }
        snapshots.record(snapshot);
    }

    @Override
    public Optional<SnapshotData> readSnapshot(String sourceId) {
        checkSourceId(sourceId);
        return snapshots.read(sourceId);
    }

    @Override
    public void deleteSnapshot(String sourceId) {
        checkSourceId(sourceId);
        snapshots.delete(sourceId);
    }

    @Override
    public Subscription subscribe(String streamId, Predicate<RecordedEvent> selector, Consumer<RecordedEvent> listener) {
        checkStreamId(streamId);
        Objects.requireNonNull(listener, "listener must not be null");
        if (!evolution.expands()) {
            return subscriptions().subscribe(streamId, selector, listener);
        }
        // the selector sees the events a stored event expands to, as the listener does
        return subscriptions().subscribe(streamId, null, e -> {
            for (RecordedEvent part : evolution.expand(e)) {
                if (selector == null || selector.test(part)) {
                    listener.accept(part);
                }
            }
        });
    }

    @Override
    public Subscription subscribeToStream(String streamId, String name, SubscriptionHandler handler,
                                          SubscriptionOptions options) {
        checkStreamId(streamId);
        checkSubscriptionName(name);
        Objects.requireNonNull(handler, "subscription handler must not be null");
        SubscriptionOptions chosen = options == null ? SubscriptionOptions.defaults() : options;
        SubscriptionHandler evolving = handler;
        if (EvolvingHandler.needed(evolution, chosen)) {
            EvolvingHandler h = EvolvingHandler.of(handler, evolution, chosen, streamId, name, telemetry, skipped);
            evolving = h;
            chosen = h.engineOptions(chosen);
        }
        SubscriptionHandler traced = telemetry == Telemetry.noop() ? evolving
                : new TracedHandler(evolving, telemetry, streamId, name);
        return subscriptions().subscribePersistent(streamId, name, traced, chosen);
    }

    @Override
    public void deleteSubscription(String streamId, String name) {
        checkStreamId(streamId);
        checkSubscriptionName(name);
        subscriptions().delete(streamId, name);
    }

    /** Registers each class with this store's serializer (see {@link EventSerializer#register}). */
    @Override
    public void registerEventTypes(Class<?>... types) {
        Objects.requireNonNull(types, "types");
        for (Class<?> type : types) {
            serializer.register(type); // refuses null, interfaces, abstract classes, arrays, primitives
        }
    }

    private Subscriptions subscriptions() {
        if (subscriptions == null) {
            throw new InvalidRequestException("this store was built without notifications: subscriptions need"
                    + " PostgresEventStore.builder(...).notifications(listenDataSource, executor)");
        }
        return subscriptions;
    }

    private static void checkSubscriptionName(String name) {
        if (name == null || name.isBlank()) {
            throw new InvalidRequestException("subscription name must not be null or blank");
        }
    }

    private int batchSize(int requested) {
        return requested > 0 ? requested : settings.readBatchSize();
    }

    static void checkStreamId(String streamId) {
        org.jeventstore.StreamIds.checkReadable(streamId);
    }

    private static void checkWritableStream(String streamId, ExpectedVersion expected) {
        org.jeventstore.StreamIds.checkWritable(streamId);
        if (expected == null) {
            throw new InvalidRequestException("expected version for stream '" + streamId + "' must not be null");
        }
    }

    private static void checkRead(String streamId, long start, int count, boolean forward) {
        checkStreamId(streamId);
        if (count < 0) {
            throw new InvalidRequestException("count for reading stream '" + streamId + "' must be >= 0, was " + count);
        }
        if (forward ? start < 0 : start < -1) {
            throw new InvalidRequestException("start for reading stream '" + streamId + "' must be "
                    + (forward ? ">= 0" : ">= -1 (-1 = end)") + ", was " + start);
        }
    }

    private static void checkSourceId(String sourceId) {
        if (sourceId == null || sourceId.isBlank()) {
            throw new InvalidRequestException("snapshot source id must not be null or blank");
        }
    }

    /** Builds a store; only the DataSource is required. */
    public static final class Builder {
        private final DataSource dataSource;
        private EventStoreSettings settings = EventStoreSettings.defaults();
        private EventSerializer serializer;
        private TransactionContext transactionContext = TransactionContext.NONE;
        private DataSource listenDataSource;
        private Executor executor;
        private Duration listenerPoll = Duration.ofMillis(500);
        private Duration linkerPoll = Duration.ofSeconds(1);
        private Duration networkTimeout = DEFAULT_NETWORK_TIMEOUT;
        private Executor linkerExecutor;
        private LinkSettings linking = LinkSettings.defaults();
        private final Set<Class<?>> eventTypes = new LinkedHashSet<>();
        private final List<Evolution.Registration> upcasters = new java.util.ArrayList<>();
        private final java.util.Map<String, String> aliases = new java.util.LinkedHashMap<>();
        private Telemetry telemetry = Telemetry.noop();

        private Builder(DataSource dataSource) {
            if (dataSource == null) {
                throw new ConfigurationException("a DataSource is required");
            }
            this.dataSource = dataSource;
        }

        public Builder settings(EventStoreSettings value) {
            this.settings = Objects.requireNonNull(value, "settings");
            return this;
        }

        public Builder schema(String schemaName) {
            this.settings = settings.withSchema(schemaName);
            return this;
        }

        /**
         * The type of the JSON columns of a schema this store creates: {@code JSONB} (the default) or {@code BYTEA}
         * (Elixir EventStore's default, UTF-8 JSON). A schema that exists keeps its own.
         */
        public Builder columnType(org.jeventstore.DataFormat type) {
            this.settings = settings.withColumnType(type);
            return this;
        }

        public Builder serializer(EventSerializer value) {
            this.serializer = value;
            return this;
        }

        /**
         * Event classes this store reads as instances of their class from the start, whoever wrote them: without
         * this a type named by {@code @EventType} is known only after this store has appended one, and until then
         * its events read as JSON values. Register every class a handler or projection of this server expects.
         * Registered with the serializer at {@link #build()} (see {@link EventSerializer#register}).
         */
        public Builder eventTypes(Class<?>... types) {
            return eventTypes(Arrays.asList(Objects.requireNonNull(types, "types")));
        }

        /** As {@link #eventTypes(Class[])}. */
        public Builder eventTypes(Collection<? extends Class<?>> types) {
            for (Class<?> type : Objects.requireNonNull(types, "types")) {
                if (type == null) {
                    throw new ConfigurationException("event types to register must not contain null");
                }
                eventTypes.add(type);
            }
            return this;
        }

        /**
         * Registers {@code upcaster} for the events of {@code type} at {@code revision} (README, "Evolving
         * events"): it brings their JSON to the next revision, lazily, when their data is first read. One upcaster
         * per type and revision; {@code type} is the name events are read as (a class's current name, not one of
         * its aliases).
         */
        public Builder upcaster(String type, int revision, EventUpcaster upcaster) {
            return upcaster(new Evolution.Registration(type, revision, Objects.requireNonNull(upcaster, "upcaster"),
                    upcaster.getClass().getName()));
        }

        /**
         * Registers {@code upcaster} for the events of {@code type} at {@code revision}: it turns each into events
         * of other types or revisions, several or none, when they are read.
         */
        public Builder upcaster(String type, int revision, MultiEventUpcaster upcaster) {
            return upcaster(new Evolution.Registration(type, revision, Objects.requireNonNull(upcaster, "upcaster"),
                    upcaster.getClass().getName()));
        }

        /** Registers each of {@code upcasters} for the type and revision its class's {@code @Upcaster} declares. */
        public Builder upcasters(Object... upcasters) {
            for (Object u : Objects.requireNonNull(upcasters, "upcasters")) {
                upcaster(Evolution.Registration.of(u));
            }
            return this;
        }

        /** Registers an upcaster as the container found it (a CDI bean, named by its bean class). */
        public Builder upcaster(Evolution.Registration registration) {
            upcasters.add(Objects.requireNonNull(registration, "registration"));
            return this;
        }

        /**
         * Reads events stored under {@code storedName} as {@code currentName}: a rename of a type no class of this
         * server reads (classes declare theirs with {@code @EventType(aliases = ...)}).
         */
        public Builder alias(String storedName, String currentName) {
            if (storedName == null || storedName.isBlank() || currentName == null || currentName.isBlank()
                    || storedName.equals(currentName)) {
                throw new ConfigurationException("an alias maps a stored type name to another, current one; was '"
                        + storedName + "' -> '" + currentName + "'");
            }
            String before = aliases.putIfAbsent(storedName, currentName);
            if (before != null && !before.equals(currentName)) {
                throw new ConfigurationException("type name '" + storedName + "' is an alias of '" + before
                        + "' already, not of '" + currentName + "' too");
            }
            return this;
        }

        /** How to tell whether a JTA transaction is active (the CDI layer supplies one). */
        public Builder transactionContext(TransactionContext value) {
            this.transactionContext = Objects.requireNonNull(value, "transactionContext");
            return this;
        }

        /**
         * Enables notifications and subscriptions: the listener and the subscription locks take long-lived
         * connections from {@code listenDataSource} (which must not enlist in transactions), and their loops run as
         * long-running tasks on {@code executor}, which the store never shuts down. It needs one thread for the
         * listener, one for the background linker and one per persistent subscription, plus short tasks.
         *
         * <p>With an executor, an append that could not take the {@code $all} row itself gets its positions from
         * the background linker after its commit (and, in the default {@link LinkSettings.Mode#LINKED} mode,
         * waits for them); without one, each such append links them itself right after its commit.
         */
        public Builder notifications(DataSource listenDataSource, Executor executor) {
            this.listenDataSource = Objects.requireNonNull(listenDataSource, "listenDataSource");
            this.executor = Objects.requireNonNull(executor, "executor");
            return linkInBackground(executor);
        }

        /**
         * Links appends into {@code $all} on a long-running task of {@code executor} (implied by
         * {@link #notifications}): concurrent appends no longer queue on the {@code $all} row but commit on their
         * own, and one linker pass gives all that wait their positions.
         */
        public Builder linkInBackground(Executor executor) {
            this.linkerExecutor = Objects.requireNonNull(executor, "executor");
            return this;
        }

        /**
         * Whether an append that could not take the {@code $all} row itself returns only once its events have
         * {@code $all} positions ({@link LinkSettings.Mode#LINKED}, the default) or right after its commit
         * ({@link LinkSettings.Mode#COMMITTED}, backlog bounded), and how long it waits at most.
         */
        public Builder linking(LinkSettings value) {
            this.linking = Objects.requireNonNull(value, "linking");
            return this;
        }

        /** How long one wait of the listener for notifications lasts (default 500 ms). */
        public Builder listenerPoll(Duration value) {
            this.listenerPoll = Objects.requireNonNull(value, "listenerPoll");
            return this;
        }

        /**
         * The bound on one network round trip on the long-lived connections (the listener's and the advisory-lock
         * one), set with {@link java.sql.Connection#setNetworkTimeout} (default 5 s, between 100 ms and 10 min).
         * It bounds how long a silent (half-open) connection can hold anything up: the listener notices one
         * within 10 s + this, the holder of a subscription's lock stops delivering within this + 0.8 s after its
         * session's last answer, and PostgreSQL (14 and later) ends that silent session, freeing its locks for
         * another server, after twice that. Connections of the transactional DataSource are bounded by its own
         * settings (pgjdbc {@code socketTimeout}).
         */
        public Builder networkTimeout(Duration value) {
            Objects.requireNonNull(value, "networkTimeout");
            if (value.compareTo(Duration.ofMillis(100)) < 0 || value.compareTo(Duration.ofMinutes(10)) > 0) {
                throw new ConfigurationException("network timeout must be between 100 ms and 10 minutes, was "
                        + value.toMillis() + " ms (setting eventstore.network-timeout-ms)");
            }
            this.networkTimeout = value;
            return this;
        }

        /**
         * How often the background linker looks for appends to link into {@code $all} without being woken by an
         * append of this store (default 1 s): what bounds the wait for appends a stopped server left unlinked.
         */
        public Builder linkerPoll(Duration value) {
            this.linkerPoll = Objects.requireNonNull(value, "linkerPoll");
            return this;
        }

        /**
         * Metrics and traces through {@code otel} (see {@link Telemetry}); {@code storeTraceContext} writes each
         * append's W3C trace context into its events' metadata ({@code traceparent}), so that deliveries on any
         * server join the appender's trace. Without this the store records nothing.
         */
        public Builder telemetry(io.opentelemetry.api.OpenTelemetry otel, boolean storeTraceContext) {
            this.telemetry = Telemetry.of(otel, storeTraceContext, null);
            return this;
        }

        /** Builds the store; creates or checks the schema first when auto-migrate is on. */
        public PostgresEventStore build() {
            if (serializer == null) {
                serializer = new JsonbEventSerializer();
            }
            for (Class<?> type : eventTypes) {
                serializer.register(type);
            }
            PostgresEventStore store = new PostgresEventStore(this);
            if (settings.autoMigrate()) {
                store.schema.migrate();
            }
            if (store.listener != null) {
                store.listener.start(executor);
            }
            if (store.loop != null) {
                store.loop.start(linkerExecutor);
            }
            return store;
        }
    }
}
