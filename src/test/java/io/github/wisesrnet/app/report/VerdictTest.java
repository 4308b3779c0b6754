package io.github.wisesrnet.app.report;

import io.github.wisesrnet.Head;
import io.github.wisesrnet.app.compare.HeadResult;
import io.github.wisesrnet.train.EpochMetrics;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static io.github.wisesrnet.app.report.SyntheticResults.result;
import static io.github.wisesrnet.app.report.SyntheticResults.withSeed;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The comparison's finding in words: ahead, behind or no difference, by the interval over seeds. */
class VerdictTest {

    /** GAP and Wise-SrNet over three seeds; Wise-SrNet's final top-1 is GAP's plus {@code shift[s]} per seed. */
    private static List<HeadResult> runs(double... shift) {
        List<HeadResult> out = new ArrayList<>();
        for (int s = 0; s < shift.length; s++) {
            double g = 0.50 + 0.01 * s;
            out.add(withSeed(result(Head.GAP, 3, false, 0.40, g), s + 1));
            out.add(withSeed(result(Head.WISE_SRNET, 3, false, 0.40, g + shift[s]), s + 1));
        }
        return out;
    }

    @Test
    void aClearGainIsAheadAClearLossBehindAndAnIntervalAroundZeroIsNoDifference() {
        // mean of the last 2 epochs (no validation split): (0.40 + g + shift) / 2 against (0.40 + g) / 2
        List<String> ahead = Verdict.of(runs(0.04, 0.05, 0.06));
        assertEquals(1, ahead.size());
        assertTrue(ahead.get(0).startsWith("Wise-SrNet ahead of GAP by 2.50 points [+1.26, +3.74] over 3 seeds"
                + " (mean test top-1 of the last 2 epochs"), ahead.get(0));

        String behind = Verdict.of(runs(-0.04, -0.05, -0.06)).get(0);
        assertTrue(behind.startsWith("Wise-SrNet behind GAP by 2.50 points [-3.74, -1.26] over 3 seeds"), behind);

        String none = Verdict.of(runs(0.06, -0.04, 0.01)).get(0);
        assertTrue(none.startsWith("Wise-SrNet vs GAP: no difference detectable over 3 seeds, +0.50 points ["), none);
    }

    @Test
    void withAValidationSplitTheVerdictIsOnTheTestTop1OfTheEpochChosenThere() {
        List<HeadResult> runs = new ArrayList<>();
        for (int s = 1; s <= 3; s++) {
            // GAP's validation peaks at epoch 1 (test 0.50), Wise-SrNet's at epoch 2 (test 0.60 + s / 100)
            runs.add(withValidation(withSeed(result(Head.GAP, 3, false, 0.50, 0.70), s), 0.9, 0.1));
            runs.add(withValidation(withSeed(result(Head.WISE_SRNET, 3, false, 0.20, 0.60 + s / 100.0), s), 0.1,
                    0.9));
        }
        String verdict = Verdict.of(runs).get(0);
        assertTrue(verdict.startsWith("Wise-SrNet ahead of GAP by 12.00 points [+9.52, +14.48] over 3 seeds (test"
                + " top-1 at the best validation epoch"), verdict);
    }

    private static HeadResult withValidation(HeadResult r, double... valTop1) {
        List<EpochMetrics> epochs = new ArrayList<>();
        for (int i = 0; i < r.epochs().size(); i++) {
            EpochMetrics e = r.epochs().get(i);
            epochs.add(new EpochMetrics(e.epoch(), e.learningRate(), e.trainLoss(), e.trainAccuracy(), e.testLoss(),
                    e.testTop1(), e.testTop5(), e.perClassAccuracy(), e.confusion(), e.seconds(),
                    e.imagesPerSecond(), 1.0, valTop1[i]));
        }
        return new HeadResult(r.head(), r.parameters(), r.headParameters(), epochs, r.classNames(), r.seconds(),
                r.seed());
    }

    @Test
    void oneSeedSaysItCannotTellAndNoGapRunSaysNothing() {
        String one = Verdict.of(runs(0.10)).get(0);
        assertTrue(one.startsWith("Wise-SrNet ahead of GAP by 5.00 points with one seed")
                && one.contains("--seeds 1,2,3"), one);
        assertTrue(Verdict.of(List.of(result(Head.WISE_SRNET, 3, false, 0.5))).isEmpty());
    }

    @Test
    void theSummaryStartsWithTheVerdict(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        ReportFiles files = ComparisonReport.write(dir, SyntheticResults.metadata(List.of()), runs(0.04, 0.05, 0.06));
        List<String> lines = Files.readAllLines(files.summary());
        assertTrue(lines.get(0).startsWith("# "), lines.get(0));
        assertTrue(lines.get(2).startsWith("**Wise-SrNet ahead of GAP by 2.50 points"), lines.get(2));
    }
}
