package org.jeventstore.subscriptions;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.metrics.SdkMeterProvider;
import io.opentelemetry.sdk.testing.exporter.InMemoryMetricReader;
import jakarta.json.Json;
import jakarta.json.JsonObject;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jeventstore.EventData;
import org.jeventstore.EventType;
import org.jeventstore.EventUpcaster;
import org.jeventstore.ExpectedVersion;
import org.jeventstore.JsonEvent;
import org.jeventstore.MultiEventUpcaster;
import org.jeventstore.RecordedEvent;
import org.jeventstore.Subscription;
import org.jeventstore.SubscriptionHandler;
import org.jeventstore.SubscriptionOptions;
import org.jeventstore.SubscriptionOptions.OnExhausted;
import org.jeventstore.SubscriptionOptions.UnknownTypes;
import org.jeventstore.SubscriptionState;
import org.jeventstore.operations.EventStoreOperations;
import org.jeventstore.postgres.PostgresEventStore;
import org.jeventstore.operations.SubscriptionAdmin;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.Timeout;
import org.jeventstore.testsupport.Servers;

/**
 * Persistent subscriptions over evolved events (issue 25): old events reach the handler as today's class; a
 * stored event an upcaster splits is handled as one (its events one after the other, acknowledged together); one
 * turned into none is acknowledged and counted; and each unknown-types policy (deliver, skip and count, fail:
 * retried, parked or halted), on real PostgreSQL with a writer "server" that knows none of today's classes.
 */
@Timeout(120)
class EvolvingSubscriptionTest {

    @EventType(value = "evsub-order-placed", aliases = "Elixir.Shop.Events.OrderCreated", revision = 3)
    public record OrderPlaced(String orderId, long totalCents, String currency) {
    }

    static final String TYPE = "evsub-order-placed";

    /** 1 to 2: Elixir's snake_case key. */
    static final EventUpcaster RENAME = e -> e.next(Json.createObjectBuilder(e.object()).remove("order_id")
            .add("orderId", e.object().get("order_id")).build());

    /** 2 to 3: euros as a decimal string become cents and a currency. */
    public static final class TotalInCents implements EventUpcaster {
        @Override
        public JsonEvent upcast(JsonEvent e) {
            JsonObject v2 = e.object();
            long cents = new BigDecimal(v2.getString("total")).movePointRight(2).longValueExact();
            return e.next(Json.createObjectBuilder(v2).remove("total").add("totalCents", cents).add("currency", "EUR")
                    .build());
        }
    }

    static final MultiEventUpcaster SPLIT = e -> List.of(
            e.as("evsub-street-changed", 1, Json.createObjectBuilder().add("street", e.object().get("street")).build()),
            e.as("evsub-city-changed", 1, Json.createObjectBuilder().add("city", e.object().get("city")).build()));
    static final MultiEventUpcaster RETIRED = e -> List.of();

    @RegisterExtension
    final Servers servers = new Servers();
    InMemoryMetricReader metrics;
    OpenTelemetrySdk sdk;
    PostgresEventStore writer;
    PostgresEventStore server;

    @BeforeEach
    void open() {
        metrics = InMemoryMetricReader.create();
        sdk = OpenTelemetrySdk.builder()
                .setMeterProvider(SdkMeterProvider.builder().registerMetricReader(metrics).build()).build();
        writer = servers.start("writer");
        server = servers.start("today", 1000, b -> b.eventTypes(OrderPlaced.class).upcaster(TYPE, 1, RENAME)
                .upcaster(TYPE, 2, new TotalInCents()).upcaster("evsub-address-changed", 1, SPLIT)
                .upcaster("evsub-pinged", 1, RETIRED).telemetry(sdk, false));
    }

    @AfterEach
    void close() throws InterruptedException {
        sdk.close();
    }

    static SubscriptionOptions fast() {
        return SubscriptionOptions.defaults().retryInterval(Duration.ofMillis(200))
                .checkpoint(1, Duration.ofMillis(20)).maxRetryBackoff(Duration.ofMillis(200));
    }

    /** What a handler was given: number, type, data. */
    record Got(long number, String type, Object data) {
        static Got of(RecordedEvent e) {
            return new Got(e.eventNumber(), e.eventType(), e.data());
        }
    }

    private void appendHistory(String stream) {
        writer.appendToStream(stream, ExpectedVersion.noStream(), List.of(
                EventData.of("Elixir.Shop.Events.OrderCreated", Map.of("order_id", "o-1", "total", "12.50")),
                EventData.of("evsub-pinged", Map.of("at", 1)),
                EventData.of("evsub-address-changed", Map.of("street", "Main St 1", "city", "Bern")),
                EventData.of(TYPE, Map.of("orderId", "o-2", "totalCents", 99, "currency", "CHF"))
                        .withMetadata(Map.of("jes_revision", 3))));
    }

    @Test
    void old_events_arrive_as_todays_class_and_a_split_or_dropped_stored_event_is_acknowledged_as_one() throws Exception {
        appendHistory("c-1");
        List<Got> got = new CopyOnWriteArrayList<>();

        server.subscribeToStream("c-1", "projector", e -> got.add(Got.of(e)), fast());

        await().atMost(Duration.ofSeconds(30)).until(() -> servers.checkpoint("c-1", "projector") == 4);
        assertThat(got).containsExactly(
                new Got(1, TYPE, new OrderPlaced("o-1", 1250, "EUR")),
                new Got(3, "evsub-street-changed", Map.of("street", "Main St 1")),
                new Got(3, "evsub-city-changed", Map.of("city", "Bern")),
                new Got(4, TYPE, new OrderPlaced("o-2", 99, "CHF")));
        // the dropped one was not delivered, and not unseen: counted where operators look
        assertThat(state("c-1", "projector")).contains("1 event upcast to none here");
        assertThat(skipped("upcast_to_none", "projector")).isEqualTo(1);
    }

    @Test
    void a_failure_on_a_later_event_of_a_split_delivers_the_whole_stored_event_again() throws Exception {
        appendHistory("c-2");
        List<String> got = new CopyOnWriteArrayList<>();
        AtomicBoolean failed = new AtomicBoolean();

        server.subscribeToStream("c-2", "projector", e -> {
            got.add(e.eventNumber() + ":" + e.eventType());
            if (e.eventType().equals("evsub-city-changed") && failed.compareAndSet(false, true)) {
                throw new IllegalStateException("the projection's database is away");
            }
        }, fast());

        await().atMost(Duration.ofSeconds(30)).until(() -> servers.checkpoint("c-2", "projector") == 4);
        assertThat(got).containsExactly("1:" + TYPE, "3:evsub-street-changed", "3:evsub-city-changed",
                "3:evsub-street-changed", "3:evsub-city-changed", "4:" + TYPE);
    }

    @Test
    void an_asynchronous_handler_gets_the_next_event_of_a_split_only_once_the_stage_of_the_one_before_completed() {
        writer.appendToStream("c-3", ExpectedVersion.noStream(),
                List.of(EventData.of("evsub-address-changed", Map.of("street", "Main St 1", "city", "Bern"))));
        List<String> started = new CopyOnWriteArrayList<>();
        List<CompletableFuture<Void>> stages = new CopyOnWriteArrayList<>();

        server.subscribeToStream("c-3", "indexer", SubscriptionHandler.async((e, token) -> {
            started.add(e.eventType());
            CompletableFuture<Void> stage = new CompletableFuture<>();
            stages.add(stage);
            return stage;
        }), fast().bufferSize(4));

        await().atMost(Duration.ofSeconds(30)).until(() -> stages.size() == 1);
        assertThat(started).containsExactly("evsub-street-changed");
        stages.get(0).complete(null);
        await().atMost(Duration.ofSeconds(10)).until(() -> stages.size() == 2);
        assertThat(started).containsExactly("evsub-street-changed", "evsub-city-changed");
        stages.get(1).complete(null);
        await().atMost(Duration.ofSeconds(10)).until(() -> servers.checkpoint("c-3", "indexer") == 1);
    }

    @Test
    void unknown_types_are_delivered_as_json_or_skipped_and_counted_or_refused_and_parked_as_configured()
            throws Exception {
        writer.appendToStream("u-1", ExpectedVersion.noStream(), List.of(
                EventData.of("evsub-from-another-service", Map.of("n", 1)),
                EventData.of(TYPE, Map.of("orderId", "o-9", "totalCents", 1, "currency", "EUR"))
                        .withMetadata(Map.of("jes_revision", 3))));
        List<Got> delivered = new CopyOnWriteArrayList<>();
        List<Got> skipping = new CopyOnWriteArrayList<>();
        List<Got> failing = new CopyOnWriteArrayList<>();

        server.subscribeToStream("u-1", "deliver", e -> delivered.add(Got.of(e)), fast());
        server.subscribeToStream("u-1", "skip", e -> skipping.add(Got.of(e)), fast().unknownTypes(UnknownTypes.SKIP));
        server.subscribeToStream("u-1", "fail", e -> failing.add(Got.of(e)),
                fast().unknownTypes(UnknownTypes.FAIL).maxAttempts(2, OnExhausted.PARK));

        for (String name : List.of("deliver", "skip", "fail")) {
            await().atMost(Duration.ofSeconds(30)).until(() -> servers.checkpoint("u-1", name) == 2);
        }
        OrderPlaced order = new OrderPlaced("o-9", 1, "EUR");
        assertThat(delivered).containsExactly(new Got(1, "evsub-from-another-service", Map.of("n", new BigDecimal(1))),
                new Got(2, TYPE, order));
        assertThat(skipping).containsExactly(new Got(2, TYPE, order));
        assertThat(state("u-1", "skip")).contains("1 event of unknown types skipped here");
        assertThat(skipped("unknown_type", "skip")).isEqualTo(1);
        assertThat(failing).containsExactly(new Got(2, TYPE, order));
        List<SubscriptionAdmin.ParkedEvent> parked = server.admin().parkedEvents("u-1", "fail", 0, 10);
        assertThat(parked).singleElement().satisfies(p -> {
            assertThat(p.eventNumber()).isEqualTo(1);
            assertThat(p.attempts()).isEqualTo(2);
            assertThat(p.errorType()).contains("UnknownEventTypeException");
            assertThat(p.errorMessage()).contains("'evsub-from-another-service'").contains("FAIL");
        });
        assertThat(state("u-1", "fail")).doesNotContain("skipped");
    }

    @Test
    void an_unknown_type_under_fail_with_stop_halts_the_subscription_before_it_and_calls_no_handler()
            throws Exception {
        writer.appendToStream("u-2", ExpectedVersion.noStream(), List.of(
                EventData.of("evsub-from-another-service", Map.of("n", 1)),
                EventData.of(TYPE, Map.of("orderId", "o-9", "totalCents", 1, "currency", "EUR"))
                        .withMetadata(Map.of("jes_revision", 3))));
        List<Got> got = new CopyOnWriteArrayList<>();

        Subscription s = server.subscribeToStream("u-2", "strict", e -> got.add(Got.of(e)),
                fast().unknownTypes(UnknownTypes.FAIL).maxAttempts(3, OnExhausted.STOP));

        await().atMost(Duration.ofSeconds(30)).until(() -> s.state() == SubscriptionState.HALTED);
        assertThat(got).isEmpty();
        assertThat(servers.checkpoint("u-2", "strict")).isZero();
    }

    @Test
    void a_failing_upcaster_fails_the_delivery_so_the_event_is_parked_naming_the_upcaster() throws Exception {
        writer.appendToStream("f-1", ExpectedVersion.noStream(), List.of(
                EventData.of("Elixir.Shop.Events.OrderCreated", Map.of("order_id", "o-1", "total", "a lot")),
                EventData.of("Elixir.Shop.Events.OrderCreated", Map.of("order_id", "o-2", "total", "1.00"))));
        List<Got> got = new CopyOnWriteArrayList<>();

        server.subscribeToStream("f-1", "projector", e -> got.add(Got.of(e)),
                fast().maxAttempts(2, OnExhausted.PARK));

        await().atMost(Duration.ofSeconds(30)).until(() -> servers.checkpoint("f-1", "projector") == 2);
        assertThat(got).containsExactly(new Got(2, TYPE, new OrderPlaced("o-2", 100, "EUR")));
        assertThat(server.admin().parkedEvents("f-1", "projector", 0, 10)).singleElement().satisfies(p -> {
            assertThat(p.eventNumber()).isEqualTo(1);
            assertThat(p.errorType()).contains("UpcastException");
            assertThat(p.errorMessage()).contains(TotalInCents.class.getName()).contains("revision 2");
        });
    }

    private String state(String stream, String name) {
        return server.operations().subscriptions().stream()
                .filter(s -> s.streamId().equals(stream) && s.name().equals(name)).findFirst().orElseThrow()
                .localState();
    }

    private long skipped(String reason, String subscription) {
        return metrics.collectAllMetrics().stream().filter(m -> m.getName().equals("jeventstore.subscription.skipped"))
                .flatMap(m -> m.getLongSumData().getPoints().stream())
                .filter(p -> p.getAttributes().equals(Attributes.of(AttributeKey.stringKey("subscription"),
                        subscription, AttributeKey.stringKey("stream"), p.getAttributes()
                                .get(AttributeKey.stringKey("stream")), AttributeKey.stringKey("reason"), reason)))
                .mapToLong(p -> p.getValue()).sum();
    }
}
