package org.jeventstore.cdi;

import jakarta.annotation.PreDestroy;
import jakarta.annotation.Resource;
import jakarta.enterprise.concurrent.ManagedExecutorService;
import jakarta.enterprise.concurrent.ManagedExecutors;
import jakarta.enterprise.concurrent.ManagedTask;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.context.Initialized;
import jakarta.enterprise.event.Event;
import jakarta.enterprise.event.NotificationOptions;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Produces;
import jakarta.enterprise.inject.spi.BeanManager;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;
import jakarta.transaction.TransactionSynchronizationRegistry;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Level;
import java.util.logging.Logger;
import javax.naming.InitialContext;
import javax.naming.NamingException;
import javax.sql.DataSource;
import org.eclipse.microprofile.config.Config;
import org.jeventstore.ConfigurationException;
import org.jeventstore.EventStore;
import org.jeventstore.EventsAppended;
import org.jeventstore.Subscription;
import org.jeventstore.notifications.NotificationListener;
import org.jeventstore.operations.EventStoreOperations;
import org.jeventstore.postgres.PostgresEventStore;
import org.jeventstore.serialization.JsonbEventSerializer;
import org.jeventstore.storage.SchemaManager;
import org.jeventstore.operations.SubscriptionAdmin;

/**
 * The store inside the container: built from MicroProfile Config and the container's DataSources at startup,
 * injected as {@code @Inject EventStore}, with one notification listener per server running as a long-running
 * ManagedExecutorService task. Every notification is relayed as a CDI {@link EventsAppended} event, to
 * {@code @Observes} and {@code @ObservesAsync} observers, never on the listener's own thread.
 *
 * <p>The server starts even when the database is down: the schema is created (when configured to) as soon as
 * the listener first connects, and readiness reports DOWN until then.
 */
@ApplicationScoped
public class EventStoreRuntime {

    private static final Logger LOG = Logger.getLogger(EventStoreRuntime.class.getName());

    @Inject
    Config config;

    @Inject
    Event<EventsAppended> appended;

    @Resource
    ManagedExecutorService executor;

    @Resource
    TransactionSynchronizationRegistry transactions;

    @Inject
    EventSubscriptionExtension subscriptionExtension;

    @Inject
    BeanManager beanManager;

    /** Liberty's mpTelemetry feature: a no-op until {@code otel.sdk.disabled=false} (see README, Telemetry). */
    @Inject
    Instance<io.opentelemetry.api.OpenTelemetry> openTelemetry;

    private volatile List<Subscription> annotated = List.of();

    private final AtomicBoolean started = new AtomicBoolean();
    private final java.util.concurrent.CountDownLatch stopping = new java.util.concurrent.CountDownLatch(1);
    private volatile boolean schemaReady;
    private EventStoreConfig settings;
    private DataSource dataSource;
    private DataSource listenDataSource;
    private PostgresEventStore store;

    void onStartup(@Observes @Initialized(ApplicationScoped.class) Object ignored) {
        start();
    }

    /** Builds the store and starts the listener, once. */
    public synchronized void start() {
        if (!started.compareAndSet(false, true)) {
            return;
        }
        settings = EventStoreConfig.from(config);
        dataSource = lookup(settings.dataSource(), "eventstore.datasource");
        listenDataSource = lookup(settings.listenDataSource(), "eventstore.listen-datasource");
        // Checked before anything uses the driver: without this a missing pgjdbc ended the listener unseen
        String driverProblem = SetupCheck.driverProblem(NotificationListener.class.getClassLoader());
        if (driverProblem != null) {
            LOG.severe("JES0010E the event store cannot work on this server: " + driverProblem);
        }
        // inside a JTA transaction every operation of the store uses one connection (see TransactionConnections)
        PostgresEventStore.Builder builder = PostgresEventStore.builder(new TransactionConnections(dataSource,
                transactions));
        aliases(config.getOptionalValue("eventstore.evolution.aliases", String.class).orElse(""), builder);
        for (EventSubscriptionExtension.UpcasterBean u : subscriptionExtension.upcasters()) {
            // the bean's contextual reference (a client proxy for a normal scope), named by its class in errors
            Object upcaster = beanManager.getReference(u.bean(), u.api(), beanManager.createCreationalContext(u.bean()));
            builder.upcaster(new org.jeventstore.evolution.Evolution.Registration(u.type(), u.revision(), upcaster,
                    u.beanClass().getName()));
        }
        store = builder
                .settings(settings.settings().withAutoMigrate(false))
                .serializer(serializer())
                .transactionContext(new JtaTransactionContext(transactions))
                // before any subscription starts: a server that never appends must still read them as classes
                .eventTypes(subscriptionExtension.payloadTypes())
                .eventTypes(subscriptionExtension.annotatedEventTypes())
                .eventTypes(configuredEventTypes())
                .notifications(listenDataSource, this::runLongRunning)
                .listenerPoll(settings.listenerPoll())
                .linking(settings.linking())
                .networkTimeout(settings.networkTimeout())
                .telemetry(openTelemetry.isResolvable() ? openTelemetry.get()
                        : io.opentelemetry.api.OpenTelemetry.noop(),
                        EventStoreConfig.bool(config, "eventstore.telemetry.trace-context", true))
                .build();
        if (driverProblem != null) {
            store.operations().reportSetupProblem("the PostgreSQL driver is not visible to the application (see"
                    + " the log, JES0010E)", driverProblem);
        }
        LOG.info(store.telemetry() == org.jeventstore.telemetry.Telemetry.noop()
                ? "JES0502I telemetry off: no OpenTelemetry SDK is enabled for this application"
                : "JES0502I telemetry on: metrics and traces go to this application's OpenTelemetry SDK");
        NotificationListener listener = store.listener();
        EventsAppendedRelay relay = new EventsAppendedRelay("EventsAppended relay", executor, e -> {
            appended.fire(e);
            return appended.fireAsync(e, NotificationOptions.ofExecutor(executor));
        }, EventsAppendedRelay.MAX_STREAMS);
        listener.addConsumer(relay::submit);
        listener.addConnectListener(this::ensureSchema);
        ensureSchema();
        runLongRunning(this::checkSetup);
        annotated = AnnotatedSubscriptions.start(subscriptionExtension, config, beanManager, store);
        LOG.info(() -> "JES0002I event store started: schema " + settings.settings().schema() + ", datasource "
                + settings.dataSource() + ", listener datasource " + settings.listenDataSource());
    }

    /**
     * Stored type names bind only to the payload classes of {@code @EventSubscription} observers, the classes this
     * server writes, and classes in the packages of {@code eventstore.serialization.allowed-packages}
     * (comma-separated; none by default).
     */
    private JsonbEventSerializer serializer() {
        JsonbEventSerializer serializer = new JsonbEventSerializer();
        String packages = config.getOptionalValue("eventstore.serialization.allowed-packages", String.class)
                .orElse("");
        try {
            serializer.allowPackages(List.of(packages.split(",")));
        } catch (IllegalArgumentException e) {
            throw new ConfigurationException("eventstore.serialization.allowed-packages: " + e.getMessage());
        }
        return serializer; // the observed payload classes are registered by the builder (eventTypes)
    }

    /**
     * The classes named in {@code eventstore.serialization.event-types} (comma-separated), looked up in the
     * application's class loaders: its bean archives' (a WAR's, an EJB jar's), the thread's, the EAR lib's.
     */
    private java.util.List<Class<?>> configuredEventTypes() {
        String key = "eventstore.serialization.event-types";
        java.util.List<Class<?>> types = new java.util.ArrayList<>();
        for (String raw : config.getOptionalValue(key, String.class).orElse("").split(",")) {
            String name = raw.trim();
            if (!name.isEmpty()) {
                types.add(load(key, name));
            }
        }
        return types;
    }

    private Class<?> load(String key, String name) {
        java.util.Set<ClassLoader> loaders = new java.util.LinkedHashSet<>(subscriptionExtension.classLoaders());
        loaders.add(Thread.currentThread().getContextClassLoader());
        loaders.add(EventStoreRuntime.class.getClassLoader());
        for (ClassLoader loader : loaders) {
            if (loader == null) {
                continue;
            }
            try {
                return Class.forName(name, false, loader);
            } catch (ClassNotFoundException | LinkageError e) {
                // the next loader may see it
            }
        }
        throw new ConfigurationException(key + ": no class " + name + " in the application (looked up in "
                + loaders.size() + " class loaders): give fully qualified class names, comma-separated, of classes"
                + " in the EAR's lib/ or one of its modules");
    }

    /**
     * {@code eventstore.evolution.aliases}: comma-separated {@code stored=current} pairs, renames of types no class
     * of the application reads (classes declare theirs with {@code @EventType(aliases)}), e.g. for the HTTP API's
     * JSON events. A malformed entry fails the start naming it.
     */
    static void aliases(String setting, PostgresEventStore.Builder builder) {
        for (String entry : setting.split(",")) {
            if (entry.isBlank()) {
                continue;
            }
            int eq = entry.indexOf('=');
            if (eq < 0) {
                throw new ConfigurationException("eventstore.evolution.aliases: '" + entry.trim() + "' is not a"
                        + " stored=current pair");
            }
            try {
                builder.alias(entry.substring(0, eq).trim(), entry.substring(eq + 1).trim());
            } catch (ConfigurationException e) {
                throw new ConfigurationException("eventstore.evolution.aliases: " + e.getMessage());
            }
        }
    }

    /**
     * Background loops (listener, linker, subscription workers) as long-running managed tasks. Each loop logs and
     * survives its own failures; whatever escapes one all the same is logged here (JES0012E), never lost in the
     * executor's future.
     */
    private void runLongRunning(Runnable task) {
        Runnable guarded = () -> {
            try {
                task.run();
            } catch (Throwable t) {
                LOG.log(Level.SEVERE, "JES0012E a background task of the event store ended with an unexpected "
                        + t.getClass().getName() + ": " + t.getMessage(), t);
                throw t;
            }
        };
        executor.execute(ManagedExecutors.managedTask(guarded,
                Map.of(ManagedTask.LONGRUNNING_HINT, "true", ManagedTask.IDENTITY_NAME, "jeventstore"), null));
    }

    /** The store as built (for the subscription layer). */
    public PostgresEventStore store() {
        start();
        return store;
    }

    @Produces
    @ApplicationScoped
    EventStore eventStore() {
        start();
        return store;
    }

    /** The store's operations view (readiness, backlog, servers, subscriptions) for consoles and checks. */
    @Produces
    EventStoreOperations operations() {
        start();
        return store.operations();
    }

    @Produces
    org.jeventstore.operations.SubscriptionAdmin admin() {
        start();
        return store.admin();
    }

    /** Creates the schema when missing and configured to; logs and retries at the next reconnect otherwise. */
    public void ensureSchema() {
        if (schemaReady) {
            return;
        }
        try {
            if (settings.settings().autoMigrate()) {
                store.schema().migrate();
            }
            schemaReady = store.schema().status() == SchemaManager.Status.CURRENT;
        } catch (ConfigurationException e) {
            LOG.log(Level.SEVERE, "JES0007E event store schema " + settings.settings().schema()
                    + " cannot be served (nothing was changed in it): " + e.getMessage());
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "JES0003W event store schema " + settings.settings().schema()
                    + " not ready yet (will retry when the database answers): " + e.getMessage());
        }
    }

    /**
     * Checks the DataSources once the database answers (see {@link SetupCheck}): what the store cannot work with
     * makes readiness DOWN (JES0010E), the rest is logged (JES0011W), each saying what to change. A task of its
     * own: the application starts without waiting for it, also while the database does not answer.
     */
    private void checkSetup() {
        long pause = 1_000;
        try {
            while (!checkSetupOnce()) {
                if (stopping.await(pause, java.util.concurrent.TimeUnit.MILLISECONDS)) {
                    return;
                }
                pause = Math.min(pause * 2, 30_000);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** One attempt; false when the database did not answer. */
    private boolean checkSetupOnce() {
        java.util.List<SetupCheck.Finding> findings;
        try {
            findings = SetupCheck.dataSources(dataSource, settings.dataSource(), listenDataSource,
                    settings.listenDataSource(), userTransaction());
        } catch (java.sql.SQLException | RuntimeException e) {
            LOG.log(Level.FINE, "the DataSources are checked once the database answers", e);
            return false;
        }
        for (SetupCheck.Finding f : findings) {
            if (f.fatal()) {
                LOG.severe("JES0010E the event store cannot work on this server: " + f.message());
                store.operations().reportSetupProblem("a DataSource is misconfigured (see the log, JES0010E)",
                        f.message());
            } else {
                LOG.warning("JES0011W " + f.message());
            }
        }
        return true;
    }

    private static jakarta.transaction.UserTransaction userTransaction() {
        try {
            return InitialContext.doLookup("java:comp/UserTransaction");
        } catch (NamingException e) {
            LOG.log(Level.FINE, "no UserTransaction here: the DataSources' enlistment is not checked", e);
            return null;
        }
    }

    public NotificationListener listener() {
        start();
        return store.listener();
    }

    /** Since when the subscriptions' advisory-lock connection has been down; {@code null} while it works. */
    public Instant lockConnectionDownSince() {
        start();
        return store.lockConnectionDownSince();
    }

    /** The {@code @EventSubscription} subscriptions running on this server. */
    public List<Subscription> annotatedSubscriptions() {
        start();
        return annotated;
    }

    public EventStoreConfig config() {
        start();
        return settings;
    }

    @PreDestroy
    void stop() {
        stopping.countDown();
        if (store != null) {
            store.close();
            LOG.info("JES0004I event store stopped: notification listener released its connection");
        }
    }

    private static DataSource lookup(String jndiName, String key) {
        try {
            return InitialContext.doLookup(jndiName);
        } catch (NamingException e) {
            throw new ConfigurationException("no DataSource at JNDI name '" + jndiName + "' (setting " + key + "): "
                    + e.getMessage());
        }
    }
}
