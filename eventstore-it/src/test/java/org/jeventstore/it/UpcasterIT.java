package org.jeventstore.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jakarta.inject.Inject;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import javax.naming.InitialContext;
import javax.sql.DataSource;
import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.jboss.shrinkwrap.api.spec.EnterpriseArchive;
import org.jeventstore.EventData;
import org.jeventstore.ExpectedVersion;
import org.jeventstore.RecordedEvent;
import org.jeventstore.cdi.EventStoreRuntime;
import org.jeventstore.operations.EventStoreOperations;
import org.jeventstore.postgres.PostgresEventStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Upcasters discovered as CDI beans ({@code @Upcaster}) on the real server: events another server wrote years
 * ago (under an Elixir module name, at older revisions, as a retired batch event) reach a typed
 * {@code @EventSubscription} observer as today's class, and reads return them that way (issue 25).
 */
@ExtendWith(ArquillianExtension.class)
class UpcasterIT {

    @Deployment
    static EnterpriseArchive deployment() {
        return Deployments.earWith(UpcasterIT.class, EvolutionBeans.class, EvolutionBeans.OrderPlaced.class,
                EvolutionBeans.RenameOrderId.class, EvolutionBeans.TotalInCents.class, EvolutionBeans.SplitBatch.class,
                EvolutionBeans.OrderProjector.class);
    }

    @Inject
    EvolutionBeans.OrderProjector projector;

    @Inject
    EventStoreRuntime runtime;

    @Inject
    EventStoreOperations operations;

    @Test
    @Timeout(120)
    void old_events_reach_a_typed_observer_through_upcaster_beans_as_todays_class() throws Exception {
        DataSource own = InitialContext.doLookup("jdbc/eventstore-listen"); // another server: no classes, no upcasters
        PostgresEventStore otherServer = PostgresEventStore.builder(own)
                .settings(runtime.config().settings().withAutoMigrate(false)).build();
        try {
            otherServer.appendToStream("it-orders", ExpectedVersion.noStream(), List.of(
                    EventData.of("Elixir.Shop.Events.OrderCreated", Map.of("order_id", "o-1", "total", "12.50")),
                    EventData.of(EvolutionBeans.TYPE, Map.of("orderId", "o-2", "total", "1.00"))
                            .withMetadata(Map.of("jes_revision", 2)),
                    EventData.of("it-order-batch", Map.of("orders", List.of(
                            Map.of("orderId", "o-3", "totalCents", 3, "currency", "CHF"),
                            Map.of("orderId", "o-4", "totalCents", 4, "currency", "CHF")))),
                    EventData.of("it-from-another-service", Map.of("n", 1))));
        } finally {
            otherServer.close();
        }

        await("the projector received every order").atMost(Duration.ofSeconds(60))
                .until(() -> projector.orders().size() >= 4);
        assertEquals(List.of(new EvolutionBeans.OrderPlaced("o-1", 1250, "EUR"),
                new EvolutionBeans.OrderPlaced("o-2", 100, "EUR"), new EvolutionBeans.OrderPlaced("o-3", 3, "CHF"),
                new EvolutionBeans.OrderPlaced("o-4", 4, "CHF")), projector.orders());
        await("checkpoint past every stored event").atMost(Duration.ofSeconds(30)).until(() -> runtime
                .annotatedSubscriptions().stream().filter(s -> s.name().equals("it-orders")).findFirst()
                .orElseThrow().checkpoint() == 4);
        // payload observers only: the event no class reads was skipped and counted, not acknowledged unseen
        String state = operations.subscriptions().stream().filter(s -> s.name().equals("it-orders")).findFirst()
                .orElseThrow().localState();
        assertTrue(state.contains("1 event of unknown types skipped here"), state);

        // a read in the container: what each event is read as next to how it was stored
        List<RecordedEvent> read = runtime.store().readStreamForward("it-orders", 1, 10);
        assertEquals(List.of("Elixir.Shop.Events.OrderCreated", EvolutionBeans.TYPE, "it-order-batch",
                "it-order-batch", "it-from-another-service"), read.stream().map(RecordedEvent::storedType).toList());
        assertEquals(List.of(1, 2, 1, 1, 1), read.stream().map(RecordedEvent::storedRevision).toList());
        assertEquals(List.of(3, 3, 3, 3, 1), read.stream().map(RecordedEvent::revision).toList());
        assertEquals(new EvolutionBeans.OrderPlaced("o-1", 1250, "EUR"), read.get(0).data());
    }
}
