package org.jeventstore.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

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
        return Deployments.earWith(TypedObserverIT.class, AccountProjector.class, AccountProjector.AccountOpened.class);
    }

    @Inject
    AccountProjector projector;

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
}
