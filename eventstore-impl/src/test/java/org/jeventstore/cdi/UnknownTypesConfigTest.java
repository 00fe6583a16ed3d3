package org.jeventstore.cdi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.jeventstore.cdi.BillingConfig.PREFIX;
import static org.jeventstore.cdi.BillingConfig.options;

import java.util.Map;
import java.util.Set;
import org.jeventstore.ConfigurationException;
import org.jeventstore.SubscriptionOptions;
import org.jeventstore.SubscriptionOptions.UnknownTypes;
import org.junit.jupiter.api.Test;

/** The unknown-types policy of an annotated subscription: annotation, MicroProfile Config, and its observers. */
class UnknownTypesConfigTest {

    private static EventSubscriptionExtension.Declaration declaration(boolean recordedEventObserver) {
        return new EventSubscriptionExtension.Declaration("billing", "$all", null, "a test", recordedEventObserver,
                recordedEventObserver ? Set.of() : Set.of(UnknownTypesConfigTest.class));
    }

    @Test
    void unknown_types_are_delivered_unless_configured_otherwise_and_the_key_takes_any_case() {
        assertThat(options(Map.of()).unknownTypes()).isEqualTo(UnknownTypes.DELIVER);
        assertThat(options(Map.of(PREFIX + "unknown-types", " Skip ")).unknownTypes())
                .isEqualTo(UnknownTypes.SKIP);
        assertThat(options(Map.of(PREFIX + "unknown-types", "FAIL")).unknownTypes())
                .isEqualTo(UnknownTypes.FAIL);
    }

    @Test
    void a_bad_value_is_refused_naming_the_key() {
        assertThatThrownBy(() -> options(Map.of(PREFIX + "unknown-types", "ignore")))
                .isInstanceOf(ConfigurationException.class)
                .hasMessage(PREFIX + "unknown-types must be 'deliver', 'skip' or 'fail', was 'ignore'");
    }

    @Test
    void payload_observers_alone_skip_and_count_what_deliver_would_hand_to_nobody() {
        SubscriptionOptions deliver = SubscriptionOptions.defaults();
        assertThat(AnnotatedSubscriptions.effective(deliver, declaration(false)).unknownTypes())
                .isEqualTo(UnknownTypes.SKIP);
        assertThat(AnnotatedSubscriptions.effective(deliver, declaration(true)).unknownTypes())
                .isEqualTo(UnknownTypes.DELIVER);
        SubscriptionOptions fail = deliver.unknownTypes(UnknownTypes.FAIL);
        assertThat(AnnotatedSubscriptions.effective(fail, declaration(false)).unknownTypes())
                .isEqualTo(UnknownTypes.FAIL);
    }
}
