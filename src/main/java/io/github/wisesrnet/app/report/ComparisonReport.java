package io.github.wisesrnet.app.report;

import io.github.wisesrnet.app.report.AttributionSample;
import io.github.wisesrnet.app.report.HeatmapImages;
import io.github.wisesrnet.explain.SpatialWeights;
import io.github.wisesrnet.train.EpochMetrics;
import io.github.wisesrnet.app.compare.HeadResult;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Writes the report of a comparison of heads into a directory:
 * <ul>
 *   <li>{@code summary.md}: setup, results table, the Wise-SrNet vs GAP difference, per-class accuracy, charts;</li>
 *   <li>{@code epochs.csv}: every head's metrics per epoch;</li>
 *   <li>{@code accuracy.png} and {@code loss.png}: training curves of all heads;</li>
 *   <li>{@code confusion-<head>.png}: each head's confusion matrix at the last epoch;</li>
 *   <li>with an {@link AttributionSample}: {@code attributions.png} (the same test images with each head's heat map)
 *   and {@code spatial-weights-<head>.png} for heads with learned spatial weights.</li>
 * </ul>
 * Charts are drawn with Java2D and need no display, but this class does not set {@code java.awt.headless}: an
 * application without a display calls {@link Headless#ensure()} first, as the command line does.
 */
public final class ComparisonReport {

    private static final Logger log = LoggerFactory.getLogger(ComparisonReport.class);

    /** File name of the Markdown summary. */
    public static final String SUMMARY_FILE = "summary.md";
    /** File name of the per-epoch metrics of every head (CSV). */
    public static final String EPOCHS_FILE = "epochs.csv";
    /** File name of the accuracy chart (PNG). */
    public static final String ACCURACY_FILE = "accuracy.png";
    /** File name of the loss chart (PNG). */
    public static final String LOSS_FILE = "loss.png";
    /** File name of the attribution heat maps (PNG), written only with an {@link AttributionSample}. */
    public static final String ATTRIBUTIONS_FILE = "attributions.png";

    private ComparisonReport() {
    }

    /**
     * Writes the report, replacing files of the same names.
     *
     * @param dir     report directory, created with its parents if missing
     * @param meta    how the comparison was run
     * @param results one result per run, each with at least one epoch; tables and charts keep this order
     * @return the files written
     * @throws IllegalArgumentException if there are no results or a result has no epochs
     * @throws IOException              if a file cannot be written
     */
    public static ReportFiles write(Path dir, ReportMetadata meta, List<HeadResult> results) throws IOException {
        return write(dir, meta, results, null);
    }

    /**
     * Writes the report with the section "What each head looks at" when {@code sample} has heads added (see
     * {@link AttributionSample}); null or empty leaves it out.
     */
    public static ReportFiles write(Path dir, ReportMetadata meta, List<HeadResult> results, AttributionSample sample)
            throws IOException {
        Objects.requireNonNull(dir, "dir");
        Objects.requireNonNull(meta, "meta");
        Objects.requireNonNull(results, "results");
        if (results.isEmpty()) {
            throw new IllegalArgumentException("No head results to report in " + dir);
        }
        results.forEach(ComparisonTable::requireEpochs);
        warnOnDifferentClasses(results);
        Files.createDirectories(dir);

        Path csv = dir.resolve(EPOCHS_FILE);
        EpochCsv.write(csv, results);
        Path accuracy = dir.resolve(ACCURACY_FILE);
        TrainingCharts.writeAccuracy(accuracy, results);
        Path loss = dir.resolve(LOSS_FILE);
        TrainingCharts.writeLoss(loss, results);
        Map<Integer, String> confusionNames = writeConfusionCharts(dir, results);
        List<Path> confusion = new ArrayList<>();
        confusionNames.values().forEach(name -> confusion.add(dir.resolve(name)));

        Map<String, String> explanationNames = writeExplanations(dir, sample);
        List<Path> explanations = new ArrayList<>();
        explanationNames.values().forEach(name -> explanations.add(dir.resolve(name)));

        Path summary = dir.resolve(SUMMARY_FILE);
        Files.writeString(summary, SummaryMarkdown.build(meta, results, ACCURACY_FILE, LOSS_FILE, confusionNames,
                explanationNames), StandardCharsets.UTF_8);

        ReportFiles files = new ReportFiles(dir, summary, csv, accuracy, loss, confusion, explanations);
        log.info("Wrote comparison report of {} heads ({} files) to {}", results.size(), files.all().size(), dir);
        return files;
    }

    /** File name of a head's confusion matrix image: "confusion-wise-srnet.png". */
    public static String confusionFileName(String headLabel) {
        return "confusion-" + headLabel + ".png";
    }

    private static Map<Integer, String> writeConfusionCharts(Path dir, List<HeadResult> results) throws IOException {
        HeadLabels labels = HeadLabels.of(results);
        Map<Integer, String> names = new LinkedHashMap<>();
        for (int i = 0; i < results.size(); i++) {
            HeadResult result = results.get(i);
            EpochMetrics last = result.last();
            if (last.confusion() == null || last.confusion().length == 0) {
                log.warn("Head {} has no confusion matrix for epoch {}; its confusion chart is left out",
                        labels.label(i), last.epoch());
                continue;
            }
            String name = confusionFileName(labels.label(i));
            ConfusionMatrixImage.write(dir.resolve(name), labels.label(i), last, result.classNames());
            names.put(i, name);
        }
        return names;
    }

    /**
     * The sample's figure and each head's spatial weights; returns file names by what they show: the key
     * {@code ""} for the figure, a head label for its weights.
     */
    private static Map<String, String> writeExplanations(Path dir, AttributionSample sample) throws IOException {
        Map<String, String> names = new LinkedHashMap<>();
        if (sample == null || sample.isEmpty()) {
            return names;
        }
        HeatmapImages.writePng(sample.figure(AttributionSample.SHOWN), dir.resolve(ATTRIBUTIONS_FILE));
        names.put("", ATTRIBUTIONS_FILE);
        for (Map.Entry<String, SpatialWeights> e : sample.spatialWeights().entrySet()) {
            String name = "spatial-weights-" + e.getKey() + ".png";
            HeatmapImages.writePng(HeatmapImages.spatialWeights(e.getValue(), 6, "Learned spatial weights: "
                    + e.getKey() + " (last epoch)"), dir.resolve(name));
            names.put(e.getKey(), name);
        }
        return names;
    }

    private static void warnOnDifferentClasses(List<HeadResult> results) {
        List<String> first = results.get(0).classNames();
        for (HeadResult result : results) {
            if (!Objects.equals(first, result.classNames())) {
                log.warn("Head {} has different class names than head {}; the per-class table uses those of {}",
                        result.head(), results.get(0).head(), results.get(0).head());
            }
        }
    }
}
