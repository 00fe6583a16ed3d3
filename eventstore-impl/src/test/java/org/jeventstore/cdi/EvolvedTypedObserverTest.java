package org.jeventstore.cdi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import jakarta.json.Json;
import jakarta.json.JsonObject;
import java.math.BigDecimal;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.jeventstore.EventData;
import org.jeventstore.EventType;
import org.jeventstore.EventUpcaster;
import org.jeventstore.ExpectedVersion;
import org.jeventstore.JsonEvent;
import org.jeventstore.RecordedEvent;
import org.jeventstore.SubscriptionHandler;
import org.jeventstore.SubscriptionOptions;
import org.jeventstore.Upcaster;
import org.jeventstore.postgres.PostgresEventStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.jeventstore.testsupport.TestSchema;

/**
 * A payload observer ({@code @EventSubscription} of a class) fed through an alias and an {@code @Upcaster}: events
 * an Elixir service wrote under its module name in an older shape reach it as today's class; an event of a type no
 * class reads is skipped and counted, since payload observers never get JSON in place of their class.
 */
@Timeout(120)
class EvolvedTypedObserverTest {

    @EventType(value = "evcdi-account-opened", aliases = "Elixir.Bank.Events.AccountOpened", revision = 2)
    public record AccountOpened(String owner, long cents) {
    }

    /** Revision 1, as the Elixir service wrote it: {@code owner_name}, and the balance as a decimal string. */
    @Upcaster(type = "evcdi-account-opened", revision = 1)
    public static class AccountOpenedV1 implements EventUpcaster {
        @Override
        public JsonEvent upcast(JsonEvent event) {
            JsonObject v1 = event.object();
            return event.next(Json.createObjectBuilder().add("owner", v1.getString("owner_name"))
                    .add("cents", new BigDecimal(v1.getString("balance")).movePointRight(2).longValueExact()).build());
        }
    }

    @RegisterExtension
    final TestSchema schema = new TestSchema("c_");
    PostgresEventStore writer;
    PostgresEventStore projector;
    final List<Object> payloads = new CopyOnWriteArrayList<>();
    final List<RecordedEvent> recorded = new CopyOnWriteArrayList<>();

    @BeforeEach
    void open() {
        writer = PostgresEventStore.builder(schema.dataSource).schema(schema.name).build();
        EventSubscriptionExtension.Declaration declaration = new EventSubscriptionExtension.Declaration("accounts",
                "accounts", null, EvolvedTypedObserverTest.class.getName(), false, Set.of(AccountOpened.class));
        projector = PostgresEventStore.builder(schema.dataSource).schema(schema.name)
                .notifications(schema.dataSource, schema.executor).listenerPoll(Duration.ofMillis(100))
                .eventTypes(declaration.payloadTypes()).upcasters(new AccountOpenedV1())
                .build();
        SubscriptionHandler handler = AnnotatedSubscriptions.handler(declaration, projector.serializer(),
                recorded::add, (type, payload) -> payloads.add(payload));
        projector.subscribeToStream("accounts", "accounts", handler, AnnotatedSubscriptions.effective(
                SubscriptionOptions.defaults().checkpoint(1, Duration.ofMillis(50)), declaration));
    }

    @AfterEach
    void close() {
        projector.close();
        writer.close();
    }

    @Test
    void old_events_under_an_elixir_name_reach_the_payload_observer_as_todays_class_and_unknown_types_are_counted()
            throws SQLException {
        writer.appendToStream("accounts", ExpectedVersion.noStream(), List.of(
                EventData.of("Elixir.Bank.Events.AccountOpened", Map.of("owner_name", "ada", "balance", "5.00")),
                EventData.of("evcdi-from-another-service", Map.of("n", 1)),
                EventData.of("evcdi-account-opened", Map.of("owner", "bo", "cents", 7))
                        .withMetadata(Map.of("jes_revision", 2))));

        await().atMost(Duration.ofSeconds(30)).until(() -> checkpoint() == 3);

        assertThat(payloads).containsExactly(new AccountOpened("ada", 500), new AccountOpened("bo", 7));
        assertThat(recorded).isEmpty(); // no RecordedEvent observer was declared
        assertThat(projector.operations().subscriptions()).filteredOn(s -> s.name().equals("accounts"))
                .singleElement().satisfies(s -> assertThat(s.localState())
                        .contains("1 event of unknown types skipped here"));
    }

    private long checkpoint() throws SQLException {
        return schema.checkpoint("accounts");
    }
}
