package io.github.wisesrnet.train;

/**
 * What an epoch trained away from this network's own {@code fit} loop (several workers, or Spark) reports back.
 *
 * @param meanLoss the mean training loss over the batches (NaN or infinite if a worker's loss was)
 * @param examples the training examples seen
 */
record DistributedEpoch(double meanLoss, long examples) {
}
