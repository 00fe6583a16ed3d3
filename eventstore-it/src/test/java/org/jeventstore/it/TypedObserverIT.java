package org.jeventstore.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jakarta.inject.Inject;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import javax.naming.InitialContext;
import javax.sql.DataSource;
import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.jboss.shrinkwrap.api.asset.StringAsset;
import org.jboss.shrinkwrap.api.spec.EnterpriseArchive;
import org.jboss.shrinkwrap.api.spec.JavaArchive;
import org.jeventstore.EventData;
import org.jeventstore.EventStore;
import org.jeventstore.ExpectedVersion;
import org.jeventstore.RecordedEvent;
import org.jeventstore.SerializationException;
import org.jeventstore.cdi.EventStoreRuntime;
import org.jeventstore.postgres.PostgresEventStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A typed {@code @EventSubscription} observer on a server that never wrote its event type: the events come from a
 * second store built here over its own DataSource, with a serializer of its own, as another server's would.
 */
@ExtendWith(ArquillianExtension.class)
class TypedObserverIT {

    @Deployment
    static EnterpriseArchive deployment() {
        return Deployments.earWith(new StringAsset("eventstore.serialization.event-types="
                        + RegisteredTypes.Configured.class.getName() + "\n"),
                new JavaArchive[] {Deployments.beanArchiveOfAll("scanned-events.jar", ScannedEvent.class)},
                TypedObserverIT.class, AccountProjector.class, AccountProjector.AccountOpened.class,
                RegisteredTypes.class, RegisteredTypes.Configured.class, RegisteredTypes.Late.class,
                RegisteredTypes.Unregistered.class, RegisteredTypes.Misfit.class);
    }

    @Inject
    AccountProjector projector;

    @Inject
    EventStore store;

    @Inject
    EventStoreRuntime runtime;

    @Test
    @Timeout(90)
    void events_of_a_type_only_another_server_wrote_reach_the_typed_observer_as_instances_of_its_class()
            throws Exception {
        DataSource own = InitialContext.doLookup("jdbc/eventstore-listen"); // not the runtime store's DataSource
        PostgresEventStore otherServer = PostgresEventStore.builder(own)
                .settings(runtime.config().settings().withAutoMigrate(false)).build();
        try {
            otherServer.appendToStream("it-accounts", ExpectedVersion.noStream(), List.of(
                    EventData.of(new AccountProjector.AccountOpened("ada", 500)),
                    EventData.of("it-not-for-the-projector", Map.of("n", 1)),
                    EventData.of(new AccountProjector.AccountOpened("bo", 700))));
        } finally {
            otherServer.close();
        }

        await("the projector received both accounts").atMost(Duration.ofSeconds(60))
                .until(() -> projector.opened().size() >= 2);

        assertEquals(List.of(new AccountProjector.AccountOpened("ada", 500),
                new AccountProjector.AccountOpened("bo", 700)), projector.opened());
        for (Object event : projector.opened()) {
            assertEquals(AccountProjector.AccountOpened.class, event.getClass());
        }
        // the event of another type was acknowledged, not left in the way
        await("checkpoint past every event").atMost(Duration.ofSeconds(30)).until(() -> runtime
                .annotatedSubscriptions().stream().filter(s -> s.name().equals("it-accounts")).findFirst()
                .orElseThrow().checkpoint() == 3);
    }

    @Test
    @Timeout(60)
    void event_classes_are_known_by_configuration_by_the_bean_archive_scan_and_through_the_injected_store()
            throws Exception {
        String stream = "it-types-" + UUID.randomUUID();
        DataSource own = InitialContext.doLookup("jdbc/eventstore-listen");
        PostgresEventStore otherServer = PostgresEventStore.builder(own)
                .settings(runtime.config().settings().withAutoMigrate(false)).build();
        try {
            otherServer.appendToStream(stream, ExpectedVersion.noStream(), List.of(
                    EventData.of(new RegisteredTypes.Configured("c")), EventData.of(new ScannedEvent("s")),
                    EventData.of(new RegisteredTypes.Late("l")), EventData.of(new RegisteredTypes.Unregistered("u", 3))));
        } finally {
            otherServer.close();
        }

        List<RecordedEvent> read = store.readStreamForward(stream, 1, 10);
        // eventstore.serialization.event-types, and @EventType in a bean archive that discovers all its classes
        assertEquals(new RegisteredTypes.Configured("c"), read.get(0).data());
        assertEquals(new ScannedEvent("s"), read.get(1).data());
        // not registered yet: a JSON value; registered through the injected store, the next read gives the class
        assertInstanceOf(Map.class, read.get(2).data());
        store.registerEventTypes(RegisteredTypes.Late.class);
        assertEquals(new RegisteredTypes.Late("l"), store.readStreamForward(stream, 3, 1).get(0).data());
        // never registered: data(Class) reads it into the class asked for, not a ClassCastException
        RecordedEvent unregistered = read.get(3);
        assertInstanceOf(Map.class, unregistered.data());
        assertEquals(new RegisteredTypes.Unregistered("u", 3), unregistered.data(RegisteredTypes.Unregistered.class));
        SerializationException misfit = assertThrows(SerializationException.class,
                () -> unregistered.data(RegisteredTypes.Misfit.class));
        assertTrue(misfit.getMessage().contains(unregistered.eventId().toString()), misfit.getMessage());
        assertTrue(misfit.getMessage().contains(RegisteredTypes.Misfit.class.getName()), misfit.getMessage());
    }
}
