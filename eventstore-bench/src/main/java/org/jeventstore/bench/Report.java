package org.jeventstore.bench;

import jakarta.json.bind.Jsonb;
import jakarta.json.bind.JsonbBuilder;
import jakarta.json.bind.JsonbConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Collects every sample and writes {@code results.md} (a table with ratios and targets) and {@code results.json}. */
final class Report {

    /**
     * How a figure of the store is judged: against a baseline figure of the same workload, or a fixed limit.
     * {@code subject} is what is judged (usually the store), {@code baseline} what it is compared with.
     */
    record Goal(Kind kind, String figure, String subject, String baseline, double value) {
        enum Kind { INFO, RATIO_AT_LEAST, BELOW, AT_LEAST, WITHIN }

        /** The store's figure divided by the baseline's must be at least {@code min}. */
        static Goal ratio(String figure, String baseline, double min) {
            return new Goal(Kind.RATIO_AT_LEAST, figure, Workload.STORE, baseline, min);
        }

        /** {@code subject}'s figure divided by the baseline's must be at least {@code min}. */
        static Goal ratio(String figure, String subject, String baseline, double min) {
            return new Goal(Kind.RATIO_AT_LEAST, figure, subject, baseline, min);
        }

        /** The ratio to this baseline is shown, without a target. */
        static Goal info(String figure, String baseline) {
            return info(figure, Workload.STORE, baseline);
        }

        /** The ratio of {@code subject}'s figure to this baseline's is shown, without a target. */
        static Goal info(String figure, String subject, String baseline) {
            return new Goal(Kind.INFO, figure, subject, baseline, 0);
        }

        static Goal below(String figure, String subject, double limit) {
            return new Goal(Kind.BELOW, figure, subject, null, limit);
        }

        static Goal atLeast(String figure, String subject, double min) {
            return new Goal(Kind.AT_LEAST, figure, subject, null, min);
        }

        /** The store's figure may exceed the baseline's by at most {@code delta}. */
        static Goal within(String figure, String baseline, double delta) {
            return within(figure, Workload.STORE, baseline, delta);
        }

        /** {@code subject}'s figure may exceed the baseline's by at most {@code delta}. */
        static Goal within(String figure, String subject, String baseline, double delta) {
            return new Goal(Kind.WITHIN, figure, subject, baseline, delta);
        }

        String target() {
            return switch (kind) {
                case INFO -> "";
                case RATIO_AT_LEAST -> "≥ " + value + "× " + baseline;
                case BELOW -> figure + " < " + number(value);
                case AT_LEAST -> "≥ " + number(value) + " " + figure;
                case WITHIN -> figure + " within " + number(value) + " of " + baseline;
            };
        }
    }

    /** Samples of one figure (e.g. W1 / jeventstore / events/s), one per round. */
    record Figure(String workload, String subject, String name, List<Double> samples) {
        double median() {
            double[] s = samples.stream().mapToDouble(Double::doubleValue).sorted().toArray();
            return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
        }

        double min() {
            return samples.stream().mapToDouble(Double::doubleValue).min().orElseThrow();
        }

        double max() {
            return samples.stream().mapToDouble(Double::doubleValue).max().orElseThrow();
        }
    }

    private final List<Workload> workloads = new ArrayList<>();
    private final Map<String, Figure> figures = new LinkedHashMap<>();
    private final Map<String, String> failures = new LinkedHashMap<>();
    private final Map<String, Object> run = new LinkedHashMap<>();

    void workload(Workload w) {
        workloads.add(w);
    }

    void add(Workload w, String subject, Map<String, Double> values) {
        values.entrySet().forEach(e -> figures
                .computeIfAbsent(w.id + "|" + subject + "|" + e.getKey(),
                        k -> new Figure(w.id, subject, e.getKey(), new ArrayList<>()))
                .samples().add(e.getValue()));
    }

    void failed(Workload w, Exception e) {
        failures.put(w.id, e.toString());
    }

    boolean hasFailures() {
        return !failures.isEmpty();
    }

    /** Facts about the run (mode, PostgreSQL version and settings, machine), kept in the order given. */
    void fact(String key, Object value) {
        run.put(key, value);
    }

    private Figure figure(String workload, String subject, String name) {
        return figures.get(workload + "|" + subject + "|" + name);
    }

    /** The verdict of a goal with its numbers, e.g. "0.52× jdbc+notify" and whether the target is met. */
    private record Verdict(Goal goal, Double value, Boolean met) {
    }

    private Verdict judge(Workload w, Goal g) {
        Figure ours = figure(w.id, g.subject(), g.figure());
        Figure base = g.baseline() == null ? null : figure(w.id, g.baseline(), g.figure());
        if (ours == null || (g.baseline() != null && base == null)) {
            return new Verdict(g, null, null);
        }
        double v = ours.median();
        return switch (g.kind()) {
            case INFO -> new Verdict(g, v / base.median(), null);
            case RATIO_AT_LEAST -> new Verdict(g, v / base.median(), v / base.median() >= g.value());
            case BELOW -> new Verdict(g, v, v < g.value());
            case AT_LEAST -> new Verdict(g, v, v >= g.value());
            case WITHIN -> new Verdict(g, v - base.median(), v - base.median() <= g.value());
        };
    }

    void write(Path dir) throws IOException {
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("results.md"), markdown());
        JsonbConfig config = new JsonbConfig().withFormatting(true);
        try (Jsonb jsonb = JsonbBuilder.create(config)) {
            Files.writeString(dir.resolve("results.json"), jsonb.toJson(json()) + "\n");
        } catch (Exception e) {
            throw new IOException("could not write results.json", e);
        }
    }

    String markdown() {
        StringBuilder md = new StringBuilder("# jeventstore benchmark results\n\n");
        run.forEach((k, v) -> md.append("- ").append(k).append(": ").append(v instanceof Map<?, ?> m
                ? m.toString().replaceAll("[{}]", "") : v).append('\n'));
        md.append("\nMedian of the rounds, min – max across them. Ratios are the store's median over the baseline's"
                + " (for ms and MB figures a ratio above 1 means slower or bigger).\n\n");
        md.append("| workload | measured | figure | median | min – max | vs baseline | target |\n");
        md.append("|---|---|---|---|---|---|---|\n");
        for (Workload w : workloads) {
            String head = w.id + " " + w.title;
            List<Figure> own = figures.values().stream().filter(f -> f.workload().equals(w.id)).toList();
            for (Figure f : own) {
                List<String> ratios = new ArrayList<>();
                List<String> targets = new ArrayList<>();
                for (Goal g : w.goals()) {
                    if (!g.subject().equals(f.subject()) || !g.figure().equals(f.name())) {
                        continue;
                    }
                    Verdict v = judge(w, g);
                    if (g.baseline() != null && v.value() != null) {
                        ratios.add(g.kind() == Goal.Kind.WITHIN
                                ? (v.value() < 0 ? "" : "+") + number(v.value()) + " ms vs " + g.baseline()
                                : String.format(Locale.ROOT, "%.2f× %s", v.value(), g.baseline()));
                    }
                    if (g.kind() != Goal.Kind.INFO) {
                        targets.add(g.target() + ": " + (v.met() ? "met" : "**not met**"));
                    }
                }
                md.append(String.format("| %s | %s | %s | %s | %s – %s | %s | %s |%n", head, f.subject(), f.name(),
                        number(f.median()), number(f.min()), number(f.max()), String.join(", ", ratios),
                        String.join(", ", targets)));
                head = "";
            }
            for (Goal g : w.goals()) {
                if (g.kind() != Goal.Kind.INFO && figure(w.id, g.subject(), g.figure()) == null) {
                    md.append(String.format("| %s | %s | %s | not measured yet | | | %s |%n", head, g.subject(),
                            g.figure(), g.target()));
                    head = "";
                }
            }
            if (w.pending() != null) {
                md.append(String.format("| %s | | | | | | pending: %s |%n", head, w.pending()));
            }
            if (failures.containsKey(w.id)) {
                md.append(String.format("| %s | | | | | | **failed**: %s |%n", head, failures.get(w.id)));
            }
        }
        return md.toString();
    }

    private Map<String, Object> json() {
        Map<String, Object> root = new LinkedHashMap<>(run);
        List<Object> list = new ArrayList<>();
        for (Figure f : figures.values()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("workload", f.workload());
            m.put("subject", f.subject());
            m.put("figure", f.name());
            m.put("median", round(f.median()));
            m.put("min", round(f.min()));
            m.put("max", round(f.max()));
            m.put("samples", f.samples().stream().map(Report::round).toList());
            list.add(m);
        }
        root.put("figures", list);
        List<Object> goals = new ArrayList<>();
        for (Workload w : workloads) {
            for (Goal g : w.goals()) {
                Verdict v = judge(w, g);
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("workload", w.id);
                m.put("figure", g.figure());
                m.put("subject", g.subject());
                m.put("baseline", g.baseline());
                m.put("kind", g.kind().name().toLowerCase(Locale.ROOT));
                m.put("target", g.kind() == Goal.Kind.INFO ? null : g.target());
                m.put("value", v.value() == null ? null : round(v.value()));
                m.put("met", v.met());
                goals.add(m);
            }
        }
        root.put("goals", goals);
        Map<String, Object> pending = new LinkedHashMap<>();
        workloads.stream().filter(w -> w.pending() != null).forEach(w -> pending.put(w.id, w.pending()));
        root.put("pending", pending);
        root.put("failures", failures);
        return root;
    }

    private static double round(double v) {
        return Math.round(v * 1000) / 1000.0;
    }

    static String number(double v) {
        double a = Math.abs(v);
        return a >= 100 ? String.format(Locale.ROOT, "%,.0f", v)
                : a >= 10 ? String.format(Locale.ROOT, "%.1f", v)
                : String.format(Locale.ROOT, "%.2f", v);
    }

    static String summary(Map<String, Double> values) {
        List<String> parts = new ArrayList<>();
        values.entrySet().forEach(e -> parts.add(number(e.getValue()) + " " + e.getKey()));
        return String.join(", ", parts);
    }
}
