package org.jeventstore.cdi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.jeventstore.Acknowledgement;
import org.jeventstore.EventData;
import org.jeventstore.ExpectedVersion;
import org.jeventstore.SubscriptionOptions;
import org.jeventstore.postgres.PostgresEventStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.jeventstore.testsupport.TestSchema;

/**
 * An {@code @EventSubscription} observer that takes an {@link Acknowledgement} and defers: the handler the CDI layer
 * gives its subscription ({@link FencingTokens#fenced}) acknowledges the event only when the observer's future
 * completes, keeps up to {@code bufferSize} events in flight, and retries one whose future fails.
 */
@Timeout(120)
class DeferredAcknowledgementTest {

    public record Noted(int n) {
    }

    @RegisterExtension
    final TestSchema schema = new TestSchema("d_");
    PostgresEventStore store;

    @BeforeEach
    void open() {
        store = PostgresEventStore.builder(schema.dataSource).schema(schema.name)
                .notifications(schema.dataSource, schema.executor).listenerPoll(Duration.ofMillis(100)).build();
    }

    @AfterEach
    void close() {
        store.close();
    }

    @Test
    void an_observer_that_defers_acknowledges_when_its_future_completes_with_events_in_flight_up_to_the_buffer()
            throws Exception {
        List<EventData> events = new ArrayList<>();
        for (int i = 1; i <= 4; i++) {
            events.add(EventData.of(new Noted(i)));
        }
        store.appendToStream("deferred", ExpectedVersion.noStream(), events);
        Map<Long, CompletableFuture<Void>> acks = new ConcurrentHashMap<>();
        List<Long> calls = new CopyOnWriteArrayList<>();
        List<Acknowledgement> seen = new CopyOnWriteArrayList<>();
        // the observer as CDI calls it: the Acknowledgement parameter is what the producer hands out
        FencingTokens producer = new FencingTokens();
        store.subscribeToStream("deferred", "remote-writer", FencingTokens.fenced(event -> {
            Acknowledgement ack = producer.acknowledgement();
            seen.add(ack);
            calls.add(event.eventNumber());
            acks.put(event.eventNumber(), ack.later());
        }), SubscriptionOptions.defaults().bufferSize(2).checkpoint(100, Duration.ofMillis(50)));

        await().atMost(Duration.ofSeconds(30)).until(() -> calls.size() >= 2);
        assertThat(calls).as("two in flight at once").containsExactly(1L, 2L);
        assertThat(checkpoint()).as("nothing completed yet").isLessThanOrEqualTo(0);

        acks.get(2L).complete(null);
        await().atMost(Duration.ofSeconds(10)).until(() -> calls.size() >= 3);
        assertThat(checkpoint()).as("1 is still in flight").isLessThanOrEqualTo(0);
        acks.get(1L).completeExceptionally(new IllegalStateException("the remote write failed"));
        await().atMost(Duration.ofSeconds(10)).until(() -> calls.stream().filter(n -> n == 1L).count() == 2);
        acks.get(1L).complete(null); // the retry's future
        acks.get(3L).complete(null);
        await().atMost(Duration.ofSeconds(10)).until(() -> calls.contains(4L));
        acks.get(4L).complete(null);
        await().atMost(Duration.ofSeconds(10)).until(() -> checkpoint() == 4);

        // later() belongs to the observer's call only
        assertThatThrownBy(() -> seen.get(0).later()).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(producer::acknowledgement).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void an_observer_that_does_not_defer_acknowledges_by_returning() throws Exception {
        store.appendToStream("returning", ExpectedVersion.noStream(), List.of(EventData.of(new Noted(1)),
                EventData.of(new Noted(2))));
        List<Long> calls = new CopyOnWriteArrayList<>();
        store.subscribeToStream("returning", "plain", FencingTokens.fenced(event -> calls.add(event.eventNumber())),
                SubscriptionOptions.defaults().checkpoint(1, Duration.ofMillis(50)));

        await().atMost(Duration.ofSeconds(30)).until(() -> checkpointOf("plain") == 2);
        assertThat(calls).containsExactly(1L, 2L);
    }

    private long checkpoint() throws SQLException {
        return checkpointOf("remote-writer");
    }

    private long checkpointOf(String name) throws SQLException {
        return schema.checkpoint(name);
    }
}
