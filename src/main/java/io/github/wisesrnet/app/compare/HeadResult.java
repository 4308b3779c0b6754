package io.github.wisesrnet.app.compare;

import io.github.wisesrnet.train.EpochMetrics;
import io.github.wisesrnet.Head;

import java.util.List;

/**
 * One head's training run inside a comparison: everything the report needs.
 *
 * @param head        the head
 * @param parameters  total parameters of the network (backbone + head)
 * @param headParameters parameters of the head alone (pooling/weighting layers and the dense output layer)
 * @param epochs      metrics per epoch, in order
 * @param classNames  class names, index = label
 * @param seconds     total wall time of the run
 * @param seed        the run's seed (initialization, data order, augmentation)
 */
public record HeadResult(Head head, long parameters, long headParameters, List<EpochMetrics> epochs,
        List<String> classNames, double seconds, long seed) {

    /**
     * The epoch the run keeps as best: the highest validation top-1 with a validation split, else the highest test
     * top-1 (the earliest on ties). See {@link EpochMetrics#best}.
     */
    public EpochMetrics best() {
        return EpochMetrics.best(epochs);
    }

    /** Whether {@link #best()} was chosen on a validation split (else on the test split). */
    public boolean chosenOnValidation() {
        return EpochMetrics.chosenOnValidation(epochs);
    }

    /** The run's final epoch. The run must have at least one epoch. */
    public EpochMetrics last() {
        return epochs.get(epochs.size() - 1);
    }

    /** First epoch whose test top-1 reaches {@code accuracy}, or -1 if none does. */
    public int firstEpochReaching(double accuracy) {
        for (EpochMetrics e : epochs) {
            if (e.testTop1() >= accuracy) {
                return e.epoch();
            }
        }
        return -1;
    }
}
