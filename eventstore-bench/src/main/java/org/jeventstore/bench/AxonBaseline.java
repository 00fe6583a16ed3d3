package org.jeventstore.bench;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import javax.sql.DataSource;
import org.axonframework.common.jdbc.ConnectionProvider;
import org.axonframework.common.jdbc.ConnectionWrapperFactory;
import org.axonframework.common.transaction.Transaction;
import org.axonframework.common.transaction.TransactionManager;
import org.axonframework.eventhandling.DomainEventMessage;
import org.axonframework.eventhandling.GenericDomainEventMessage;
import org.axonframework.eventhandling.TrackedEventMessage;
import org.axonframework.eventsourcing.eventstore.DomainEventStream;
import org.axonframework.eventsourcing.eventstore.jdbc.EventSchema;
import org.axonframework.eventsourcing.eventstore.jdbc.JdbcEventStorageEngine;
import org.axonframework.eventsourcing.eventstore.jdbc.PostgresEventTableFactory;
import org.axonframework.serialization.json.JacksonSerializer;

/**
 * Axon Framework 4's JDBC event storage engine on the same PostgreSQL and the same pool, set up as a Java team
 * without Spring would: {@link JdbcEventStorageEngine#builder()}, its PostgreSQL tables ({@code bytea} payloads,
 * {@code BIGSERIAL} global index) created by {@link PostgresEventTableFactory} in a schema of its own, Jackson for
 * events and snapshots, and a {@link TransactionManager} that runs each unit of the engine's work (an append, a
 * page of a read) in one JDBC transaction on one pooled connection, committed once: an append has returned when
 * its events are committed, as the store's have.
 *
 * <p>Events are {@link GenericDomainEventMessage}s of an aggregate ({@code type} "Order", aggregate id = the
 * stream, sequence numbers 0, 1, 2, ... as an aggregate numbers its events), with the payload and metadata of
 * {@link Payload}. The engine's unique (aggregate id, sequence number) key is its optimistic concurrency check.
 */
final class AxonBaseline implements AutoCloseable {

    static final String AGGREGATE_TYPE = "Order";
    /**
     * Rows per query when reading, the same page as the store's and the JDBC baseline's reads (Axon's default
     * is 100, which would cost it ten times the round trips).
     */
    static final int BATCH = 1_000;

    private final DataSource pool;
    private final String schema;
    private final EventSchema tables;
    private final JdbcTransactions transactions;
    private final JdbcEventStorageEngine engine;
    /** Whether this instance created the schema (and so drops it on close). */
    private final boolean owner;

    /** Creates (after dropping any leftover) schema {@code schema} with Axon's event and snapshot tables. */
    AxonBaseline(DataSource pool, String schema) throws SQLException {
        this(pool, schema, true);
    }

    private AxonBaseline(DataSource pool, String schema, boolean owner) throws SQLException {
        this.pool = pool;
        this.schema = schema;
        this.owner = owner;
        if (owner) {
            try (Connection c = pool.getConnection(); Statement st = c.createStatement()) {
                st.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
                st.execute("CREATE SCHEMA " + schema);
            }
        }
        this.transactions = new JdbcTransactions(pool);
        JacksonSerializer serializer = JacksonSerializer.defaultSerializer();
        this.tables = EventSchema.builder()
                .eventTable(schema + ".domain_event_entry")
                .snapshotTable(schema + ".snapshot_event_entry")
                .build();
        JdbcEventStorageEngine.Builder builder = JdbcEventStorageEngine.builder()
                .connectionProvider(transactions)
                .transactionManager(transactions)
                .eventSerializer(serializer)
                .snapshotSerializer(serializer)
                .schema(tables);
        // the owner reads in pages of 1,000 (W4-W6); a second instance keeps every default (W10's consumer)
        this.engine = (owner ? builder.batchSize(BATCH) : builder).build();
        if (owner) {
            engine.createSchema(PostgresEventTableFactory.INSTANCE);
        }
    }

    /**
     * A second Axon instance ("another server", W10) on the tables that {@code owner} created, on its own
     * {@code pool}: its own transaction manager and an engine with every default of
     * {@link JdbcEventStorageEngine#builder()} (batch size 100, maxGapOffset 10,000, gapTimeout 60 s,
     * gapCleaningThreshold 250, extended gap check on). Closing it drops nothing.
     */
    static AxonBaseline attach(DataSource pool, AxonBaseline owner) throws SQLException {
        return new AxonBaseline(pool, owner.schema, false);
    }

    /** The transaction manager of this instance: a transaction begun on a thread is joined by its appends. */
    JdbcTransactions transactions() {
        return transactions;
    }

    String schema() {
        return schema;
    }

    /** The payloads and metadata of an append of {@code size} events, built once per workload as the store's are. */
    static List<Map.Entry<Payload, Map<String, Object>>> contents(int size) {
        List<Map.Entry<Payload, Map<String, Object>>> contents = new ArrayList<>(size);
        for (int i = 0; i < size; i++) {
            contents.add(Map.entry(Payload.of(i), Payload.metadata(i)));
        }
        return List.copyOf(contents);
    }

    /**
     * Appends {@code contents} to aggregate {@code aggregateId} as sequence numbers {@code firstSequence, ...};
     * returns once they are committed. Returns the number of events appended.
     */
    int append(String aggregateId, long firstSequence, List<Map.Entry<Payload, Map<String, Object>>> contents) {
        List<DomainEventMessage<Payload>> events = new ArrayList<>(contents.size());
        long sequence = firstSequence;
        for (Map.Entry<Payload, Map<String, Object>> c : contents) {
            events.add(new GenericDomainEventMessage<>(AGGREGATE_TYPE, aggregateId, sequence++, c.getKey(),
                    c.getValue()));
        }
        engine.appendEvents(events);
        return events.size();
    }

    /**
     * Checks what a write trial counted against what is in the table: {@code events} rows under aggregates whose
     * id starts with {@code prefix}, written by {@code appends} transactions (each append's rows share their
     * {@code xmin}): so every counted event was committed, and each append in exactly one transaction.
     */
    void verifyCommitted(String prefix, long appends, long events) throws SQLException {
        try (Connection c = pool.getConnection(); PreparedStatement ps = c.prepareStatement(
                "SELECT count(*), count(DISTINCT xmin::text) FROM " + tables.domainEventTable()
                        + " WHERE starts_with(" + tables.aggregateIdentifierColumn() + ", ?)")) {
            ps.setString(1, prefix);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                if (rs.getLong(1) != events || rs.getLong(2) != appends) {
                    throw new IllegalStateException("Axon's table holds " + rs.getLong(1) + " events from "
                            + rs.getLong(2) + " transactions under " + prefix + " where " + events
                            + " events in " + appends + " appends were counted");
                }
            }
        }
    }

    /**
     * Reads every event of one aggregate; {@code touch}: deserializing each payload and its metadata (otherwise
     * Axon leaves them serialized); returns how many.
     */
    int readAggregate(String aggregateId, boolean touch) {
        DomainEventStream stream = engine.readEvents(aggregateId);
        List<Object> last = new ArrayList<>(1);
        int n = 0;
        while (stream.hasNext()) {
            DomainEventMessage<?> e = stream.next();
            if (touch) {
                touch(e.getPayload(), e.getMetaData(), last);
            } else {
                last.clear();
                last.add(e);
            }
            n++;
        }
        Workload.consume(last);
        return n;
    }

    /**
     * Reads the whole log from its start with a tracking token, as an event processor does (without waiting for
     * more at the end); {@code touch}: deserializing each payload and its metadata; returns how many.
     */
    int readAll(boolean touch) {
        List<Object> last = new ArrayList<>(1);
        int n = 0;
        try (Stream<? extends TrackedEventMessage<?>> all = engine.readEvents(null, false)) {
            Iterator<? extends TrackedEventMessage<?>> it = all.iterator();
            while (it.hasNext()) {
                TrackedEventMessage<?> e = it.next();
                if (touch) {
                    touch(e.getPayload(), e.getMetaData(), last);
                } else {
                    last.clear();
                    last.add(e);
                }
                n++;
            }
        }
        Workload.consume(last);
        return n;
    }

    /**
     * W6's counterpart: a {@code TrackingEventProcessor} (one thread, one segment) over an
     * {@code EmbeddedEventStore} on the engine, catching up from the start of the log over {@code events} events;
     * its token is kept by a {@code JdbcTokenStore} in this schema and saved once per batch of
     * {@code tokenBatch} events, in the transaction that handled the batch (the store's default is a checkpoint
     * every 100 events). The handler checks it gets the events in order; {@code touch}: it also deserializes each
     * payload and its metadata. Returns events/s from the handler's first call to its last.
     */
    double catchUp(String name, int events, int tokenBatch, boolean touch) throws Exception {
        createTokenTable();
        org.axonframework.eventhandling.tokenstore.jdbc.JdbcTokenStore tokens = tokenStore();
        org.axonframework.eventsourcing.eventstore.EmbeddedEventStore store =
                org.axonframework.eventsourcing.eventstore.EmbeddedEventStore.builder().storageEngine(engine).build();
        java.util.concurrent.CountDownLatch done = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.atomic.AtomicReference<String> error = new java.util.concurrent.atomic.AtomicReference<>();
        long[] times = new long[2];
        long[] handled = new long[1];
        List<Object> last = new ArrayList<>(1);
        org.axonframework.eventhandling.EventMessageHandler handler =
                new org.axonframework.eventhandling.EventMessageHandler() {
                    private long previous = -1;

                    @Override
                    public Object handle(org.axonframework.eventhandling.EventMessage<?> event) {
                        long n = ++handled[0];
                        if (n == 1) {
                            times[0] = System.nanoTime();
                        }
                        long index = ((TrackedEventMessage<?>) event).trackingToken().position().orElse(-1);
                        if (index <= previous && error.compareAndSet(null, "index " + index + " after " + previous)) {
                            done.countDown();
                        }
                        previous = index;
                        if (touch) {
                            touch(event.getPayload(), event.getMetaData(), last);
                        }
                        if (n == events) {
                            times[1] = System.nanoTime();
                            done.countDown();
                        }
                        return null;
                    }
                };
        org.axonframework.eventhandling.TrackingEventProcessor processor =
                org.axonframework.eventhandling.TrackingEventProcessor.builder()
                        .name(name)
                        .eventHandlerInvoker(org.axonframework.eventhandling.SimpleEventHandlerInvoker.builder()
                                .eventHandlers(handler).build())
                        .messageSource(store)
                        .tokenStore(tokens)
                        .transactionManager(transactions)
                        .trackingEventProcessorConfiguration(org.axonframework.eventhandling
                                .TrackingEventProcessorConfiguration.forSingleThreadedProcessing()
                                .andBatchSize(tokenBatch))
                        .build();
        processor.start();
        try {
            if (!done.await(300, java.util.concurrent.TimeUnit.SECONDS)) {
                throw new IllegalStateException("Axon's catch-up not done in 300 s: " + handled[0] + " handled");
            }
        } finally {
            processor.shutDown();
            store.shutDown();
        }
        if (error.get() != null) {
            throw new IllegalStateException("Axon delivered out of order: " + error.get());
        }
        Workload.consume(last);
        return (events - 1) / ((times[1] - times[0]) / 1e9);
    }

    private boolean tokenTable;

    /** Keeps the deserialized payload reachable; a payload of the wrong class would be a broken comparison. */
    private static void touch(Object payload, Map<String, ?> metadata, List<Object> last) {
        if (!(payload instanceof Payload) || metadata.isEmpty()) {
            throw new IllegalStateException("Axon read back " + payload + " with metadata " + metadata
                    + " where a " + Payload.class.getSimpleName() + " with metadata was appended");
        }
        last.clear();
        last.add(payload);
    }

    /** A new EmbeddedEventStore (defaults) over this instance's engine; the caller shuts it down. */
    org.axonframework.eventsourcing.eventstore.EmbeddedEventStore newEmbedded() {
        return org.axonframework.eventsourcing.eventstore.EmbeddedEventStore.builder().storageEngine(engine).build();
    }

    /**
     * As {@link #append}, published through {@code store} (an EmbeddedEventStore of this instance, see
     * {@link #newEmbedded()}) outside a unit of work: appended and committed at once, after which the store wakes
     * its own event producer at once instead of at its next poll: the in-JVM shortcut a tracking processor on the
     * same EmbeddedEventStore gets.
     */
    static int publish(org.axonframework.eventsourcing.eventstore.EmbeddedEventStore store, String aggregateId,
                       long firstSequence, List<Map.Entry<Payload, Map<String, Object>>> contents) {
        List<DomainEventMessage<Payload>> events = new ArrayList<>(contents.size());
        long sequence = firstSequence;
        for (Map.Entry<Payload, Map<String, Object>> c : contents) {
            events.add(new GenericDomainEventMessage<>(AGGREGATE_TYPE, aggregateId, sequence++, c.getKey(),
                    c.getValue()));
        }
        store.publish(events);
        return events.size();
    }

    /** Creates the {@code JdbcTokenStore}'s table in this schema, once. */
    synchronized void createTokenTable() {
        if (!tokenTable) {
            Transaction t = transactions.startTransaction();
            tokenStore().createSchema(org.axonframework.eventhandling.tokenstore.jdbc.PostgresTokenTableFactory.INSTANCE);
            t.commit();
            tokenTable = true;
        }
    }

    private org.axonframework.eventhandling.tokenstore.jdbc.JdbcTokenStore tokenStore() {
        return org.axonframework.eventhandling.tokenstore.jdbc.JdbcTokenStore.builder()
                .connectionProvider(transactions)
                .serializer(JacksonSerializer.defaultSerializer())
                .schema(org.axonframework.eventhandling.tokenstore.jdbc.TokenSchema.builder()
                        .setTokenTable(schema + ".token_entry").build())
                .build();
    }

    /** A running tracking event processor and, when it has one of its own, its EmbeddedEventStore. */
    static final class Tracker implements AutoCloseable {
        private final org.axonframework.eventhandling.TrackingEventProcessor processor;
        private final org.axonframework.eventsourcing.eventstore.EmbeddedEventStore ownStore;

        private Tracker(org.axonframework.eventhandling.TrackingEventProcessor processor,
                        org.axonframework.eventsourcing.eventstore.EmbeddedEventStore ownStore) {
            this.processor = processor;
            this.ownStore = ownStore;
        }

        @Override
        public void close() {
            processor.shutDown();
            if (ownStore != null) {
                ownStore.shutDown();
            }
        }
    }

    /**
     * W10: a {@code TrackingEventProcessor} named {@code name} with Axon's defaults
     * ({@code TrackingEventProcessorConfiguration.forSingleThreadedProcessing()}: one thread, one segment, batch
     * size 1, event availability timeout 1 s, token claim interval 5 s) and a {@code SimpleEventHandlerInvoker} of
     * {@code handler}, its token in a {@code JdbcTokenStore} in this schema; started at the head of the log (the
     * only setting changed: the default starts at the tail), and returned once it has claimed its segment and
     * found itself caught up. Its message source is {@code shared} (an EmbeddedEventStore events are published
     * through, left running) or, when that is null, a new {@code EmbeddedEventStore} of its own with the defaults
     * (fetch delay 1 s, 10,000 cached events, cleanup delay 10 s) over this instance's engine, shut down with it.
     */
    Tracker track(String name, org.axonframework.eventsourcing.eventstore.EmbeddedEventStore shared,
                  org.axonframework.eventhandling.EventMessageHandler handler) throws InterruptedException {
        createTokenTable();
        org.axonframework.eventsourcing.eventstore.EmbeddedEventStore source = shared != null ? shared
                : newEmbedded();
        org.axonframework.eventhandling.TrackingEventProcessor processor =
                org.axonframework.eventhandling.TrackingEventProcessor.builder()
                        .name(name)
                        .eventHandlerInvoker(org.axonframework.eventhandling.SimpleEventHandlerInvoker.builder()
                                .eventHandlers(handler).build())
                        .messageSource(source)
                        .tokenStore(tokenStore())
                        .transactionManager(transactions)
                        .trackingEventProcessorConfiguration(org.axonframework.eventhandling
                                .TrackingEventProcessorConfiguration.forSingleThreadedProcessing()
                                .andInitialTrackingToken(
                                        org.axonframework.messaging.StreamableMessageSource::createHeadToken))
                        .build();
        Tracker tracker = new Tracker(processor, shared != null ? null : source);
        processor.start();
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(30);
        while (processor.processingStatus().values().stream()
                .noneMatch(org.axonframework.eventhandling.EventTrackerStatus::isCaughtUp)) {
            if (System.nanoTime() > deadline) {
                tracker.close();
                throw new IllegalStateException("Axon's processor " + name + " not caught up 30 s after its start");
            }
            Thread.sleep(10);
        }
        return tracker;
    }

    @Override
    public void close() throws SQLException {
        if (!owner) {
            return;
        }
        try (Connection c = pool.getConnection(); Statement st = c.createStatement()) {
            st.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
        }
    }

    /**
     * What Spring's {@code DataSourceTransactionManager} with Axon's {@code SpringDataSourceConnectionProvider}
     * does, without Spring: a transaction takes a pooled connection, turns autocommit off and binds it to the
     * thread; every {@code getConnection()} of the engine inside it gets that connection (the engine's
     * {@code close()} of it is a no-op), and commit or rollback ends it and returns the connection to the pool.
     * A transaction started inside another joins it (the outer one commits). Outside a transaction the engine
     * gets a plain pooled connection in autocommit.
     */
    static final class JdbcTransactions implements TransactionManager, ConnectionProvider {
        private static final Transaction JOINED = new Transaction() {
            @Override
            public void commit() {
            }

            @Override
            public void rollback() {
            }
        };

        private final DataSource pool;
        private final ThreadLocal<Connection> current = new ThreadLocal<>();

        JdbcTransactions(DataSource pool) {
            this.pool = pool;
        }

        @Override
        public Transaction startTransaction() {
            if (current.get() != null) {
                return JOINED;
            }
            Connection connection;
            try {
                connection = pool.getConnection();
            } catch (SQLException e) {
                throw new IllegalStateException("no connection for an Axon transaction", e);
            }
            try {
                connection.setAutoCommit(false);
            } catch (SQLException e) {
                close(connection);
                throw new IllegalStateException("could not begin an Axon transaction", e);
            }
            current.set(connection);
            return new Transaction() {
                @Override
                public void commit() {
                    try {
                        connection.commit();
                    } catch (SQLException e) {
                        rollbackQuietly(connection, e);
                        throw new IllegalStateException("the Axon transaction did not commit", e);
                    } finally {
                        end(connection);
                    }
                }

                @Override
                public void rollback() {
                    try {
                        connection.rollback();
                    } catch (SQLException e) {
                        throw new IllegalStateException("the Axon transaction did not roll back", e);
                    } finally {
                        end(connection);
                    }
                }
            };
        }

        @Override
        public Connection getConnection() throws SQLException {
            Connection bound = current.get();
            if (bound == null) {
                return pool.getConnection();
            }
            return ConnectionWrapperFactory.wrap(bound, new ConnectionWrapperFactory.NoOpCloseHandler());
        }

        /**
         * Unbinds and returns the connection to the pool; HikariCP restores autocommit and rolls back what a
         * failed commit left open, and evicts a connection whose failure says it is broken.
         */
        private void end(Connection connection) {
            current.remove();
            close(connection);
        }

        private static void rollbackQuietly(Connection connection, SQLException cause) {
            try {
                connection.rollback();
            } catch (SQLException e) {
                cause.addSuppressed(e);
            }
        }

        private static void close(Connection connection) {
            try {
                connection.close();
            } catch (SQLException e) {
                // the pool has already dropped it; nothing of this transaction is left to undo
            }
        }
    }
}
