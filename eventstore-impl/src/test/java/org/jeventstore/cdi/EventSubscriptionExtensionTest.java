package org.jeventstore.cdi;

import static org.assertj.core.api.Assertions.assertThat;

import jakarta.enterprise.event.Reception;
import jakarta.enterprise.event.TransactionPhase;
import jakarta.enterprise.inject.spi.ObserverMethod;
import java.lang.annotation.Annotation;
import java.lang.reflect.Type;
import java.util.Set;
import org.jeventstore.EventType;
import org.jeventstore.RecordedEvent;
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
}
