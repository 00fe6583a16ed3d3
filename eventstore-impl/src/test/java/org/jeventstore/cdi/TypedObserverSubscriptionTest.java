package org.jeventstore.cdi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.jeventstore.EventData;
import org.jeventstore.EventType;
import org.jeventstore.ExpectedVersion;
import org.jeventstore.RecordedEvent;
import org.jeventstore.SubscriptionHandler;
import org.jeventstore.SubscriptionOptions;
import org.jeventstore.postgres.PostgresEventStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.jeventstore.testsupport.TestSchema;

/**
 * The handler {@link AnnotatedSubscriptions} gives an {@code @EventSubscription} with a payload observer, on a real
 * persistent subscription: a "projector" store that never appends reads what a "writer" store (a serializer of its
 * own: another server) appended.
 */
@Timeout(120)
class TypedObserverSubscriptionTest {

    @EventType("typed-test-account-opened")
    public record AccountOpened(String owner, long cents) {
    }

    @RegisterExtension
    final TestSchema schema = new TestSchema("c_");
    PostgresEventStore writer;
    PostgresEventStore projector;

    final List<Long> attempts = new CopyOnWriteArrayList<>();
    final List<Exception> refusals = new CopyOnWriteArrayList<>();
    final List<RecordedEvent> recorded = new CopyOnWriteArrayList<>();
    final List<Object> payloads = new CopyOnWriteArrayList<>();

    @BeforeEach
    void open() {
        writer = PostgresEventStore.builder(schema.dataSource).schema(schema.name).build();
        EventSubscriptionExtension.Declaration declaration = declaration();
        projector = PostgresEventStore.builder(schema.dataSource).schema(schema.name)
                .notifications(schema.dataSource, schema.executor).listenerPoll(Duration.ofMillis(100))
                .eventTypes(declaration.payloadTypes()) // as the CDI runtime registers what the extension found
                .build();
        SubscriptionHandler handler = AnnotatedSubscriptions.handler(declaration, projector.serializer(),
                recorded::add, (type, payload) -> payloads.add(payload));
        projector.subscribeToStream("accounts", "projector", event -> {
            attempts.add(event.eventNumber());
            try {
                handler.handle(event);
            } catch (Exception e) {
                refusals.add(e);
                throw e;
            }
        }, SubscriptionOptions.defaults().checkpoint(1, Duration.ofMillis(50)));
    }

    private static EventSubscriptionExtension.Declaration declaration() {
        return new EventSubscriptionExtension.Declaration("projector", "accounts", null,
                TypedObserverSubscriptionTest.class.getName(), true, Set.of(AccountOpened.class));
    }

    @AfterEach
    void close() {
        projector.close();
        writer.close();
    }

    @Test
    void events_of_an_observed_type_only_another_server_wrote_reach_the_observer_as_its_class() {
        writer.appendToStream("accounts", ExpectedVersion.noStream(), List.of(
                EventData.of(new AccountOpened("ada", 5)),
                EventData.of("not-for-these-observers", Map.of("n", 1)),
                EventData.of(new AccountOpened("bo", 7))));

        await().atMost(Duration.ofSeconds(30)).until(() -> checkpoint() == 3);

        assertThat(payloads).containsExactly(new AccountOpened("ada", 5), new AccountOpened("bo", 7));
        // registered at build: the data itself is of the class, for RecordedEvent observers too
        assertThat(recorded).extracting(RecordedEvent::data).element(0).isEqualTo(new AccountOpened("ada", 5));
        assertThat(refusals).isEmpty();
        assertThat(attempts).containsExactly(1L, 2L, 3L);
    }

    @Test
    void an_event_of_an_observed_type_whose_data_does_not_bind_is_retried_and_never_acknowledged() throws Exception {
        writer.appendToStream("accounts", ExpectedVersion.noStream(), List.of(
                EventData.of(new AccountOpened("ada", 5)),
                EventData.of("not-for-these-observers", Map.of("n", 1)),
                // another writer stored something else under the observed type's name
                EventData.of("typed-test-account-opened", "not an account"),
                EventData.of(new AccountOpened("bo", 7))));

        await().atMost(Duration.ofSeconds(30)).until(() -> attempts.stream().filter(n -> n == 3).count() >= 3);

        assertThat(attempts).doesNotContain(4L);
        assertThat(payloads).containsExactly(new AccountOpened("ada", 5));
        assertThat(refusals.get(0)).hasMessageContaining("subscription 'projector'").hasMessageContaining("event 3")
                .hasMessageContaining("stream 'accounts'").hasMessageContaining("'typed-test-account-opened'")
                .hasMessageContaining(AccountOpened.class.getName());
        assertThat(checkpoint()).isLessThan(3);
    }

    private long checkpoint() throws SQLException {
        return schema.checkpoint("projector");
    }
}
