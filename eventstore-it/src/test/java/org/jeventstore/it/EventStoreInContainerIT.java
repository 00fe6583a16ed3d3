package org.jeventstore.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jakarta.ejb.EJB;
import jakarta.enterprise.event.Event;
import jakarta.inject.Inject;
import jakarta.transaction.Status;
import jakarta.transaction.UserTransaction;
import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import javax.naming.InitialContext;
import javax.sql.DataSource;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.jboss.shrinkwrap.api.spec.EnterpriseArchive;
import org.jeventstore.AppendResult;
import org.jeventstore.EventData;
import org.jeventstore.EventStore;
import org.jeventstore.EventsAppended;
import org.jeventstore.ExpectedVersion;
import org.jeventstore.InvalidRequestException;
import org.jeventstore.RecordedEvent;
import org.jeventstore.StreamExistsException;
import org.jeventstore.StreamNotFoundException;
import org.jeventstore.WrongExpectedVersionException;
import org.jeventstore.cdi.EventStoreRuntime;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/** Runs inside Open Liberty, in the web module of the real EAR, against a real PostgreSQL. */
@ExtendWith(ArquillianExtension.class)
class EventStoreInContainerIT {

    @Deployment
    static EnterpriseArchive deployment() {
        return Deployments.earWith(EventStoreInContainerIT.class, AppendedRecorder.class, AppendingBean.class,
                AfterSuccessAppender.class, AfterSuccessAppender.OrderPlaced.class, OrderService.class);
    }

    @Inject
    EventStore store;

    @EJB
    AppendingBean ejb;

    @Inject
    AppendedRecorder recorder;

    @EJB
    OrderService orders;

    @Inject
    AfterSuccessAppender afterSuccess;

    @Inject
    Event<AfterSuccessAppender.OrderPlaced> orderPlaced;

    @Inject
    EventStoreRuntime runtime;

    @Inject
    @ConfigProperty(name = "http.port")
    int httpPort;

    @Test
    void event_store_is_injected_into_a_cdi_bean_and_appends_and_reads() {
        String stream = "cdi-" + UUID.randomUUID();
        AppendResult result = store.appendToStream(stream, ExpectedVersion.noStream(),
                List.of(EventData.of("it-event", Map.of("n", 1)), EventData.of("it-event", Map.of("n", 2))));
        assertEquals(2, result.streamVersion());
        List<RecordedEvent> events = store.readStreamForward(stream, 1, 10);
        assertEquals(2, events.size());
        assertEquals(Map.of("n", 2), normalize(events.get(1).data()));
        // outside a JTA transaction, with the $all row free, the append took its $all positions itself
        long position = allPositionOf(events.get(0).eventId());
        assertTrue(result.firstPosition() == 0 || result.firstPosition() == position, result.toString());
    }

    /** The $all position of an event, once the event is there (an append may leave it to the linker). */
    private long allPositionOf(UUID eventId) {
        return await("event " + eventId + " in $all").atMost(Duration.ofSeconds(30)).until(
                () -> store.readAllBackward(-1, 200).stream().filter(e -> e.eventId().equals(eventId))
                        .mapToLong(RecordedEvent::eventNumber).findFirst().orElse(0), p -> p > 0);
    }

    @Test
    void event_store_is_injected_into_a_stateless_ejb_whose_transaction_the_append_joins() {
        String committed = "ejb-" + UUID.randomUUID();
        AppendResult result = ejb.append(committed, Map.of("ok", true));
        assertEquals(1, result.streamVersion());
        assertEquals(1, store.streamInfo(committed).version());
        // inline (the $all row was free) or left to the linker, woken when the container commits
        long position = allPositionOf(store.readStreamForward(committed, 1, 1).get(0).eventId());
        assertTrue(result.firstPosition() == 0 || result.firstPosition() == position, result.toString());

        String rolledBack = "ejb-rollback-" + UUID.randomUUID();
        long allBefore = store.streamInfo(EventStore.ALL).version();
        ejb.appendThenRollBack(rolledBack, Map.of("ok", false));
        assertThrows(StreamNotFoundException.class, () -> store.streamInfo(rolledBack));
        // the $all counter was rolled back with the append: no gap, nothing half-written
        assertEquals(allBefore, store.streamInfo(EventStore.ALL).version());
    }

    @Test
    @Timeout(60)
    void appends_made_after_a_commit_by_an_observer_or_a_synchronization_commit_once_on_their_own() throws Exception {
        // an AFTER_SUCCESS observer of a container-managed transaction (an EJB's) and of one demarcated here
        String cmt = "after-success-cmt-" + UUID.randomUUID();
        orders.place(cmt);
        String bmt = "after-success-bmt-" + UUID.randomUUID();
        UserTransaction ut = InitialContext.doLookup("java:comp/UserTransaction");
        ut.begin();
        orderPlaced.fire(new AfterSuccessAppender.OrderPlaced(bmt));
        ut.commit();
        // a synchronization's afterCompletion
        String sync = "after-completion-" + UUID.randomUUID();
        ut.begin();
        afterSuccess.appendAfterCompletion(sync);
        ut.commit();

        // each ran after its commit, on the committing thread: its append is done by now
        assertEquals(List.of(), afterSuccess.failures());
        assertEquals(3, afterSuccess.results().size(), afterSuccess.results().toString());
        assertTrue(afterSuccess.results().stream().allMatch(r -> r.streamVersion() == 1),
                afterSuccess.results().toString());
        for (String stream : List.of(cmt, bmt, sync)) {
            assertEquals(1, store.streamInfo(stream).version(), stream);
            assertEquals(1, store.readStreamForward(stream, 1, 10).size(), stream);
            // it reached $all: the after-commit step (tell subscriptions, link) ran at once
            allPositionOf(store.readStreamForward(stream, 1, 1).get(0).eventId());
        }
        // each ran after its transaction (Liberty reports NO_TRANSACTION there; other managers COMMITTED, which
        // JtaTransactionContextTest covers)
        assertTrue(afterSuccess.statuses().stream().allMatch(st -> st == Status.STATUS_NO_TRANSACTION
                || st == Status.STATUS_COMMITTED), "statuses: " + afterSuccess.statuses());
    }

    @Test
    void an_append_in_a_transaction_marked_for_rollback_is_refused_clearly_and_writes_nothing() {
        String stream = "rollback-only-" + UUID.randomUUID();
        InvalidRequestException e = assertThrows(InvalidRequestException.class,
                () -> ejb.appendWhenRollbackOnly(stream, Map.of("n", 1)));
        assertTrue(e.getMessage().contains("marked for rollback"), e.getMessage());
        assertThrows(StreamNotFoundException.class, () -> store.streamInfo(stream));
    }

    @Test
    void a_refused_append_inside_an_ejb_surfaces_the_store_exception_and_writes_nothing() {
        String stream = "ejb-conflict-" + UUID.randomUUID();
        ejb.appendNew(stream, Map.of("n", 1));
        // an application exception: the caller gets it as thrown, not wrapped in an EJBException
        assertThrows(StreamExistsException.class, () -> ejb.appendNew(stream, Map.of("n", 2)));
        assertEquals(1, store.streamInfo(stream).version());
    }

    @Test
    void a_wrong_expected_version_in_an_ejb_reaches_the_caller_as_itself_rolls_the_transaction_back_unlogged()
            throws IOException {
        String first = "ejb-app-exception-first-" + UUID.randomUUID();
        String second = "ejb-app-exception-second-" + UUID.randomUUID();
        ejb.appendNew(second, Map.of("n", 1));

        WrongExpectedVersionException e = assertThrows(WrongExpectedVersionException.class,
                () -> ejb.appendToBoth(first, second, 5));

        assertEquals(second, e.streamId());
        assertEquals(1, e.actualVersion());
        // rollback = true: the bean's first append, in the same transaction, was undone with it
        assertThrows(StreamNotFoundException.class, () -> store.streamInfo(first));
        assertEquals(1, store.streamInfo(second).version());
        // not a system exception: the container logged no CNTR0020E (unexpected exception) for the call
        Path log = Path.of(System.getenv("X_LOG_DIR"), "messages.log");
        List<String> logged = Files.readAllLines(log).stream()
                .filter(l -> l.contains("CNTR0020E") && (l.contains("appendToBoth") || l.contains("appendNew")))
                .toList();
        assertEquals(List.of(), logged, "CNTR0020E in " + log);
    }

    @Test
    @Timeout(60)
    void a_notify_issued_by_the_test_reaches_an_observes_method_off_the_listener_thread() throws Exception {
        await("notification listener connected").atMost(Duration.ofSeconds(30))
                .until(() -> runtime.listener().connected());
        String stream = "raw,notify-" + UUID.randomUUID();
        DataSource ds = InitialContext.doLookup("jdbc/eventstore");
        try (Connection c = ds.getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT pg_notify('public.events', ?)")) {
            ps.setString(1, stream + ",42,3,7");
            ps.execute();
        }
        await("the observer received the NOTIFY").atMost(Duration.ofSeconds(30))
                .until(() -> recorder.received().contains(new EventsAppended(stream, 3, 7)));
        assertFalse(recorder.threads().stream().anyMatch(t -> t.contains("jeventstore-listener")),
                "observers must not run on the listener thread: " + recorder.threads());
    }

    @Test
    @Timeout(60)
    void an_append_reaches_observers_as_events_appended_for_its_stream_and_for_all() throws Exception {
        await("notification listener connected").atMost(Duration.ofSeconds(30))
                .until(() -> runtime.listener().connected());
        String stream = "observed-" + UUID.randomUUID();
        List<EventData> events = List.of(EventData.of("it-event", Map.of("n", 1)),
                EventData.of("it-event", Map.of("n", 2)));
        store.appendToStream(stream, ExpectedVersion.any(), events);
        await("stream notification").atMost(Duration.ofSeconds(30))
                .until(() -> recorder.received().contains(new EventsAppended(stream, 1, 2)));
        long first = allPositionOf(store.readStreamForward(stream, 1, 1).get(0).eventId());
        await("$all notification").atMost(Duration.ofSeconds(30)).until(() -> recorder.received().stream()
                .anyMatch(e -> e.streamId().equals(EventStore.ALL) && e.fromVersion() <= first && e.toVersion() >= first + 1));
    }

    @Test
    void health_ready_answers_up() throws IOException {
        HttpURLConnection c = (HttpURLConnection) URI.create("http://127.0.0.1:" + httpPort + "/health/ready")
                .toURL().openConnection();
        try {
            assertEquals(200, c.getResponseCode());
            String body = new String(c.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(body.contains("\"status\":\"UP\"") && body.contains("eventstore-database"), body);
            assertTrue(body.contains("\"unlinked-appends\":"), body);
        } finally {
            c.disconnect();
        }
    }

    private static Object normalize(Object data) {
        if (data instanceof Map<?, ?> map) {
            return map.entrySet().stream().collect(java.util.stream.Collectors.toMap(
                    e -> e.getKey(), e -> e.getValue() instanceof Number n ? n.intValue() : e.getValue()));
        }
        return data;
    }
}
