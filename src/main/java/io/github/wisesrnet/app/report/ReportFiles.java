package io.github.wisesrnet.app.report;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The files a {@link ComparisonReport} wrote.
 *
 * @param directory       the report directory
 * @param summary         {@code summary.md}
 * @param epochsCsv       {@code epochs.csv}
 * @param accuracyChart   {@code accuracy.png}
 * @param lossChart       {@code loss.png}
 * @param confusionCharts {@code confusion-<head>.png}, one per head that has a confusion matrix, in result order
 * @param explanationImages {@code attributions.png} and {@code spatial-weights-<head>.png}, when the report has
 *                          the section "What each head looks at"; empty otherwise
 */
public record ReportFiles(Path directory, Path summary, Path epochsCsv, Path accuracyChart, Path lossChart,
        List<Path> confusionCharts, List<Path> explanationImages) {

    /** Checks that the single files are not null and copies the lists (which must not be null). */
    public ReportFiles {
        Objects.requireNonNull(directory, "directory");
        Objects.requireNonNull(summary, "summary");
        Objects.requireNonNull(epochsCsv, "epochsCsv");
        Objects.requireNonNull(accuracyChart, "accuracyChart");
        Objects.requireNonNull(lossChart, "lossChart");
        confusionCharts = List.copyOf(confusionCharts);
        explanationImages = List.copyOf(explanationImages);
    }

    /** Every file written: summary, CSV, accuracy and loss charts, the confusion matrices, then the explanations. */
    public List<Path> all() {
        List<Path> all = new ArrayList<>(List.of(summary, epochsCsv, accuracyChart, lossChart));
        all.addAll(confusionCharts);
        all.addAll(explanationImages);
        return List.copyOf(all);
    }
}
