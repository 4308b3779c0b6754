package io.github.wisesrnet.app.report;

import io.github.wisesrnet.app.compare.HeadResult;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * What a comparison found, in words: each head against GAP, paired by seed, with the 95% interval of the mean
 * difference. The measure is the test top-1 of the epoch chosen on the validation split when the runs have one (the
 * number best.zip holds), else the mean test top-1 of the last epochs (the best epoch chosen on test would flatter
 * every head). A head is "ahead" or "behind" only when the interval excludes 0; with one seed there is no interval,
 * and the sentence says so.
 */
public final class Verdict {

    private Verdict() {
    }

    /** One sentence per head other than GAP; empty when there is no GAP run to compare with. */
    public static List<String> of(List<HeadResult> results) {
        SeedStatistics seeds = SeedStatistics.of(results);
        boolean validation = results.stream().allMatch(HeadResult::chosenOnValidation);
        SeedStatistics.Metric metric = validation ? SeedStatistics.Metric.BEST : SeedStatistics.Metric.LAST_EPOCHS;
        String measure = validation ? "test top-1 at the best validation epoch"
                : "mean test top-1 of the last " + Math.min(ComparisonTable.LAST_EPOCHS_AVERAGED,
                        results.get(0).epochs().size()) + " epochs";
        List<String> out = new ArrayList<>();
        for (SeedStatistics.PairedDifference d : seeds.differences()) {
            if (d.metric() != metric) {
                continue;
            }
            String head = HeadLabels.displayName(d.head());
            double mean = d.spread().mean();
            int n = d.spread().n();
            if (n == 1) {
                out.add(String.format(Locale.ROOT, "%s %s GAP by %.2f points with one seed (%s); one seed cannot tell"
                        + " the heads apart, runs swing by several points: compare with --seeds 1,2,3 or more.",
                        head, mean >= 0 ? "ahead of" : "behind", Math.abs(mean), measure));
                continue;
            }
            String interval = String.format(Locale.ROOT, "[%+.2f, %+.2f]", d.low(), d.high());
            if (d.low() > 0) {
                out.add(String.format(Locale.ROOT, "%s ahead of GAP by %.2f points %s over %d seeds (%s, paired by"
                        + " seed).", head, mean, interval, n, measure));
            } else if (d.high() < 0) {
                out.add(String.format(Locale.ROOT, "%s behind GAP by %.2f points %s over %d seeds (%s, paired by"
                        + " seed).", head, -mean, interval, n, measure));
            } else {
                out.add(String.format(Locale.ROOT, "%s vs GAP: no difference detectable over %d seeds, %+.2f points %s"
                        + " (%s, paired by seed; the 95%% interval contains 0).", head, n, mean, interval, measure));
            }
        }
        return out;
    }
}
