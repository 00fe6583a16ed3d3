package org.jeventstore.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.arquillian.container.test.api.RunAsClient;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.jboss.shrinkwrap.api.asset.StringAsset;
import org.jboss.shrinkwrap.api.spec.EnterpriseArchive;
import org.jeventstore.testkit.DevUsers;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The live tail's 32 connections on a quiet store: tails whose clients went away leave at the next heartbeat,
 * without any event to send, so new clients are not refused for good. A deployment of its own (heartbeat every
 * 500 ms), so that no other test's tail counts.
 */
@ExtendWith(ArquillianExtension.class)
@RunAsClient
@Timeout(120)
class LiveTailIT {

    static final int CAP = 32;

    @Deployment(testable = false)
    static EnterpriseArchive deployment() {
        return Deployments.earWith(new StringAsset("eventstore.http.live-heartbeat-ms=500\n"));
    }

    final List<Socket> tails = new ArrayList<>();

    @AfterEach
    void closeAll() throws IOException {
        for (Socket s : tails) {
            s.close();
        }
    }

    /** Opens {@code GET /api/live} on a socket of its own; true when the server took it, false when it refused. */
    boolean open() {
        Socket s = new Socket();
        try {
            s.connect(new InetSocketAddress("127.0.0.1", Integer.getInteger("arquillian.http.port", 9081)), 5_000);
            s.setSoTimeout(10_000);
            String request = "GET /api/live HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n"
                    + "Authorization: " + DevUsers.READER.basicAuth() + "\r\n\r\n";
            s.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
            String seen = readUntil(s.getInputStream(), "tail of $all", "event: refused");
            if (seen.contains("tail of $all")) {
                tails.add(s);
                return true;
            }
            s.close();
            return false;
        } catch (IOException e) {
            try {
                s.close();
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw new UncheckedIOException(e);
        }
    }

    /** What the server sent until one of {@code marks} (it writes each SSE event at once). */
    static String readUntil(InputStream in, String... marks) throws IOException {
        StringBuilder text = new StringBuilder();
        byte[] buffer = new byte[4096];
        while (true) {
            int n;
            try {
                n = in.read(buffer);
            } catch (SocketTimeoutException e) {
                throw new AssertionError("no tail and no refusal within 10 s: " + text, e);
            }
            if (n < 0) {
                throw new AssertionError("connection closed without a tail or a refusal: " + text);
            }
            text.append(new String(buffer, 0, n, StandardCharsets.UTF_8));
            for (String mark : marks) {
                if (text.indexOf(mark) >= 0) {
                    return text.toString();
                }
            }
        }
    }

    @Test
    void tails_whose_clients_left_make_room_at_the_next_heartbeat_without_any_event() throws IOException {
        for (int i = 0; i < CAP; i++) {
            assertThat(open()).as("tail %d", i + 1).isTrue();
        }
        assertThat(open()).as("tail %d", CAP + 1).isFalse();

        // four clients go away; nothing is appended, so only the heartbeat can find out
        for (int i = 0; i < 4; i++) {
            tails.remove(0).close();
        }
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200)).until(this::open);

        // exactly the four left: three more places, then full again
        for (int i = 0; i < 3; i++) {
            assertThat(open()).as("tail in a freed place").isTrue();
        }
        assertThat(open()).as("tail past the cap").isFalse();
    }
}
