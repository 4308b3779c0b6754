package io.github.wisesrnet.report;

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
 */
public record ReportFiles(Path directory, Path summary, Path epochsCsv, Path accuracyChart, Path lossChart,
        List<Path> confusionCharts) {

    public ReportFiles {
        Objects.requireNonNull(directory, "directory");
        Objects.requireNonNull(summary, "summary");
        Objects.requireNonNull(epochsCsv, "epochsCsv");
        Objects.requireNonNull(accuracyChart, "accuracyChart");
        Objects.requireNonNull(lossChart, "lossChart");
        confusionCharts = List.copyOf(confusionCharts);
    }

    /** Every file written: summary, CSV, accuracy and loss charts, then the confusion matrices. */
    public List<Path> all() {
        List<Path> all = new ArrayList<>(List.of(summary, epochsCsv, accuracyChart, lossChart));
        all.addAll(confusionCharts);
        return List.copyOf(all);
    }
}
