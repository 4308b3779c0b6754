package io.github.wisesrnet.app.report;

import io.github.wisesrnet.Head;
import io.github.wisesrnet.train.EpochMetrics;
import io.github.wisesrnet.app.compare.HeadResult;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** Hand-made head results and metadata for the report tests. */
final class SyntheticResults {

    private SyntheticResults() {
    }

    /**
     * A result whose test top-1 per epoch is {@code top1}; the confusion matrix has 10 test images per class, the
     * correct ones on the diagonal and the rest spread to the next classes.
     *
     * @param withTop5 false writes NaN top-5 (as for 5 classes or fewer)
     */
    static HeadResult result(Head head, int classes, boolean withTop5, double... top1) {
        List<String> names = new ArrayList<>();
        for (int c = 0; c < classes; c++) {
            names.add("class_" + c);
        }
        return result(head, names, withTop5, top1);
    }

    static HeadResult result(Head head, List<String> classNames, boolean withTop5, double... top1) {
        int classes = classNames.size();
        List<EpochMetrics> epochs = new ArrayList<>();
        for (int i = 0; i < top1.length; i++) {
            long[][] confusion = new long[classes][classes];
            double[] perClass = new double[classes];
            for (int c = 0; c < classes; c++) {
                int correct = (int) Math.round(10 * Math.min(1.0, top1[i] + 0.1 * ((c % 3) - 1)));
                confusion[c][c] = correct;
                for (int k = 0; k < 10 - correct; k++) {
                    confusion[c][(c + 1 + k % 2) % classes]++;
                }
                perClass[c] = correct / 10.0;
            }
            double trainLoss = 2.0 / (i + 1);
            epochs.add(new EpochMetrics(i + 1, 0.045 * Math.pow(0.94, i / 2), trainLoss, Math.min(1, top1[i] + 0.1),
                    trainLoss * 1.2, top1[i], withTop5 ? Math.min(1, top1[i] + 0.2) : Double.NaN, perClass,
                    confusion, 48.0, 250.5, null, null));
        }
        return new HeadResult(head, 1_234_567 + head.ordinal(), 2_048 + head.ordinal(), epochs, classNames,
                48.0 * top1.length, 42);
    }

    /** The same result with another seed. */
    static HeadResult withSeed(HeadResult r, long seed) {
        return new HeadResult(r.head(), r.parameters(), r.headParameters(), r.epochs(), r.classNames(), r.seconds(),
                seed);
    }

    static ReportMetadata metadata(List<String> skippedFiles) {
        return new ReportMetadata("Wise-SrNet vs GAP on synthetic data", "6 synthetic classes, 60 test images",
                "tiny CNN", 64, 48, 42, 4, 16, "SGD momentum 0.9, lr 0.045 x 0.94 every 2 epochs",
                "java -jar wise-srnet.jar compare --heads gap,wise-srnet --epochs 4",
                "2 cores, Linux, Java 17, ND4J CpuBackend", Instant.parse("2024-05-01T10:15:30Z"), skippedFiles);
    }
}
