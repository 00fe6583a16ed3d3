package org.jeventstore.cdi;

import java.util.Map;
import org.jeventstore.SubscriptionOptions;
import org.jeventstore.testsupport.Configs;

/**
 * The options MicroProfile Config gives the annotated subscription "billing" of $all. Here rather than in
 * testsupport: {@link AnnotatedSubscriptions} and {@link EventSubscriptionLiteral} are package-private.
 */
final class BillingConfig {

    static final String PREFIX = "eventstore.subscription.billing.";

    private BillingConfig() {
    }

    /** The options of "billing" under a Config holding only {@code values}. */
    static SubscriptionOptions options(Map<String, String> values) {
        return AnnotatedSubscriptions.options(new EventSubscriptionLiteral("billing", "$all"), PREFIX,
                Configs.config(values));
    }
}
