package io.github.wisesrnet.train;

/** Receives training progress; the command line shows it as progress bars. */
public interface ProgressReporter {

    /** A reporter that ignores everything. */
    ProgressReporter NONE = new ProgressReporter() {
    };

    /** A phase ("train", "test") of an epoch starts with {@code totalExamples} examples. */
    default void phaseStarted(String label, int epoch, int epochs, long totalExamples) {
    }

    /** {@code examples} more examples are done in the current phase. */
    default void examplesDone(long examples, double runningLoss) {
    }

    /** The phase last started is done. */
    default void phaseFinished() {
    }

    /** An epoch is done: trained, evaluated and, with checkpoints, saved; {@code metrics} is what it measured. */
    default void epochFinished(EpochMetrics metrics) {
    }
}
