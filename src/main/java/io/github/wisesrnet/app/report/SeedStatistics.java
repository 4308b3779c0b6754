package io.github.wisesrnet.app.report;

import io.github.wisesrnet.Head;
import io.github.wisesrnet.app.compare.HeadResult;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.function.ToDoubleFunction;

/**
 * A comparison run with several seeds, summarised: per head, the mean and sample standard deviation over seeds of
 * the headline numbers; per head other than GAP, the difference to GAP paired by seed (same seed = same backbone
 * initialization and batches), with its mean and a 95% confidence interval from Student's t distribution with
 * n - 1 degrees of freedom: {@code mean +- t(0.975, n-1) * sd / sqrt(n)}. With 3 seeds t is 4.30, so the interval
 * is wide: it says how little a few seeds can settle.
 */
public final class SeedStatistics {

    /** The headline numbers, each a fraction in [0, 1] per run. */
    public enum Metric {
        /** Test top-1 at the run's best epoch ({@link HeadResult#best()}). */
        BEST("Best top-1 %", r -> r.best().testTop1()),
        /** Test top-1 at the run's last epoch. */
        FINAL("Final top-1 %", r -> r.last().testTop1()),
        /**
         * Mean test top-1 over the run's last {@link ComparisonTable#LAST_EPOCHS_AVERAGED} epochs (all of them if it
         * has fewer).
         */
        LAST_EPOCHS("Mean top-1 % (last " + ComparisonTable.LAST_EPOCHS_AVERAGED + ")",
                r -> ComparisonTable.meanLastTop1(r, Math.min(ComparisonTable.LAST_EPOCHS_AVERAGED,
                        r.epochs().size())));

        private final String title;
        private final ToDoubleFunction<HeadResult> value;

        Metric(String title, ToDoubleFunction<HeadResult> value) {
            this.title = title;
            this.value = value;
        }

        /** Column title in the report, e.g. "Best top-1 %". */
        public String title() {
            return title;
        }

        /** This metric of one run, a fraction in [0, 1]. The run must have at least one epoch. */
        public double of(HeadResult result) {
            return value.applyAsDouble(result);
        }
    }

    /**
     * Mean and sample standard deviation (n - 1) of values; sd is NaN for one value.
     *
     * @param mean the mean, in the values' unit
     * @param sd   the sample standard deviation; NaN if {@code n == 1}
     * @param n    the number of values
     */
    public record Spread(double mean, double sd, int n) {
        static Spread of(double[] values) {
            int n = values.length;
            double mean = 0;
            for (double v : values) {
                mean += v;
            }
            mean /= n;
            double squares = 0;
            for (double v : values) {
                squares += (v - mean) * (v - mean);
            }
            return new Spread(mean, n > 1 ? Math.sqrt(squares / (n - 1)) : Double.NaN, n);
        }
    }

    /**
     * A head's difference to GAP in one metric, in percentage points, paired by seed.
     *
     * @param head    the head compared with GAP
     * @param metric  the metric compared
     * @param seeds   the seeds both heads ran with, in order
     * @param points  head minus GAP per seed, in points
     * @param spread  mean and sd of {@code points}
     * @param low     lower end of the 95% t interval of the mean (NaN with one seed)
     * @param high    upper end
     */
    public record PairedDifference(Head head, Metric metric, List<Long> seeds, double[] points, Spread spread,
            double low, double high) {
    }

    private final Map<Head, List<HeadResult>> byHead;
    private final List<Long> seeds;

    private SeedStatistics(Map<Head, List<HeadResult>> byHead, List<Long> seeds) {
        this.byHead = byHead;
        this.seeds = seeds;
    }

    /**
     * Groups runs by head (in order of first appearance) and seed.
     *
     * @throws IllegalArgumentException if a head has two runs with the same seed, or a run has no epochs
     */
    public static SeedStatistics of(List<HeadResult> results) {
        Objects.requireNonNull(results, "results");
        Map<Head, List<HeadResult>> byHead = new LinkedHashMap<>();
        List<Long> seeds = new ArrayList<>();
        for (HeadResult r : results) {
            ComparisonTable.requireEpochs(r);
            List<HeadResult> runs = byHead.computeIfAbsent(r.head(), h -> new ArrayList<>());
            if (runs.stream().anyMatch(o -> o.seed() == r.seed())) {
                throw new IllegalArgumentException("Head " + r.head() + " has two runs with seed " + r.seed());
            }
            runs.add(r);
            if (!seeds.contains(r.seed())) {
                seeds.add(r.seed());
            }
        }
        return new SeedStatistics(byHead, List.copyOf(seeds));
    }

    /** The distinct seeds, in order of first appearance. */
    public List<Long> seeds() {
        return seeds;
    }

    /** Whether the runs used more than one seed (else spreads and intervals have nothing to say). */
    public boolean severalSeeds() {
        return seeds.size() > 1;
    }

    /** Mean and spread of a metric over a head's seeds (fractions). */
    public Spread spread(Head head, Metric metric) {
        List<HeadResult> runs = byHead.get(head);
        if (runs == null) {
            throw new IllegalArgumentException("No runs of head " + head);
        }
        return Spread.of(runs.stream().mapToDouble(metric::of).toArray());
    }

    /** Every head other than GAP against GAP, for every metric; empty without a GAP run. */
    public List<PairedDifference> differences() {
        List<HeadResult> gap = byHead.get(Head.GAP);
        List<PairedDifference> out = new ArrayList<>();
        if (gap == null) {
            return out;
        }
        for (Map.Entry<Head, List<HeadResult>> e : byHead.entrySet()) {
            if (e.getKey() == Head.GAP) {
                continue;
            }
            for (Metric metric : Metric.values()) {
                List<Long> paired = new ArrayList<>();
                List<Double> points = new ArrayList<>();
                for (HeadResult run : e.getValue()) {
                    gap.stream().filter(g -> g.seed() == run.seed()).findFirst().ifPresent(g -> {
                        paired.add(run.seed());
                        points.add(100 * (metric.of(run) - metric.of(g)));
                    });
                }
                if (points.isEmpty()) {
                    continue;
                }
                double[] values = points.stream().mapToDouble(Double::doubleValue).toArray();
                Spread spread = Spread.of(values);
                double half = spread.n() > 1 ? tQuantile975(spread.n() - 1) * spread.sd() / Math.sqrt(spread.n())
                        : Double.NaN;
                out.add(new PairedDifference(e.getKey(), metric, List.copyOf(paired), values, spread,
                        spread.mean() - half, spread.mean() + half));
            }
        }
        return out;
    }

    /** Both tables for the console: spread per head, then the paired differences to GAP (if there is a GAP run). */
    public String toText() {
        String text = "Across " + seeds.size() + " seeds " + seeds + ":\n" + spreadTable().toText();
        List<PairedDifference> differences = differences();
        return differences.isEmpty() ? text : text + "\nDifference to GAP, paired by seed:\n"
                + differenceTable().toText();
    }

    /** Per head: seeds, each metric as mean ± sd (percent), total time. */
    TextTable spreadTable() {
        List<String> header = new ArrayList<>(List.of("Head", "Seeds"));
        for (Metric m : Metric.values()) {
            header.add(title(m) + " mean ± sd");
        }
        header.add("Time (all seeds)");
        List<List<String>> rows = new ArrayList<>();
        for (Map.Entry<Head, List<HeadResult>> e : byHead.entrySet()) {
            List<String> row = new ArrayList<>(List.of(HeadLabels.cliName(e.getKey()),
                    Integer.toString(e.getValue().size())));
            for (Metric m : Metric.values()) {
                Spread s = spread(e.getKey(), m);
                row.add(Formats.percent(s.mean()) + " ± " + (Double.isNaN(s.sd()) ? "-" : Formats.percent(s.sd())));
            }
            row.add(Formats.duration(e.getValue().stream().mapToDouble(HeadResult::seconds).sum()));
            rows.add(row);
        }
        return new TextTable(header, rows);
    }

    /** Per head and metric: the paired differences to GAP per seed, their mean and 95% interval (points). */
    TextTable differenceTable() {
        List<String> header = List.of("Head - GAP (points)", "Per seed", "Mean", "95% interval (t, n-1 df)");
        List<List<String>> rows = new ArrayList<>();
        for (PairedDifference d : differences()) {
            StringBuilder perSeed = new StringBuilder();
            for (int i = 0; i < d.points().length; i++) {
                perSeed.append(i == 0 ? "" : ", ").append(signed(d.points()[i])).append(" (s").append(d.seeds().get(i))
                        .append(')');
            }
            rows.add(List.of(HeadLabels.cliName(d.head()) + ": " + title(d.metric()).replace(" %", ""),
                    perSeed.toString(), signed(d.spread().mean()),
                    Double.isNaN(d.low()) ? "- (one seed)" : "[" + signed(d.low()) + ", " + signed(d.high()) + "]"));
        }
        return new TextTable(header, rows);
    }

    /** The metric's title; "last 5" says how many epochs were averaged when runs are shorter. */
    private String title(Metric metric) {
        List<HeadResult> all = byHead.values().stream().flatMap(List::stream).toList();
        return switch (metric) {
            case BEST -> ComparisonTable.bestTitle(all);
            case FINAL -> metric.title();
            case LAST_EPOCHS -> "Mean top-1 % (last " + ComparisonTable.averagedEpochs(all) + ")";
        };
    }

    private static String signed(double points) {
        return String.format(Locale.ROOT, "%+.2f", points);
    }

    /** Two-sided 95% quantile of Student's t with {@code df} degrees of freedom. */
    static double tQuantile975(int df) {
        if (df < 1) {
            throw new IllegalArgumentException("degrees of freedom must be >= 1, got " + df);
        }
        if (df <= T_975.length) {
            return T_975[df - 1];
        }
        // Cornish-Fisher expansion around the normal quantile; within 1e-4 of the exact value above 30 df.
        double z = 1.959963984540054;
        double z3 = z * z * z;
        double z5 = z3 * z * z;
        return z + (z3 + z) / (4.0 * df) + (5 * z5 + 16 * z3 + 3 * z) / (96.0 * df * df);
    }

    /** t(0.975, df) for df = 1..30. */
    private static final double[] T_975 = {12.7062, 4.3027, 3.1824, 2.7764, 2.5706, 2.4469, 2.3646, 2.3060, 2.2622,
            2.2281, 2.2010, 2.1788, 2.1604, 2.1448, 2.1314, 2.1199, 2.1098, 2.1009, 2.0930, 2.0860, 2.0796, 2.0739,
            2.0687, 2.0639, 2.0595, 2.0555, 2.0518, 2.0484, 2.0452, 2.0423};
}
