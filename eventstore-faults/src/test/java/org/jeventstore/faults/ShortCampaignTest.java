package org.jeventstore.faults;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The short fault campaign that runs in every build: fixed seeds (so a red build replays exactly), 30 s of faults
 * each, every property of the checker. The long campaign is {@code mvn verify -Pchaos -pl eventstore-faults -am}.
 */
class ShortCampaignTest {

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {20261207L, 424242L})
    @Timeout(240)
    void no_property_is_violated_under_the_seeds_faults(long seed) throws Exception {
        Campaign.Result result = Campaign.run(Campaign.Settings.of(seed, Duration.ofSeconds(30)));
        System.out.println(result.report());

        assertThat(result.faults().values().stream().mapToInt(Integer::intValue).sum())
                .as("faults injected").isGreaterThan(10);
        assertThat(result.counts().get("events in $all")).as("events appended").isGreaterThan(500);
        assertThat(result.verdicts()).as("properties checked").hasSizeGreaterThan(20);
        assertThat(result.ok()).as(result.report()).isTrue();
    }
}
