package io.github.wisesrnet.train;

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
 */
public record EpochMetrics(int epoch, double learningRate, double trainLoss, double trainAccuracy, double testLoss,
        double testTop1, double testTop5, double[] perClassAccuracy, long[][] confusion, double seconds,
        double imagesPerSecond) {
}
