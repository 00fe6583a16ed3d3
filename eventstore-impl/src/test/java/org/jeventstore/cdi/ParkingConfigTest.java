package org.jeventstore.cdi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.jeventstore.cdi.BillingConfig.PREFIX;
import static org.jeventstore.cdi.BillingConfig.options;

import java.util.Map;
import org.jeventstore.ConfigurationException;
import org.jeventstore.SubscriptionOptions;
import org.jeventstore.SubscriptionOptions.OnExhausted;
import org.junit.jupiter.api.Test;

/** The parking settings of an annotated subscription, from its annotation and MicroProfile Config. */
class ParkingConfigTest {

    @Test
    void attempts_are_unlimited_unless_configured() {
        SubscriptionOptions o = options(Map.of());
        assertThat(o.maxAttempts()).isZero();
        assertThat(o.attemptsLimited()).isFalse();
        assertThat(o.onExhausted()).isEqualTo(OnExhausted.PARK);
        assertThat(o.parkHoldsKey()).isTrue();
    }

    @Test
    void max_attempts_on_exhausted_and_park_holds_key_come_from_config() {
        SubscriptionOptions o = options(Map.of(PREFIX + "max-attempts", "5", PREFIX + "on-exhausted", "Stop",
                PREFIX + "park-holds-key", "false"));
        assertThat(o.maxAttempts()).isEqualTo(5);
        assertThat(o.onExhausted()).isEqualTo(OnExhausted.STOP);
        assertThat(o.parkHoldsKey()).isFalse();
        assertThat(options(Map.of(PREFIX + "max-attempts", "unlimited")).maxAttempts()).isZero();
    }

    @Test
    void bad_values_are_refused_naming_the_setting() {
        assertThatThrownBy(() -> options(Map.of(PREFIX + "max-attempts", "many")))
                .isInstanceOf(ConfigurationException.class)
                .hasMessage(PREFIX + "max-attempts must be a whole number or 'unlimited', was 'many'");
        assertThatThrownBy(() -> options(Map.of(PREFIX + "max-attempts", "-2")))
                .isInstanceOf(ConfigurationException.class).hasMessageStartingWith(PREFIX + "max-attempts must be");
        assertThatThrownBy(() -> options(Map.of(PREFIX + "on-exhausted", "retry")))
                .isInstanceOf(ConfigurationException.class)
                .hasMessage(PREFIX + "on-exhausted must be 'park' or 'stop', was 'retry'");
        assertThatThrownBy(() -> options(Map.of(PREFIX + "park-holds-key", "maybe")))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining(PREFIX + "park-holds-key");
    }

    @Test
    void server_concurrency_comes_from_config_and_a_bad_value_names_the_key() {
        assertThat(options(Map.of()).serverConcurrency()).isZero();
        assertThat(options(Map.of(PREFIX + "server-concurrency", " 3 ")).serverConcurrency()).isEqualTo(3);
        assertThat(options(Map.of(PREFIX + "server-concurrency", "0")).serverConcurrency()).isZero();
        assertThatThrownBy(() -> options(Map.of(PREFIX + "server-concurrency", "-1")))
                .isInstanceOf(ConfigurationException.class)
                .hasMessage(PREFIX + "server-concurrency must be >= 1, or 0 for no limit, was '-1'");
        assertThatThrownBy(() -> options(Map.of(PREFIX + "server-concurrency", "lots")))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("was 'lots'");
    }
}
