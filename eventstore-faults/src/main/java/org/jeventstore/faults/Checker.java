package org.jeventstore.faults;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * Checks the recorded {@link History} against the database's final state, one named property at a time. Each
 * property is a guarantee README makes; its verdict says how many things it checked and, when it fails, the first
 * violations with what the history shows. A property is never weakened to let a fault pass: where the design
 * documents an exception (a call still running when its holding was cut by a fault, a redelivery after an
 * operator's reset), the exception is written out here and applies to exactly that case.
 */
final class Checker {

    /** One property's verdict. */
    record Verdict(String property, long checked, List<String> violations) {
        boolean ok() {
            return violations.isEmpty();
        }
    }

    /** The store as it is after the run (read with plain SQL). */
    record FinalState(long head, Map<Long, UUID> allPositions, Map<UUID, Long> positionOf,
                      Map<UUID, Integer> timesInAll, Map<String, TreeMap<Long, UUID>> streams,
                      Map<UUID, String> streamOf, Map<UUID, Long> versionOf, Set<UUID> stored,
                      Map<String, Map<UUID, String>> parked, long unlinked, long setAside) {
    }

    private static final int MAX_SHOWN = 8;
    private static final long TIMEOUT_NANOS = Workload.HANDLER_TIMEOUT.toNanos();

    private final History history;
    private final FinalState state;
    private final List<Verdict> verdicts = new ArrayList<>();
    /** Per server: times at which a fault could end its holdings without its knowing at once. */
    private final Map<String, List<long[]>> cuts = new HashMap<>();
    private final List<History.Action> resets;
    private final List<Long> rollingChanges;

    Checker(History history, FinalState state) {
        this.history = history;
        this.state = state;
        for (History.Action a : history.actions) {
            boolean cut = switch (a.kind()) {
                case "crash", "terminate-listen", "terminate-lock", "half-open" -> true;
                case "cancel" -> a.detail().endsWith("-listen");
                default -> false;
            };
            if (cut) {
                cuts.computeIfAbsent(a.target(), k -> new ArrayList<>()).add(new long[] {a.startNanos(), a.endNanos()});
            }
            if (a.kind().equals("pg-restart") || a.kind().equals("pg-up")) {
                for (String server : serverNames()) {
                    cuts.computeIfAbsent(server, k -> new ArrayList<>()).add(new long[] {a.startNanos(), a.endNanos()});
                }
            }
        }
        resets = history.actions.stream().filter(a -> a.kind().equals("reset") && a.result().equals("RESET"))
                .sorted(Comparator.comparingLong(History.Action::startNanos)).toList();
        rollingChanges = history.actions.stream().filter(a -> a.kind().equals("rolling-change"))
                .map(History.Action::startNanos).sorted().toList();
    }

    private Set<String> serverNames() {
        Set<String> names = new HashSet<>();
        history.deliveries.forEach(d -> names.add(d.server()));
        history.appends.forEach(a -> names.add(a.server()));
        return names;
    }

    List<Verdict> check(Map<String, Long> liveness, long livenessBoundMillis) {
        appends();
        all();
        for (String sub : Workload.SUBSCRIPTIONS) {
            subscription(sub);
        }
        checkpoints();
        parking();
        transients();
        liveness(liveness, livenessBoundMillis);
        return verdicts;
    }

    private void verdict(String property, long checked, List<String> violations) {
        verdicts.add(new Verdict(property, checked,
                violations.size() > MAX_SHOWN ? List.copyOf(violations.subList(0, MAX_SHOWN))
                        : List.copyOf(violations)));
        if (violations.size() > MAX_SHOWN) {
            verdicts.set(verdicts.size() - 1, new Verdict(property, checked, withMore(violations)));
        }
    }

    private static List<String> withMore(List<String> violations) {
        List<String> shown = new ArrayList<>(violations.subList(0, MAX_SHOWN));
        shown.add("... and " + (violations.size() - MAX_SHOWN) + " more");
        return shown;
    }

    // ------------------------------------------------------------------------------------------ appends, $all

    private void appends() {
        List<String> durable = new ArrayList<>();
        List<String> unlinked = new ArrayList<>();
        List<String> refused = new ArrayList<>();
        List<String> unknown = new ArrayList<>();
        List<String> links = new ArrayList<>();
        long ok = 0;
        long committed = 0;
        long refusedCount = 0;
        long unknownCount = 0;
        long linkCount = 0;
        for (History.Append a : history.appends) {
            if (a.link()) {
                if (a.outcome() == History.Outcome.OK) {
                    linkCount++;
                    TreeMap<Long, UUID> stream = state.streams().getOrDefault(a.stream(), new TreeMap<>());
                    if (!a.eventIds().get(0).equals(stream.get(a.lastVersion()))) {
                        links.add("link of " + a.eventIds() + " to '" + a.stream() + "' returned version "
                                + a.lastVersion() + ", which holds " + stream.get(a.lastVersion()));
                    }
                }
                continue;
            }
            switch (a.outcome()) {
                case OK -> {
                    ok++;
                    String problem = inStreamAndAllOnce(a, true);
                    if (problem != null) {
                        durable.add(problem);
                    }
                }
                case COMMITTED_UNLINKED -> {
                    committed++;
                    String problem = inStreamAndAllOnce(a, false);
                    if (problem != null) {
                        unlinked.add(problem);
                    }
                }
                case REFUSED -> {
                    refusedCount++;
                    for (UUID id : a.eventIds()) {
                        if (state.stored().contains(id)) {
                            refused.add("append to '" + a.stream() + "' refused (" + a.error() + ") but event " + id
                                    + " is stored");
                        }
                    }
                }
                case UNKNOWN -> {
                    unknownCount++;
                    boolean any = a.eventIds().stream().anyMatch(state.stored()::contains);
                    boolean all = a.eventIds().stream().allMatch(state.stored()::contains);
                    if (any && !all) {
                        unknown.add("append to '" + a.stream() + "' (" + a.error() + ") half written: "
                                + a.eventIds().stream().filter(state.stored()::contains).count() + " of "
                                + a.eventIds().size() + " events stored");
                    } else if (all) {
                        for (UUID id : a.eventIds()) {
                            if (state.timesInAll().getOrDefault(id, 0) != 1) {
                                unknown.add("event " + id + " of an append to '" + a.stream() + "' with unknown outcome"
                                        + " is stored but " + state.timesInAll().getOrDefault(id, 0) + " times in $all");
                            }
                        }
                    }
                }
                default -> throw new IllegalStateException();
            }
        }
        verdict("append.acknowledged-in-stream-and-all-once", ok, durable);
        verdict("append.committed-unlinked-reaches-all", committed, unlinked);
        verdict("append.refused-wrote-nothing", refusedCount, refused);
        verdict("append.unknown-outcome-all-or-nothing", unknownCount, unknown);
        verdict("link.at-returned-version", linkCount, links);
    }

    /** Null when the append's events are at its versions in its stream and once in $all (at its positions). */
    private String inStreamAndAllOnce(History.Append a, boolean checkPositions) {
        TreeMap<Long, UUID> stream = state.streams().getOrDefault(a.stream(), new TreeMap<>());
        for (int i = 0; i < a.eventIds().size(); i++) {
            UUID id = a.eventIds().get(i);
            long version = a.firstVersion() + i;
            if (!id.equals(stream.get(version))) {
                return "append to '" + a.stream() + "' acknowledged versions " + a.firstVersion() + "-"
                        + a.lastVersion() + " but version " + version + " holds " + stream.get(version)
                        + " instead of " + id;
            }
            int times = state.timesInAll().getOrDefault(id, 0);
            if (times != 1) {
                return "event " + id + " (append to '" + a.stream() + "', version " + version + ") is " + times
                        + " times in $all";
            }
            if (checkPositions && a.firstPosition() > 0 && state.positionOf().get(id) != a.firstPosition() + i) {
                return "event " + id + " was acknowledged at $all position " + (a.firstPosition() + i) + " but is at "
                        + state.positionOf().get(id);
            }
        }
        return null;
    }

    private void all() {
        List<String> gaps = new ArrayList<>();
        for (long p = 1; p <= state.head(); p++) {
            if (!state.allPositions().containsKey(p)) {
                gaps.add("$all position " + p + " is missing (head " + state.head() + ")");
            }
        }
        if (state.allPositions().size() != state.head()) {
            gaps.add("$all has " + state.allPositions().size() + " rows for head " + state.head());
        }
        state.timesInAll().forEach((id, n) -> {
            if (n > 1) {
                gaps.add("event " + id + " is " + n + " times in $all");
            }
        });
        verdict("all.gapless-each-event-once", state.head(), gaps);

        List<String> changed = new ArrayList<>();
        Set<Long> seen = new HashSet<>();
        long maxSeen = 0;
        for (History.Observed o : history.observed) {
            seen.add(o.position());
            maxSeen = Math.max(maxSeen, o.position());
            UUID now = state.allPositions().get(o.position());
            if (!o.eventId().equals(now)) {
                changed.add("$all position " + o.position() + " was read as " + o.eventId() + ", is now " + now);
            }
        }
        verdict("all.observed-position-never-changes", history.observed.size(), changed);
        List<String> skipped = new ArrayList<>();
        for (long p = 1; p <= maxSeen; p++) {
            if (!seen.contains(p)) {
                skipped.add("a reader reading $all forward passed position " + p + " without seeing it");
            }
        }
        verdict("all.reader-never-skips", maxSeen, skipped);

        List<String> order = new ArrayList<>();
        long streamsChecked = 0;
        for (Map.Entry<String, TreeMap<Long, UUID>> s : state.streams().entrySet()) {
            if (s.getKey().startsWith("l-")) {
                continue; // links add nothing to $all
            }
            streamsChecked++;
            long last = 0;
            long lastVersion = 0;
            for (Map.Entry<Long, UUID> e : s.getValue().entrySet()) {
                Long position = state.positionOf().get(e.getValue());
                if (position == null) {
                    continue; // reported by the append properties
                }
                if (position < last) {
                    order.add("stream '" + s.getKey() + "': version " + e.getKey() + " is at $all " + position
                            + ", before version " + lastVersion + " at " + last);
                }
                last = position;
                lastVersion = e.getKey();
            }
        }
        verdict("all.stream-order", streamsChecked, order);

        List<String> causes = new ArrayList<>();
        long causal = 0;
        for (History.Append a : history.appends) {
            if (a.causeId() == null || !state.stored().contains(a.eventIds().get(0))) {
                continue;
            }
            causal++;
            Long cause = state.positionOf().get(a.causeId());
            Long effect = state.positionOf().get(a.eventIds().get(0));
            if (cause == null || effect == null || effect <= cause) {
                causes.add("an append to '" + a.stream() + "' made after reading event " + a.causeId() + " ($all "
                        + cause + ") is at $all " + effect);
            }
        }
        verdict("all.cause-before-effect", causal, causes);
    }

    // ------------------------------------------------------------------------------------------ subscriptions

    private static Object key(String subscription, History.Delivery d) {
        return subscription.equals(Workload.PARTITIONED) ? d.stream() : "";
    }

    private void subscription(String sub) {
        List<History.Delivery> mine = history.deliveries.stream().filter(d -> d.subscription().equals(sub))
                .sorted(Comparator.comparingLong(History.Delivery::startNanos)).toList();
        History.Action lastReset = sub.equals(Workload.SINGLE) && !resets.isEmpty() ? resets.get(resets.size() - 1)
                : null;

        // every event of its range delivered and acknowledged
        Map<Long, Boolean> okAfter = new HashMap<>();
        for (History.Delivery d : mine) {
            if (d.ok() && (lastReset == null || d.eventNumber() <= Long.parseLong(lastReset.detail())
                    || d.startNanos() > lastReset.endNanos())) {
                okAfter.put(d.eventNumber(), true);
            }
        }
        List<String> missing = new ArrayList<>();
        long from = lastReset == null ? 1 : Long.parseLong(lastReset.detail()) + 1;
        for (long p = from; p <= state.head(); p++) {
            UUID id = state.allPositions().get(p);
            if (sub.equals(Workload.PARKING) && id != null && state.parked().getOrDefault(sub, Map.of()).containsKey(id)) {
                continue; // parked: checked by the parking properties
            }
            if (!okAfter.containsKey(p)) {
                missing.add("$all position " + p + " (" + id + ", stream '" + state.streamOf().get(id) + "') was"
                        + " never acknowledged by a handler" + (lastReset == null ? "" : " after the last reset"));
            }
        }
        verdict("subscription." + sub + ".every-event-delivered", state.head() - from + 1, missing);

        // each call got the event that $all holds at its position (the redelivery bound counts by position)
        List<String> misplaced = new ArrayList<>();
        for (History.Delivery d : mine) {
            UUID atPosition = state.allPositions().get(d.eventNumber());
            if (!d.eventId().equals(atPosition)) {
                misplaced.add(sub + ": " + d.server() + " (" + d.row() + " epoch " + d.epoch() + ") delivered event "
                        + d.eventId() + " as $all position " + d.eventNumber() + ", where $all holds " + atPosition);
            }
        }
        verdict("subscription." + sub + ".delivers-what-all-holds", mine.size(), misplaced);

        if (sub.equals(Workload.SINGLE) && !resets.isEmpty()) { // the nemesis resets `single` only
            List<String> honoured = new ArrayList<>();
            for (History.Action r : resets) {
                long p = Long.parseLong(r.detail()) + 1;
                if (p > state.head()) {
                    continue;
                }
                boolean again = mine.stream().anyMatch(d -> d.eventNumber() == p && d.startNanos() > r.endNanos());
                if (!again) {
                    honoured.add("reset to " + (p - 1) + " answered RESET, but event " + p
                            + " was not delivered after it");
                }
            }
            verdict("subscription." + sub + ".reset-honoured", resets.size(), honoured);
        }

        if (!sub.equals(Workload.ASYNC) && !sub.equals(Workload.COMPETING)) {
            verdict("subscription." + sub + ".no-key-in-two-calls-at-once", mine.size(), overlaps(sub, mine));
        }
        if (!sub.equals(Workload.COMPETING)) { // competing subscribers without a key: no order promised
            verdict("subscription." + sub + ".key-order-within-a-holding", mine.size(), order(sub, mine));
        }
        verdict("subscription." + sub + ".redelivery-within-bound", mine.size(), redeliveries(sub, mine));
    }

    /**
     * Two calls for one key that overlap in time: allowed only when the earlier one outlived its holding because a
     * fault cut that holding (its server crashed, its lock session or the database went away) or its own deadline
     * abandoned it, and the later one belongs to a newer holding of the same row (a higher epoch).
     */
    private List<String> overlaps(String sub, List<History.Delivery> mine) {
        Map<Object, List<History.Delivery>> byKey = mine.stream()
                .collect(Collectors.groupingBy(d -> key(sub, d), java.util.LinkedHashMap::new, Collectors.toList()));
        List<String> out = new ArrayList<>();
        for (List<History.Delivery> calls : byKey.values()) {
            List<History.Delivery> open = new ArrayList<>();
            for (History.Delivery d : calls) {
                open.removeIf(o -> o.endNanos() <= d.startNanos());
                for (History.Delivery o : open) {
                    if (!excused(o, d)) {
                        out.add(sub + ": event " + d.eventNumber() + " ('" + d.stream() + "') started on " + d.server()
                                + "/" + d.consumer() + " (" + d.row() + " epoch " + d.epoch() + ") while event "
                                + o.eventNumber() + " of the same key ran on " + o.server() + "/" + o.consumer() + " ("
                                + o.row() + " epoch " + o.epoch() + ", started "
                                + TimeUnit.NANOSECONDS.toMillis(d.startNanos() - o.startNanos()) + " ms before)");
                    }
                }
                open.add(d);
            }
        }
        return out;
    }

    private boolean excused(History.Delivery earlier, History.Delivery later) {
        boolean newerHolding = !earlier.row().equals(later.row()) || later.epoch() > earlier.epoch();
        if (!newerHolding) {
            return false;
        }
        if (later.startNanos() - earlier.startNanos() >= TIMEOUT_NANOS) {
            return true; // the earlier call ran past its deadline: abandoned, its holding ended
        }
        for (long[] cut : cuts.getOrDefault(earlier.server(), List.of())) {
            if (cut[1] >= earlier.startNanos() - TimeUnit.SECONDS.toNanos(1) && cut[0] <= later.startNanos()) {
                return true;
            }
        }
        return false;
    }

    /**
     * Within one holding of one row, a key's calls start in event order (a retry repeats an event). Parked events
     * are left out: an operator's replay delivers them again, after later ones, by design.
     */
    private List<String> order(String sub, List<History.Delivery> mine) {
        Map<String, Long> last = new HashMap<>();
        Map<String, Set<Long>> started = new HashMap<>();
        Set<UUID> parked = state.parked().getOrDefault(sub, Map.of()).keySet();
        List<String> out = new ArrayList<>();
        for (History.Delivery d : mine) {
            if (parked.contains(d.eventId())) {
                continue;
            }
            String k = d.row() + "@" + d.epoch() + "/" + key(sub, d);
            Set<Long> seen = started.computeIfAbsent(k, x -> new HashSet<>());
            if (!seen.add(d.eventNumber())) {
                continue; // a retry of an event this holding tried before
            }
            Long before = last.get(k);
            if (before != null && d.eventNumber() < before) {
                out.add(sub + ": in holding " + d.row() + " epoch " + d.epoch() + ", event " + d.eventNumber() + " ('"
                        + d.stream() + "') started after event " + before + " of the same key");
            }
            last.put(k, d.eventNumber());
        }
        return out;
    }

    /**
     * A new holding of a row redelivers at most {@code 2 * checkpointThreshold - 2} events that an earlier holding
     * of that row had acknowledged, plus those that were in flight: at most the subscribers' buffers of the server
     * that held it (README, "Redelivery bound"). Not checked for a holding that began after an operator's reset or a
     * rolling change of the partition count, which redeliver by design.
     */
    private List<String> redeliveries(String sub, List<History.Delivery> mine) {
        int inFlight = switch (sub) {
            case Workload.ASYNC -> 4; // the largest asyncBuffer a rolling change sets
            case Workload.PARTITIONED -> Workload.CONSUMERS;
            case Workload.COMPETING -> Workload.CONSUMERS * Workload.COMPETING_BUFFER;
            default -> 1;
        };
        int bound = 2 * Workload.CHECKPOINT_THRESHOLD - 2 + inFlight;
        Map<String, Set<Long>> ackedBefore = new HashMap<>();
        // who acknowledged each event last (server, epoch, when): what a violation names, to be traced in the log
        Map<String, Map<Long, History.Delivery>> ackedBy = new HashMap<>();
        Map<String, Long> currentEpoch = new HashMap<>();
        Map<String, Long> epochStart = new HashMap<>();
        Map<String, Set<Long>> again = new HashMap<>();
        Set<UUID> parked = state.parked().getOrDefault(sub, Map.of()).keySet();
        List<String> out = new ArrayList<>();
        for (History.Delivery d : mine) {
            String row = d.row();
            Long epoch = currentEpoch.get(row);
            if (epoch == null || d.epoch() > epoch) {
                currentEpoch.put(row, d.epoch());
                epochStart.put(row, d.startNanos());
                again.put(row, new HashSet<>());
            }
            if (d.epoch() < currentEpoch.get(row)) {
                continue; // a call of an older holding still running (cut or abandoned)
            }
            Set<Long> acked = ackedBefore.computeIfAbsent(row, x -> new HashSet<>());
            boolean exempt = excusedRedelivery(sub, epochStart.get(row)) || parked.contains(d.eventId());
            if (!exempt && acked.contains(d.eventNumber()) && d.epoch() == currentEpoch.get(row)) {
                Set<Long> redelivered = again.get(row);
                if (redelivered.add(d.eventNumber()) && redelivered.size() == bound + 1) {
                    out.add(sub + ": holding " + row + " epoch " + d.epoch() + " (on " + d.consumer() + ", first"
                            + " delivery " + millis(epochStart.get(row)) + ") redelivered more than " + bound
                            + " events an earlier holding had acknowledged (2 x threshold "
                            + Workload.CHECKPOINT_THRESHOLD + " - 1 + " + inFlight + " in flight): "
                            + acknowledgers(redelivered, ackedBy.get(row)));
                }
            }
            if (d.ok()) {
                acked.add(d.eventNumber());
                ackedBy.computeIfAbsent(row, x -> new HashMap<>()).put(d.eventNumber(), d);
            }
        }
        return out;
    }

    /** A System.nanoTime of this run as the wall-clock time the servers' log shows (UTC, HH:mm:ss.SSS). */
    static String millis(long nanos) {
        long wall = System.currentTimeMillis() - (System.nanoTime() - nanos) / 1_000_000;
        return java.time.format.DateTimeFormatter.ofPattern("HH:mm:ss.SSS").withZone(java.time.ZoneOffset.UTC)
                .format(java.time.Instant.ofEpochMilli(wall));
    }

    /** Each redelivered event with who acknowledged it before: server, epoch, when the call started and ended. */
    private String acknowledgers(Set<Long> events, Map<Long, History.Delivery> by) {
        StringBuilder b = new StringBuilder();
        events.stream().sorted().forEach(n -> {
            History.Delivery a = by.get(n);
            b.append(b.length() == 0 ? "" : "; ").append(n).append(" acked by ").append(a.consumer()).append(" epoch ")
                    .append(a.epoch()).append(" ").append(millis(a.startNanos())).append("-")
                    .append(millis(a.endNanos()));
        });
        return b.toString();
    }

    private boolean excusedRedelivery(String sub, long holdingStart) {
        if (sub.equals(Workload.SINGLE)) {
            for (History.Action r : resets) {
                if (r.startNanos() <= holdingStart) {
                    return true;
                }
            }
        }
        if (sub.equals(Workload.PARTITIONED) || sub.equals(Workload.ASYNC)) {
            for (long t : rollingChanges) {
                if (t <= holdingStart) {
                    return true;
                }
            }
        }
        return false;
    }

    private void checkpoints() {
        Map<String, History.Checkpoint> last = new HashMap<>();
        List<String> out = new ArrayList<>();
        List<History.Checkpoint> samples = history.checkpoints.stream()
                .sorted(Comparator.comparingLong(History.Checkpoint::nanos)).toList();
        for (History.Checkpoint c : samples) {
            History.Checkpoint before = last.put(c.row(), c);
            if (before != null && c.value() < before.value() && !resetBetween(c.row(), before.nanos(), c.nanos())) {
                out.add("checkpoint of '" + c.row() + "' moved back from " + before.value() + " to " + c.value()
                        + " with no operator reset in between");
            }
        }
        verdict("checkpoint.never-moves-back-except-by-reset", samples.size(), out);
    }

    private boolean resetBetween(String row, long from, long to) {
        String family = org.jeventstore.subscriptions.PartitionName.familyOf(row);
        if (family.equals(Workload.SINGLE)) {
            return resets.stream().anyMatch(r -> r.endNanos() >= from && r.startNanos() <= to);
        }
        if (family.equals(Workload.PARTITIONED)) {
            return rollingChanges.stream().anyMatch(t -> t <= to); // a new partition count starts at the low-water mark
        }
        return false;
    }

    // ------------------------------------------------------------------------------------------ parking, transients

    private void parking() {
        Map<UUID, String> parked = state.parked().getOrDefault(Workload.PARKING, Map.of());
        List<String> out = new ArrayList<>();
        long poison = 0;
        Set<UUID> failedOnce = history.deliveries.stream()
                .filter(d -> d.subscription().equals(Workload.PARKING) && !d.ok()).map(History.Delivery::eventId)
                .collect(Collectors.toSet());
        for (History.Append a : history.appends) {
            if (a.link() || !a.stream().startsWith("p-") || !state.stored().contains(a.eventIds().get(0))) {
                continue;
            }
            UUID id = a.eventIds().get(0);
            Long position = state.positionOf().get(id);
            if (position == null) {
                continue; // reported by the $all properties
            }
            poison++;
            if (!parked.containsKey(id)) {
                out.add("poison event " + id + " ($all " + position + ") is not parked");
            } else if (!failedOnce.contains(id)) {
                out.add("poison event " + id + " is parked without a failed delivery recorded (acknowledged unseen)");
            }
        }
        Map<UUID, Long> failures = history.deliveries.stream()
                .filter(d -> d.subscription().equals(Workload.PARKING) && !d.ok())
                .collect(Collectors.groupingBy(History.Delivery::eventId, Collectors.counting()));
        for (Map.Entry<UUID, String> p : parked.entrySet()) {
            String stream = state.streamOf().get(p.getKey());
            if (stream == null || stream.startsWith("p-") || p.getValue().endsWith(" held")) {
                continue; // poison (checked above), gone, or parked unhandled behind a parked event of its key
            }
            if (failures.getOrDefault(p.getKey(), 0L) < Workload.PARKING_ATTEMPTS) {
                out.add("event " + p.getKey() + " of stream '" + stream + "' is parked (" + p.getValue() + ") after "
                        + failures.getOrDefault(p.getKey(), 0L) + " failed deliveries (maxAttempts "
                        + Workload.PARKING_ATTEMPTS + ")");
            }
        }
        verdict("parking.poison-parked-nothing-unseen", poison, out);

        List<String> skips = new ArrayList<>();
        long skipped = 0;
        for (History.Action a : history.actions) {
            if (a.kind().equals("skip-parked") && a.result().equals("SKIPPED")) {
                skipped++;
                String status = parked.get(UUID.fromString(a.detail()));
                if (!"skipped".equals(status)) {
                    skips.add("parked event " + a.detail() + " was skipped by an operator but is now " + status);
                }
            }
        }
        verdict("parking.skip-is-final", skipped, skips);
    }

    private void transients() {
        Map<String, Long> last = new HashMap<>();
        List<String> out = new ArrayList<>();
        for (History.Live l : history.live) {
            String k = l.server() + "#" + l.instance();
            Long before = last.put(k, l.position());
            if (before != null && l.position() <= before) {
                out.add("transient subscription " + k + " got $all " + l.position() + " after " + before);
            }
        }
        verdict("transient.in-order-no-duplicates", history.live.size(), out);
    }

    private void liveness(Map<String, Long> measured, long boundMillis) {
        List<String> out = new ArrayList<>();
        measured.forEach((what, millis) -> {
            if (millis < 0 || millis > boundMillis) {
                out.add(what + (millis < 0 ? " never happened" : " took " + millis + " ms") + " (bound " + boundMillis
                        + " ms after the faults stopped)");
            }
        });
        if (state.unlinked() > 0 || state.setAside() > 0) {
            out.add(state.unlinked() + " appends still wait for $all and " + state.setAside() + " were set aside");
        }
        verdict("liveness.catch-up-after-faults", measured.size(), out);
    }
}
