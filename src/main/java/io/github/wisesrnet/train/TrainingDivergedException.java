package io.github.wisesrnet.train;

/**
 * The loss became NaN or infinite during training. The run stops at once; checkpoints of earlier epochs are left
 * as they were. The message names the epoch and what to change.
 */
public class TrainingDivergedException extends IllegalStateException {

    private final int epoch;

    /**
     * @param message what happened and what to change
     * @param epoch   the epoch (1-based) in which the loss stopped being finite
     */
    public TrainingDivergedException(String message, int epoch) {
        super(message);
        this.epoch = epoch;
    }

    /** The epoch (1-based) in which the loss stopped being finite. */
    public int epoch() {
        return epoch;
    }
}
