package org.jeventstore.cdi;

import static org.assertj.core.api.Assertions.assertThat;

import jakarta.enterprise.event.Reception;
import jakarta.enterprise.event.TransactionPhase;
import jakarta.enterprise.inject.spi.ObserverMethod;
import java.lang.annotation.Annotation;
import java.lang.reflect.Type;
import java.util.Set;
import java.util.List;
import org.jeventstore.EventType;
import org.jeventstore.EventUpcaster;
import org.jeventstore.JsonEvent;
import org.jeventstore.MultiEventUpcaster;
import org.jeventstore.RecordedEvent;
import org.jeventstore.Upcaster;
import org.junit.jupiter.api.Test;

/** What the extension makes of observer declarations: the payload classes to register, the ones to refuse. */
class EventSubscriptionExtensionTest {

    @EventType("ext-test-opened")
    public record Opened(String owner) {
    }

    public record Closed(String owner) {
    }

    public interface AccountEvent {
    }

    public abstract static class AbstractAccountEvent {
    }

    /** An observer method as the container describes it; only what the extension reads. */
    private static ObserverMethod<Object> observerOf(Type observed) {
        return new ObserverMethod<>() {
            @Override
            public Class<?> getBeanClass() {
                return EventSubscriptionExtensionTest.class;
            }

            @Override
            public Type getObservedType() {
                return observed;
            }

            @Override
            public Set<Annotation> getObservedQualifiers() {
                return Set.of(new EventSubscriptionLiteral("accounts", "$all"));
            }

            @Override
            public Reception getReception() {
                return Reception.ALWAYS;
            }

            @Override
            public TransactionPhase getTransactionPhase() {
                return TransactionPhase.IN_PROGRESS;
            }
        };
    }

    private static EventSubscriptionExtension declare(Type... observed) {
        EventSubscriptionExtension extension = new EventSubscriptionExtension();
        for (Type type : observed) {
            extension.record(new EventSubscriptionLiteral("accounts", "$all"), observerOf(type));
        }
        return extension;
    }

    @Test
    void every_observed_payload_class_of_every_subscription_is_listed_for_registration() {
        EventSubscriptionExtension extension = declare(Opened.class, RecordedEvent.class, Closed.class);

        assertThat(extension.problems()).isEmpty();
        assertThat(extension.payloadTypes()).containsExactlyInAnyOrder(Opened.class, Closed.class);
        assertThat(extension.declarations().get("accounts").recordedEventObserver()).isTrue();
    }

    @Test
    void an_observer_of_an_interface_or_abstract_class_fails_the_deployment_naming_it() {
        EventSubscriptionExtension extension = declare(AccountEvent.class, AbstractAccountEvent.class);

        assertThat(extension.problems()).hasSize(2);
        assertThat(extension.problems().get(0)).contains(AccountEvent.class.getTypeName())
                .contains("concrete event class");
        assertThat(extension.problems().get(1)).contains(AbstractAccountEvent.class.getTypeName());
        assertThat(extension.payloadTypes()).isEmpty();
    }

    @Upcaster(type = "ext-test-opened", revision = 1)
    public static class OpenedV1 implements EventUpcaster {
        @Override
        public JsonEvent upcast(JsonEvent event) {
            return event.next(event.data());
        }
    }

    @Upcaster(type = "ext-test-opened", revision = 2)
    public static class OpenedV2 implements MultiEventUpcaster {
        @Override
        public List<JsonEvent> upcast(JsonEvent event) {
            return List.of();
        }
    }

    @Upcaster(type = "ext-test-opened", revision = 1)
    public static class AnotherOpenedV1 extends OpenedV1 {
    }

    @Upcaster(type = "ext-test-opened", revision = 3)
    public static class NotAnUpcaster {
    }

    @Upcaster(type = " ", revision = 0)
    public static class Blank implements EventUpcaster {
        @Override
        public JsonEvent upcast(JsonEvent event) {
            return event;
        }
    }

    private static void upcaster(EventSubscriptionExtension extension, Class<?> type) {
        extension.recordUpcaster(type.getAnnotation(Upcaster.class), type, null);
    }

    @Test
    void upcaster_beans_are_listed_with_their_type_revision_and_the_interface_to_look_them_up_by() {
        EventSubscriptionExtension extension = new EventSubscriptionExtension();
        upcaster(extension, OpenedV1.class);
        upcaster(extension, OpenedV2.class);

        assertThat(extension.problems()).isEmpty();
        assertThat(extension.upcasters()).extracting(EventSubscriptionExtension.UpcasterBean::beanClass,
                EventSubscriptionExtension.UpcasterBean::revision, EventSubscriptionExtension.UpcasterBean::api)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(OpenedV1.class, 1, EventUpcaster.class),
                        org.assertj.core.groups.Tuple.tuple(OpenedV2.class, 2, MultiEventUpcaster.class));
    }

    @Test
    void a_second_upcaster_of_a_revision_or_a_bean_that_is_no_upcaster_fails_the_deployment_naming_it() {
        EventSubscriptionExtension extension = new EventSubscriptionExtension();
        for (Class<?> type : List.of(OpenedV1.class, AnotherOpenedV1.class, NotAnUpcaster.class,
                Blank.class)) {
            upcaster(extension, type);
        }

        assertThat(extension.upcasters()).extracting(EventSubscriptionExtension.UpcasterBean::beanClass)
                .containsExactly(OpenedV1.class);
        assertThat(extension.problems()).hasSize(3);
        assertThat(extension.problems().get(0)).contains(AnotherOpenedV1.class.getName())
                .contains("has an upcaster already, " + OpenedV1.class.getName());
        assertThat(extension.problems().get(1)).contains(NotAnUpcaster.class.getName()).contains("neither");
        assertThat(extension.problems().get(2)).contains(Blank.class.getName()).contains("must not be blank");
    }
}
