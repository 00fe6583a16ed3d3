package org.jeventstore.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.arquillian.container.test.api.RunAsClient;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.jboss.shrinkwrap.api.asset.StringAsset;
import org.jboss.shrinkwrap.api.spec.EnterpriseArchive;
import org.jeventstore.testkit.DevUsers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Parking in the server: an annotated subscription given max-attempts by MicroProfile Config parks its poison
 * event; operators list it (reader), replay and skip (admin only) over HTTP; readiness counts parked events.
 */
@ExtendWith(ArquillianExtension.class)
@RunAsClient
class ParkingIT {

    @Deployment(testable = false)
    static EnterpriseArchive deployment() {
        return Deployments.earWith(new StringAsset("eventstore.subscription.it-parking.max-attempts=2\n"
                + "eventstore.subscription.it-parking.on-exhausted=park\n"), ParkingBeans.class);
    }

    static final String STREAM = "it-parking-stream";
    static final String PARKED = "/api/ops/subscriptions/parked?stream=" + STREAM + "&name=it-parking";
    static final String REPLAY = "/api/admin/subscriptions/parked/replay?stream=" + STREAM + "&name=it-parking";

    final Http http = Http.local(Integer.getInteger("arquillian.http.port", 9081));

    private String parked() {
        Http.Response r = http.get(PARKED, DevUsers.READER.basicAuth());
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        return r.body();
    }

    private String append(String json) {
        String id = java.util.UUID.randomUUID().toString();
        Http.Response r = http.post("/api/streams/" + STREAM, DevUsers.WRITER.basicAuth(),
                "[{\"eventId\":\"" + id + "\",\"eventType\":\"parking\",\"data\":" + json + "}]");
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        return id;
    }

    @Test
    @Timeout(120)
    void a_poison_event_is_parked_listed_replayed_and_skipped_over_http_with_the_roles_that_allow_it() {
        String poison = append("{\"flaky\":true}");
        append("{\"flaky\":false}");
        await().atMost(Duration.ofSeconds(60)).until(() -> parked().contains(poison));
        assertThat(parked()).contains("\"status\":\"parked\"").contains("\"attempts\":2")
                .contains("java.lang.IllegalStateException").contains("flaky projection fails on event ");
        // (JSON-B writes properties in lexicographic order)
        await().atMost(Duration.ofSeconds(30)).until(() -> http.get("/api/ops/subscriptions",
                DevUsers.READER.basicAuth()).body().contains("\"name\":\"it-parking\",\"parked\":1"));
        assertThat(http.get("/health/ready", null).body()).contains("\"parked-events\":1");
        assertThat(http.get("/api/ops/subscriptions/parked?stream=" + STREAM + "&name=none",
                DevUsers.READER.basicAuth()).status()).isEqualTo(404);

        assertThat(http.post(REPLAY, DevUsers.WRITER.basicAuth(), "{}").status()).isEqualTo(403);
        assertThat(http.post(REPLAY, null, "{}").status()).isEqualTo(401);
        Http.Response replay = http.post(REPLAY, DevUsers.ADMIN.basicAuth(), "{}");
        assertThat(replay.status()).as(replay.body()).isEqualTo(200);
        assertThat(replay.body()).isEqualTo("{\"events\":1}");
        // the third try succeeds: the replayed event leaves the list
        await().atMost(Duration.ofSeconds(60)).until(() -> !parked().contains(poison));

        String second = append("{\"flaky\":true}");
        await().atMost(Duration.ofSeconds(60)).until(() -> parked().contains(second));
        String skip = "/api/admin/subscriptions/parked/skip?stream=" + STREAM + "&name=it-parking&event=" + second
                + "&reason=known%20bad%20import";
        assertThat(http.post(skip, DevUsers.READER.basicAuth(), "{}").status()).isEqualTo(403);
        Http.Response skipped = http.post(skip, DevUsers.ADMIN.basicAuth(), "{}");
        assertThat(skipped.status()).as(skipped.body()).isEqualTo(204);
        assertThat(parked()).contains("\"status\":\"skipped\"").contains("\"skipReason\":\"known bad import\"")
                .contains("\"skippedBy\":\"admin\"");
        assertThat(http.post(skip, DevUsers.ADMIN.basicAuth(), "{}").status()).as("already skipped").isEqualTo(404);
    }
}
