package io.github.wisesrnet.train;

import java.util.List;

/**
 * What one training epoch measured.
 *
 * @param epoch             1-based epoch number
 * @param learningRate      learning rate used in this epoch
 * @param trainLoss         mean training loss over the epoch's batches
 * @param trainAccuracy     training top-1 accuracy over the epoch (with augmentation and dropout active)
 * @param testLoss          mean test loss
 * @param testTop1          test top-1 accuracy in [0, 1]
 * @param testTop5          test top-5 accuracy, or NaN with 5 classes or fewer
 * @param perClassAccuracy  test accuracy (recall) of each class, index = label
 * @param confusion         test confusion matrix: confusion[actual][predicted] counts
 * @param seconds           wall time of the epoch (training and evaluation)
 * @param imagesPerSecond   training images per second in this epoch
 * @param valLoss           mean validation loss, or null without a validation split
 * @param valTop1           validation top-1 accuracy in [0, 1], or null without a validation split
 */
public record EpochMetrics(int epoch, double learningRate, double trainLoss, double trainAccuracy, double testLoss,
        double testTop1, double testTop5, double[] perClassAccuracy, long[][] confusion, double seconds,
        double imagesPerSecond, Double valLoss, Double valTop1) {

    /** Whether this epoch was measured on a validation split. */
    public boolean hasValidation() {
        return valTop1 != null;
    }

    /**
     * The epoch a run keeps as its best: the highest validation top-1 when the epochs have a validation split,
     * else the highest test top-1 (the earliest on ties).
     *
     * @throws IllegalArgumentException for no epochs
     */
    public static EpochMetrics best(List<EpochMetrics> epochs) {
        if (epochs.isEmpty()) {
            throw new IllegalArgumentException("No epochs.");
        }
        boolean validation = chosenOnValidation(epochs);
        EpochMetrics best = epochs.get(0);
        for (EpochMetrics e : epochs) {
            if (validation ? e.valTop1() > best.valTop1() : e.testTop1() > best.testTop1()) {
                best = e;
            }
        }
        return best;
    }

    /** Whether {@link #best} chooses on validation for these epochs. */
    public static boolean chosenOnValidation(List<EpochMetrics> epochs) {
        return !epochs.isEmpty() && epochs.stream().allMatch(EpochMetrics::hasValidation);
    }
}
