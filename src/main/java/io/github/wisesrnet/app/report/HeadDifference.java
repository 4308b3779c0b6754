package io.github.wisesrnet.app.report;

import io.github.wisesrnet.Head;
import io.github.wisesrnet.app.compare.HeadResult;

import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The difference in best and final test top-1 between the head under study (Wise-SrNet, or else the first head that
 * is not GAP) and GAP, stated in percentage points and neutrally whatever its sign.
 *
 * @param subject  the head compared with GAP
 * @param gap      the GAP run
 */
record HeadDifference(HeadResult subject, HeadResult gap) {

    /** Differences smaller than this (in points) are reported as equal, matching the two decimals shown. */
    private static final double EQUAL_POINTS = 0.005;

    /** The pair to compare, or empty if the results have no GAP run or nothing to compare it with. */
    static Optional<HeadDifference> of(List<HeadResult> results) {
        Optional<HeadResult> gap = ComparisonTable.gapResult(results);
        Optional<HeadResult> subject = results.stream().filter(r -> r.head() == Head.WISE_SRNET).findFirst()
                .or(() -> results.stream().filter(r -> r.head() != Head.GAP).findFirst());
        if (gap.isEmpty() || subject.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new HeadDifference(subject.get(), gap.get()));
    }

    /** Best test top-1 of the subject minus GAP's, in percentage points. */
    double bestPoints() {
        return 100 * (subject.best().testTop1() - gap.best().testTop1());
    }

    /** Final test top-1 of the subject minus GAP's, in percentage points. */
    double finalPoints() {
        return 100 * (subject.last().testTop1() - gap.last().testTop1());
    }

    /**
     * E.g. "Wise-SrNet's best top-1 is 3.20 points above GAP's (80.90 % vs 77.70 %). Its final top-1 is 1.05 points
     * below GAP's (75.07 % vs 76.12 %)."
     */
    String sentence() {
        String name = HeadLabels.displayName(subject.head());
        return name + "'s best top-1 " + comparison(bestPoints()) + " ("
                + Formats.percent(subject.best().testTop1()) + " % vs " + Formats.percent(gap.best().testTop1())
                + " %). Its final top-1 " + comparison(finalPoints()) + " ("
                + Formats.percent(subject.last().testTop1()) + " % vs " + Formats.percent(gap.last().testTop1())
                + " %).";
    }

    private static String comparison(double points) {
        if (Double.isNaN(points)) {
            return "cannot be compared with GAP's";
        }
        if (Math.abs(points) < EQUAL_POINTS) {
            return "is the same as GAP's";
        }
        return String.format(Locale.ROOT, "is %.2f points %s GAP's", Math.abs(points), points > 0 ? "above" : "below");
    }
}
