package io.github.wisesrnet.app.report;

import io.github.wisesrnet.train.EpochMetrics;
import io.github.wisesrnet.app.compare.HeadResult;

import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Writes the per-epoch metrics of all heads as CSV, one record per head per epoch. Accuracies are fractions in
 * [0, 1]; numbers use Java's shortest round-trip notation; a NaN top-5 (5 classes or fewer) and the
 * validation columns of runs without a validation split are empty fields.
 */
final class EpochCsv {

    static final List<String> HEADER = List.of("head", "epoch", "learning_rate", "train_loss", "train_accuracy",
            "test_loss", "test_top1", "test_top5", "seconds", "images_per_second", "val_loss", "val_top1");

    private EpochCsv() {
    }

    static void write(Path file, List<HeadResult> results) throws IOException {
        HeadLabels labels = HeadLabels.of(results);
        try (Writer out = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            out.write(Csv.record(HEADER));
            for (int i = 0; i < results.size(); i++) {
                for (EpochMetrics e : results.get(i).epochs()) {
                    out.write(Csv.record(List.of(labels.label(i), Integer.toString(e.epoch()),
                            number(e.learningRate()), number(e.trainLoss()), number(e.trainAccuracy()),
                            number(e.testLoss()), number(e.testTop1()),
                            Double.isNaN(e.testTop5()) ? "" : number(e.testTop5()),
                            number(e.seconds()), number(e.imagesPerSecond()),
                            e.valLoss() == null ? "" : number(e.valLoss()),
                            e.valTop1() == null ? "" : number(e.valTop1()))));
                }
            }
        }
    }

    private static String number(double value) {
        return Double.toString(value);
    }
}
