package io.github.wisesrnet.app.report;

import io.github.wisesrnet.train.EpochMetrics;
import io.github.wisesrnet.app.compare.HeadResult;

import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Builds {@code summary.md}: title, setup, results table, the Wise-SrNet vs GAP sentence, charts, per-class accuracy,
 * confusion matrices and skipped files.
 */
final class SummaryMarkdown {

    private SummaryMarkdown() {
    }

    /**
     * @param confusionFiles file name of each result's confusion matrix image, by result index; a result without one
     *                       is left out of the confusion section
     */
    static String build(ReportMetadata meta, List<HeadResult> results, String accuracyFile, String lossFile,
            Map<Integer, String> confusionFiles, Map<String, String> explanationFiles) {
        HeadLabels labels = HeadLabels.of(results);
        StringBuilder md = new StringBuilder();
        md.append("# ").append(oneLine(meta.title())).append("\n\n");
        for (String finding : Verdict.of(results)) {
            md.append("**").append(finding).append("**\n\n");
        }
        appendSetup(md, meta, SeedStatistics.of(results));
        appendResults(md, results);
        md.append("## Training curves\n\n");
        boolean trainMeasured = results.stream().flatMap(r -> r.epochs().stream())
                .anyMatch(e -> Double.isFinite(e.trainAccuracy()));
        md.append(trainMeasured ? "![Test top-1 (solid) and train accuracy (dashed) per epoch]("
                : "![Test top-1 per epoch (train accuracy is not measured with parallel or Spark training)](")
                .append(accuracyFile).append(")\n\n");
        md.append("![Test loss (solid) and train loss (dashed) per epoch](").append(lossFile).append(")\n\n");
        appendPerClass(md, results, labels);
        if (!confusionFiles.isEmpty()) {
            md.append("## Confusion matrices (last epoch)\n\n");
            for (Map.Entry<Integer, String> entry : confusionFiles.entrySet()) {
                String label = labels.label(entry.getKey());
                md.append("### ").append(label).append("\n\n");
                md.append("![Confusion matrix of ").append(label).append("](").append(entry.getValue()).append(")\n\n");
            }
        }
        appendExplanations(md, explanationFiles);
        if (!meta.skippedFiles().isEmpty()) {
            md.append("## Skipped files (").append(meta.skippedFiles().size()).append(")\n\n");
            for (String file : meta.skippedFiles()) {
                md.append("- ").append(inlineCode(oneLine(file))).append('\n');
            }
            md.append('\n');
        }
        return md.toString();
    }

    /** The section "What each head looks at": key "" is the sample figure, other keys are heads' weight pictures. */
    private static void appendExplanations(StringBuilder md, Map<String, String> files) {
        if (files.isEmpty()) {
            return;
        }
        md.append("## What each head looks at\n\n");
        md.append("The same test images (drawn with the run's seed; a mix of predictions every head gets right, that"
                + " the heads disagree on, and that every head gets wrong) with each head's exact attribution of the"
                + " class it predicts: what every feature-map position adds to that class's score (red raises it,"
                + " blue lowers it). Captions: green = right, red = wrong. Networks as after the last epoch.\n\n");
        md.append("![Attributions of each head](").append(files.get("")).append(")\n\n");
        for (Map.Entry<String, String> e : files.entrySet()) {
            if (!e.getKey().isEmpty()) {
                md.append("### Learned spatial weights: ").append(e.getKey()).append("\n\n");
                md.append("![Spatial weights of ").append(e.getKey()).append("](").append(e.getValue())
                        .append(")\n\n");
            }
        }
    }

    private static void appendSetup(StringBuilder md, ReportMetadata meta, SeedStatistics seeds) {
        md.append("## Setup\n\n");
        item(md, "Data", meta.dataDescription());
        item(md, "Backbone", meta.backbone());
        item(md, "Input", meta.inputHeight() + " x " + meta.inputWidth() + " (height x width)");
        if (seeds.severalSeeds()) {
            item(md, "Seeds", seeds.seeds().stream().map(String::valueOf).collect(
                    java.util.stream.Collectors.joining(", ")) + " (each head trained once per seed; a seed gives every"
                    + " head the same backbone initialization and batches)");
        } else {
            item(md, "Seed", Long.toString(meta.seed()));
        }
        item(md, "Epochs", Integer.toString(meta.epochs()));
        item(md, "Batch size", Integer.toString(meta.batchSize()));
        item(md, "Optimizer", meta.optimizer());
        item(md, "Started", DateTimeFormatter.ISO_INSTANT.format(meta.startedAt()));
        item(md, "Machine", meta.machine());
        item(md, "Skipped files", meta.skippedFiles().isEmpty() ? "none"
                : meta.skippedFiles().size() + " (listed at the end)");
        md.append("\nTo reproduce:\n\n");
        String fence = "`".repeat(Math.max(3, longestBacktickRun(meta.command()) + 1));
        md.append(fence).append('\n').append(meta.command()).append('\n').append(fence).append("\n\n");
    }

    private static void appendResults(StringBuilder md, List<HeadResult> results) {
        md.append("## Results\n\n");
        md.append(ComparisonTable.of(results).toMarkdown()).append('\n');
        boolean validation = results.stream().allMatch(HeadResult::chosenOnValidation);
        md.append("Top-1 is test accuracy. ").append(validation
                ? "Each run's best epoch is the one with the highest validation top-1 (a split held out of the"
                        + " training images); the column gives the test top-1 of that epoch, which is what best.zip"
                        + " holds. "
                : "The best epoch is chosen on the test split itself (no validation split), so \"best\" is an"
                        + " optimistic number; use --val-fraction for a held-out choice. ")
                .append("The mean is over the last min(5, epochs) epochs; \"Epochs to GAP's best\" is the first epoch")
                .append(" whose test top-1 reaches the test top-1 of the best epoch of GAP's run with the same seed")
                .append(" (\"-\": never, or no GAP run).\n\n");
        SeedStatistics seeds = SeedStatistics.of(results);
        if (!seeds.severalSeeds()) {
            HeadDifference.of(results).ifPresent(d -> md.append(d.sentence()).append("\n\n"));
            return;
        }
        md.append("### Across seeds\n\n");
        md.append(seeds.spreadTable().toMarkdown()).append('\n');
        md.append("Mean and sample standard deviation over the seeds.\n\n");
        if (!seeds.differences().isEmpty()) {
            md.append("Difference to GAP in percentage points, paired by seed (each seed's run minus GAP's run with the"
                    + " same seed):\n\n");
            md.append(seeds.differenceTable().toMarkdown()).append('\n');
            md.append("The interval is the 95% confidence interval of the mean paired difference from Student's t"
                    + " distribution with n - 1 degrees of freedom (mean ± t · sd / √n); with few seeds it is wide,"
                    + " and an interval that contains 0 does not tell the heads apart.\n\n");
        }
    }

    private static void appendPerClass(StringBuilder md, List<HeadResult> results, HeadLabels labels) {
        List<String> classNames = results.get(0).classNames();
        int classes = classNames.size();
        for (HeadResult result : results) {
            double[] perClass = result.last().perClassAccuracy();
            classes = Math.max(classes, perClass == null ? 0 : perClass.length);
        }
        if (classes == 0) {
            return;
        }
        List<String> header = new ArrayList<>(List.of("Class", "Test images"));
        for (int i = 0; i < results.size(); i++) {
            header.add(labels.label(i) + " %");
        }
        long[][] confusion = results.get(0).last().confusion();
        List<List<String>> rows = new ArrayList<>();
        for (int c = 0; c < classes; c++) {
            List<String> row = new ArrayList<>();
            row.add(c < classNames.size() ? classNames.get(c) : Integer.toString(c));
            row.add(confusion != null && c < confusion.length ? Long.toString(sum(confusion[c])) : "-");
            for (HeadResult result : results) {
                double[] perClass = result.last().perClassAccuracy();
                row.add(perClass != null && c < perClass.length ? Formats.percent(perClass[c]) : "-");
            }
            rows.add(row);
        }
        md.append("## Per-class test accuracy (last epoch)\n\n");
        md.append(new TextTable(header, rows).toMarkdown()).append('\n');
    }

    private static long sum(long[] values) {
        long total = 0;
        for (long v : values) {
            total += v;
        }
        return total;
    }

    private static void item(StringBuilder md, String name, String value) {
        md.append("- **").append(name).append(":** ").append(value.strip().replace("\n", "\n  ")).append('\n');
    }

    private static String oneLine(String text) {
        return text.replace("\r\n", " ").replace('\n', ' ').replace('\r', ' ');
    }

    /** Inline code that survives backticks in the text (CommonMark: a longer fence and padding spaces). */
    static String inlineCode(String text) {
        int run = longestBacktickRun(text);
        if (run == 0) {
            return "`" + text + "`";
        }
        String fence = "`".repeat(run + 1);
        return fence + " " + text + " " + fence;
    }

    private static int longestBacktickRun(String text) {
        int longest = 0;
        int current = 0;
        for (int i = 0; i < text.length(); i++) {
            current = text.charAt(i) == '`' ? current + 1 : 0;
            longest = Math.max(longest, current);
        }
        return longest;
    }
}
