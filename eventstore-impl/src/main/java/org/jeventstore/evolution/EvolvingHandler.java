package org.jeventstore.evolution;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.logging.Logger;
import org.jeventstore.FencingToken;
import org.jeventstore.RecordedEvent;
import org.jeventstore.SubscriptionHandler;
import org.jeventstore.SubscriptionOptions;
import org.jeventstore.SubscriptionOptions.UnknownTypes;
import org.jeventstore.UnknownEventTypeException;
import org.jeventstore.UpcastException;
import org.jeventstore.telemetry.Telemetry;

/**
 * A persistent subscription's handler as evolution needs it, between the subscription engine and the
 * application's handler. The engine works on stored events (one per event number: its checkpoints, attempts,
 * parking and partition keys count those); this handler turns each into what it is read as today and applies the
 * subscription's unknown-types policy:
 * <ul>
 *   <li>a stored event that a {@link org.jeventstore.MultiEventUpcaster} turns into several events is handled as
 *       one: the application's handler gets them one after the other (an asynchronous one: each once the stage of
 *       the one before completed), and the stored event is acknowledged when all were; a failure of any makes the
 *       whole stored event delivered again, its first events included (at least once, per stored event). The
 *       subscription's selector is applied to each of them;</li>
 *   <li>one turned into none is acknowledged without a call, counted (upcast_to_none): the upcaster saw it and
 *       decided it means nothing today, as a selector decides an event is not for a handler;</li>
 *   <li>an event of a type no class here reads is delivered ({@code DELIVER}), acknowledged and counted
 *       ({@code SKIP}, unknown_type), or refused with an {@link UnknownEventTypeException} ({@code FAIL}), before
 *       any of its stored event's events is delivered;</li>
 *   <li>an upcaster that fails refuses the stored event (an {@link UpcastException} naming it), like a failing
 *       handler: it is retried, and parked or halted with {@code maxAttempts}.</li>
 * </ul>
 */
public final class EvolvingHandler implements SubscriptionHandler {

    private static final Logger LOG = Logger.getLogger(EvolvingHandler.class.getName());

    private final SubscriptionHandler delegate;
    private final Evolution evolution;
    private final Predicate<RecordedEvent> selector;
    private final UnknownTypes policy;
    private final String streamId;
    private final String name;
    private final Telemetry telemetry;
    private final SkipCounts.Counts counts;
    /** Types whose skipping was logged already: once per type and subscription (bounded). */
    private final Set<String> logged = ConcurrentHashMap.newKeySet();

    private EvolvingHandler(SubscriptionHandler delegate, Evolution evolution, SubscriptionOptions options,
                            String streamId, String name, Telemetry telemetry, SkipCounts counts) {
        this.delegate = delegate;
        this.evolution = evolution;
        this.selector = options.selector();
        this.policy = options.unknownTypes();
        this.streamId = streamId;
        this.name = name;
        this.telemetry = telemetry;
        this.counts = counts.of(streamId, name);
    }

    /**
     * Whether a subscription with {@code options} needs this handler at all: only when upcasters may split or
     * drop events, or unknown types are not simply delivered (the default), does it change anything.
     */
    public static boolean needed(Evolution evolution, SubscriptionOptions options) {
        return evolution.expands() || options.unknownTypes() != UnknownTypes.DELIVER;
    }

    public static EvolvingHandler of(SubscriptionHandler delegate, Evolution evolution, SubscriptionOptions options,
                                     String streamId, String name, Telemetry telemetry, SkipCounts counts) {
        return new EvolvingHandler(delegate, evolution, options, streamId, name, telemetry, counts);
    }

    /**
     * {@code options} as the engine must see them: its selector passes the stored events an upcaster still has to
     * expand (this handler applies the selector to what they expand to), and its partition key of such an event
     * is the key of the first event it expands to (the stream id when none, or when the upcaster fails: the
     * handler then refuses it, so the key only places the refusal).
     */
    public SubscriptionOptions engineOptions(SubscriptionOptions options) {
        if (!evolution.expands()) {
            return options;
        }
        SubscriptionOptions out = options;
        if (selector != null) {
            out = out.selector(e -> evolution.pending(e) || selector.test(e));
        }
        Function<RecordedEvent, Object> key = options.partitionBy();
        if (key != null) {
            out = out.concurrency(options.concurrencyLimit(), e -> {
                if (!evolution.pending(e)) {
                    return key.apply(e);
                }
                try {
                    List<RecordedEvent> parts = evolution.expand(e);
                    return parts.isEmpty() ? e.streamId() : key.apply(parts.get(0));
                } catch (org.jeventstore.SerializationException failed) { // an UpcastException too
                    return e.streamId();
                }
            });
        }
        return out;
    }

    @Override
    public void handle(RecordedEvent event) {
        throw new IllegalStateException("an evolving subscription handler is called through handleAsync");
    }

    @Override
    public CompletionStage<?> handleAsync(RecordedEvent event, FencingToken token) throws Exception {
        if (!evolution.pending(event)) {
            // the usual case: one event as read (the engine applied the selector to it already)
            if (policy == UnknownTypes.DELIVER || evolution.knows(event.eventType())) {
                return delegate.handleAsync(event, token);
            }
            unknown(event);
            return null;
        }
        List<RecordedEvent> parts = evolution.expand(event);
        if (parts.isEmpty()) {
            counts.upcastToNone.increment();
            telemetry.skipped(streamId, name, "upcast_to_none");
            return null;
        }
        List<RecordedEvent> deliver = new ArrayList<>(parts.size());
        List<RecordedEvent> skip = new ArrayList<>(0);
        for (RecordedEvent part : parts) {
            if (selector != null && !selector.test(part)) {
                continue;
            }
            if (policy == UnknownTypes.DELIVER || evolution.knows(part.eventType())) {
                deliver.add(part);
            } else if (policy == UnknownTypes.FAIL) {
                unknown(part); // throws: nothing of this stored event has been delivered
            } else {
                skip.add(part);
            }
        }
        for (RecordedEvent part : skip) {
            unknown(part);
        }
        return inOrder(deliver, token);
    }

    /** Skips (counted) or refuses {@code event}, of a type no class reads. */
    private void unknown(RecordedEvent event) {
        String where = "subscription '" + name + "' on '" + streamId + "': event " + event.eventNumber()
                + " of stream '" + event.streamId() + "' (version " + event.streamVersion() + ", id " + event.eventId()
                + ") has type '" + event.eventType() + "'" + (event.eventType().equals(event.storedType()) ? ""
                : " (stored as '" + event.storedType() + "')") + ", which no class of this server reads";
        if (policy == UnknownTypes.FAIL) {
            throw new UnknownEventTypeException(where + "; its unknown-types policy is FAIL, so it is not"
                    + " acknowledged (register the class, an alias or an upcaster for the type, or choose SKIP or"
                    + " DELIVER)", event.eventType());
        }
        counts.unknownTypes.increment();
        telemetry.skipped(streamId, name, "unknown_type");
        if (logged.size() < 1_000 && logged.add(event.eventType())) {
            LOG.warning("JES0250W " + where + "; skipped and counted (unknown-types policy SKIP; further events of"
                    + " this type are counted, not logged)");
        }
    }

    /** The events one after the other; {@code null} when all were handled synchronously. */
    @SuppressWarnings("unchecked")
    private CompletionStage<?> inOrder(List<RecordedEvent> events, FencingToken token) throws Exception {
        CompletionStage<Object> stage = null;
        for (RecordedEvent event : events) {
            if (stage == null) {
                stage = (CompletionStage<Object>) delegate.handleAsync(event, token);
                continue;
            }
            stage = stage.thenCompose(done -> {
                try {
                    CompletionStage<?> next = delegate.handleAsync(event, token);
                    return next == null ? CompletableFuture.completedFuture(null) : (CompletionStage<Object>) next;
                } catch (Exception e) {
                    return CompletableFuture.failedFuture(e);
                }
            });
        }
        return stage;
    }
}
