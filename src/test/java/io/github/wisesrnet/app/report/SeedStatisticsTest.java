package io.github.wisesrnet.app.report;

import io.github.wisesrnet.Head;
import io.github.wisesrnet.app.compare.HeadResult;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Several seeds: spread per head and the paired difference to GAP, checked against a hand computation. */
class SeedStatisticsTest {

    /** GAP and Wise-SrNet with seeds 1, 2, 3; final top-1 (fractions) chosen for easy arithmetic. */
    private static List<HeadResult> threeSeeds() {
        return List.of(
                SyntheticResults.withSeed(SyntheticResults.result(Head.GAP, 6, false, 0.30, 0.40), 1),
                SyntheticResults.withSeed(SyntheticResults.result(Head.WISE_SRNET, 6, false, 0.35, 0.50), 1),
                SyntheticResults.withSeed(SyntheticResults.result(Head.GAP, 6, false, 0.30, 0.44), 2),
                SyntheticResults.withSeed(SyntheticResults.result(Head.WISE_SRNET, 6, false, 0.35, 0.46), 2),
                SyntheticResults.withSeed(SyntheticResults.result(Head.GAP, 6, false, 0.30, 0.42), 3),
                SyntheticResults.withSeed(SyntheticResults.result(Head.WISE_SRNET, 6, false, 0.35, 0.51), 3));
    }

    @Test
    void pairedDifferencesMatchAHandComputation() {
        SeedStatistics stats = SeedStatistics.of(threeSeeds());
        assertEquals(List.of(1L, 2L, 3L), stats.seeds());
        // Final top-1: Wise - GAP = +10, +2, +9 points. Mean 7; deviations 3, -5, 2; sd = sqrt(38 / 2) = 4.3589;
        // t(0.975, 2) = 4.3027; half width = 4.3027 * 4.3589 / sqrt(3) = 10.8283.
        SeedStatistics.PairedDifference last = stats.differences().stream()
                .filter(d -> d.metric() == SeedStatistics.Metric.FINAL).findFirst().orElseThrow();
        assertEquals(Head.WISE_SRNET, last.head());
        assertEquals(List.of(1L, 2L, 3L), last.seeds());
        assertEquals(10.0, last.points()[0], 1e-9);
        assertEquals(2.0, last.points()[1], 1e-9);
        assertEquals(9.0, last.points()[2], 1e-9);
        assertEquals(7.0, last.spread().mean(), 1e-9);
        assertEquals(Math.sqrt(19), last.spread().sd(), 1e-9);
        assertEquals(7.0 - 10.8283, last.low(), 1e-3);
        assertEquals(7.0 + 10.8283, last.high(), 1e-3);
        // GAP's final top-1: 40, 44, 42 -> mean 42, sd 2.
        SeedStatistics.Spread gap = stats.spread(Head.GAP, SeedStatistics.Metric.FINAL);
        assertEquals(0.42, gap.mean(), 1e-9);
        assertEquals(0.02, gap.sd(), 1e-9);

        String text = stats.toText();
        assertTrue(text.contains("Across 3 seeds [1, 2, 3]") && text.contains("+10.00 (s1), +2.00 (s2), +9.00 (s3)")
                && text.contains("[-3.83, +17.83]"), text);
    }

    @Test
    void eachRunIsComparedWithGapsRunOfTheSameSeed() {
        List<List<String>> rows = ComparisonTable.of(threeSeeds()).rows();
        // seed 2: GAP reaches its best (44%) in epoch 2, Wise-SrNet (35%, 46%) too; seed 1's GAP best is 40%.
        assertEquals("gap-s2", rows.get(2).get(0));
        assertEquals("2", rows.get(2).get(6));
        assertEquals("2", rows.get(3).get(6));
        assertEquals("2", rows.get(1).get(6)); // wise-srnet-s1: 50% >= 40% in epoch 2
    }

    @Test
    void tQuantilesAgreeWithTables() {
        assertEquals(12.7062, SeedStatistics.tQuantile975(1), 1e-4);
        assertEquals(2.0423, SeedStatistics.tQuantile975(30), 1e-4);
        assertEquals(2.0211, SeedStatistics.tQuantile975(40), 2e-4);
        assertEquals(1.9840, SeedStatistics.tQuantile975(100), 2e-4);
        assertThrows(IllegalArgumentException.class, () -> SeedStatistics.tQuantile975(0));
    }

    @Test
    void oneSeedHasNoIntervalAndTwoRunsOfAHeadWithOneSeedAreRefused() {
        List<HeadResult> one = List.of(SyntheticResults.result(Head.GAP, 6, false, 0.3),
                SyntheticResults.result(Head.WISE_SRNET, 6, false, 0.4));
        SeedStatistics stats = SeedStatistics.of(one);
        assertTrue(!stats.severalSeeds());
        assertTrue(Double.isNaN(stats.differences().get(0).low()));
        assertThrows(IllegalArgumentException.class, () -> SeedStatistics.of(List.of(one.get(0), one.get(0))));
    }

    @Test
    void theReportShowsSeedsTheSpreadAndAMeanCurve(@TempDir Path dir) throws Exception {
        ReportFiles files = ComparisonReport.write(dir, SyntheticResults.metadata(null), threeSeeds());
        String summary = Files.readString(files.summary());
        assertTrue(summary.contains("- **Seeds:** 1, 2, 3 (each head trained once per seed"), summary);
        assertTrue(summary.contains("### Across seeds") && summary.contains("95% interval")
                && summary.contains("| wise-srnet-s2 |"), summary);
        assertTrue(Files.readString(files.epochsCsv()).contains("gap-s3,"));
        assertTrue(ImageIO.read(files.accuracyChart().toFile()).getWidth() > 100);
    }
}
