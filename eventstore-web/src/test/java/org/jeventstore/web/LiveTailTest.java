package org.jeventstore.web;

import static org.assertj.core.api.Assertions.assertThat;

import jakarta.ws.rs.sse.OutboundSseEvent;
import jakarta.ws.rs.sse.SseEventSink;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The live tail's bound on connections, under clients that ask at the same time. */
class LiveTailTest {

    /** The server's end of a tail whose client stays. */
    static final class OpenSink implements SseEventSink {
        @Override
        public boolean isClosed() {
            return false;
        }

        @Override
        public CompletionStage<?> send(OutboundSseEvent event) {
            return CompletableFuture.completedFuture(null);
        }

        @Override
        public void close() {
        }
    }

    @Test
    @Timeout(120)
    void never_more_tails_than_the_cap_when_clients_ask_for_the_last_place_at_the_same_moment() throws Exception {
        // as many racers as cores, each spinning until the start so that they ask within nanoseconds of each other
        int racers = Math.max(2, Runtime.getRuntime().availableProcessors());
        ExecutorService pool = Executors.newFixedThreadPool(racers);
        try {
            for (int round = 0; round < 2_000; round++) {
                LiveTail tail = new LiveTail();
                for (int i = 0; i < LiveTail.MAX_CONNECTIONS - 1; i++) {
                    assertThat(tail.open(new OpenSink(), null)).isTrue();
                }
                AtomicInteger ready = new AtomicInteger();
                AtomicBoolean go = new AtomicBoolean();
                List<Future<Boolean>> asked = new ArrayList<>();
                for (int i = 0; i < racers; i++) {
                    asked.add(pool.submit(() -> {
                        if (ready.incrementAndGet() == racers) {
                            go.set(true); // the last to arrive starts them all
                        }
                        while (!go.get()) {
                            Thread.onSpinWait();
                        }
                        return tail.open(new OpenSink(), null);
                    }));
                }
                int admitted = 0;
                for (Future<Boolean> a : asked) {
                    admitted += a.get() ? 1 : 0;
                }
                assertThat(admitted).as("clients admitted to the last place in round %d", round).isEqualTo(1);
                assertThat(tail.connections()).as("connections after round %d", round)
                        .isEqualTo(LiveTail.MAX_CONNECTIONS);
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
