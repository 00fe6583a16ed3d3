package org.jeventstore.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jakarta.inject.Inject;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.jboss.shrinkwrap.api.asset.StringAsset;
import org.jboss.shrinkwrap.api.spec.EnterpriseArchive;
import org.jeventstore.EventData;
import org.jeventstore.EventStore;
import org.jeventstore.ExpectedVersion;
import org.jeventstore.FencingToken;
import org.jeventstore.RecordedEvent;
import org.jeventstore.Subscription;
import org.jeventstore.cdi.EventStoreRuntime;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/** @EventSubscription observer beans in the deployed EAR, fed by appends of another bean. */
@ExtendWith(ArquillianExtension.class)
class SubscriberBeansIT {

    @Deployment
    static EnterpriseArchive deployment() {
        return Deployments.earWith(new StringAsset("eventstore.subscription.it-disabled.enabled=false\n"),
                SubscriberBeansIT.class, SubscriberBeans.class, SubscriberBeans.Billing.class,
                SubscriberBeans.Flaky.class, SubscriberBeans.Typed.class, SubscriberBeans.Invoice.class,
                SubscriberBeans.Disabled.class, SubscriberBeans.Fenced.class, AppendingBean.class);
    }

    @Inject
    EventStore store;

    @Inject
    AppendingBean appender;

    @Inject
    SubscriberBeans.Billing billing;

    @Inject
    SubscriberBeans.Flaky flaky;

    @Inject
    SubscriberBeans.Typed typed;

    @Inject
    SubscriberBeans.Disabled disabled;

    @Inject
    SubscriberBeans.Fenced fenced;

    @Inject
    SubscriberBeans.Deferring deferring;

    @Inject
    EventStoreRuntime runtime;

    @Test
    @Timeout(90)
    void an_observer_may_take_the_fencing_token_of_its_delivery() {
        store.appendToStream("fenced-stream", ExpectedVersion.any(),
                List.of(EventData.of("fenced", Map.of("n", 1)), EventData.of("fenced", Map.of("n", 2))));
        await().atMost(Duration.ofSeconds(60)).until(() -> fenced.tokens().size() >= 2);
        FencingToken first = fenced.tokens().get(0);
        assertEquals("it-fenced", first.subscriptionName());
        assertEquals("fenced-stream", first.streamId());
        assertTrue(first.epoch() >= 1, first.toString());
        assertEquals(first, fenced.tokens().get(1)); // one holding of the lock
    }

    @Test
    @Timeout(90)
    void an_observer_may_acknowledge_later_and_the_checkpoint_waits_for_it() throws Exception {
        store.appendToStream("deferred-stream", ExpectedVersion.any(), List.of(EventData.of("deferred", Map.of("n", 1))));
        await().atMost(Duration.ofSeconds(60)).until(() -> deferring.acks().containsKey(1L));
        await().during(Duration.ofMillis(1500)).atMost(Duration.ofSeconds(5))
                .until(() -> checkpointOf("it-deferred") <= 0);
        deferring.acks().get(1L).complete(null);
        await().atMost(Duration.ofSeconds(30)).until(() -> checkpointOf("it-deferred") == 1);
    }

    /** The saved checkpoint of an @EventSubscription on {@code deferred-stream}; -1 while it has no row. */
    private long checkpointOf(String name) throws Exception {
        javax.sql.DataSource ds = (javax.sql.DataSource) new javax.naming.InitialContext()
                .lookup(runtime.config().dataSource());
        try (java.sql.Connection c = ds.getConnection();
             java.sql.PreparedStatement ps = c.prepareStatement("SELECT last_seen FROM "
                     + runtime.config().settings().schema().quoted() + ".subscriptions WHERE subscription_name = ?")) {
            ps.setString(1, name);
            try (java.sql.ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getLong(1) : -1;
            }
        }
    }

    @Test
    @Timeout(90)
    void an_observer_receives_events_appended_by_another_bean_in_order() {
        for (int i = 1; i <= 5; i++) {
            appender.append("billing-stream", Map.of("invoice", i));
        }
        long before = store.streamInfo("billing-stream").version(); // another test may append here too
        await().atMost(Duration.ofSeconds(60)).until(() -> billing.received().size() >= before);
        List<Long> numbers = billing.received().stream().map(RecordedEvent::eventNumber).limit(before)
                .collect(Collectors.toList());
        assertEquals(java.util.stream.LongStream.rangeClosed(1, before).boxed().collect(Collectors.toList()), numbers);
    }

    @Test
    @Timeout(90)
    void a_failing_observer_is_retried_and_the_subscription_does_not_move_past_the_event() {
        store.appendToStream("flaky-stream", ExpectedVersion.any(),
                List.of(EventData.of("flaky", Map.of("n", 1)), EventData.of("flaky", Map.of("n", 2))));
        await().atMost(Duration.ofSeconds(60)).until(() -> flaky.attempts().size() >= 6);
        assertEquals(List.of(1L, 1L, 1L, 2L, 2L, 2L), flaky.attempts());
    }

    @Test
    @Timeout(90)
    void a_payload_observer_receives_only_events_whose_data_is_of_its_type() {
        store.appendToStream("typed-stream", ExpectedVersion.any(), List.of(
                EventData.of(new SubscriberBeans.Invoice("A-1", 100)),
                EventData.of("something-else", Map.of("n", 1)),
                EventData.of(new SubscriberBeans.Invoice("A-2", 250))));
        await().atMost(Duration.ofSeconds(60)).until(() -> typed.invoices().size() >= 2);
        assertEquals(List.of(new SubscriberBeans.Invoice("A-1", 100), new SubscriberBeans.Invoice("A-2", 250)),
                typed.invoices());
    }

    @Test
    void a_subscription_disabled_by_configuration_does_not_run_on_this_server() {
        List<String> running = runtime.annotatedSubscriptions().stream().map(Subscription::name)
                .collect(Collectors.toList());
        assertTrue(running.containsAll(List.of("it-billing", "it-flaky", "it-typed")), running.toString());
        assertTrue(!running.contains("it-disabled"), running.toString());
        appender.append("billing-stream", Map.of("invoice", 99));
        await().atMost(Duration.ofSeconds(60)).until(() -> billing.received().stream()
                .anyMatch(e -> String.valueOf(e.data()).contains("99")));
        assertTrue(disabled.received().isEmpty());
    }
}
