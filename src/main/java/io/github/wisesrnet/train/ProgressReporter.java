package io.github.wisesrnet.train;

/** Receives training progress; the command line shows it as progress bars. */
public interface ProgressReporter {

    ProgressReporter NONE = new ProgressReporter() {
    };

    /** A phase ("train", "test") of an epoch starts with {@code totalExamples} examples. */
    default void phaseStarted(String label, int epoch, int epochs, long totalExamples) {
    }

    /** {@code examples} more examples are done in the current phase. */
    default void examplesDone(long examples, double runningLoss) {
    }

    default void phaseFinished() {
    }

    default void epochFinished(EpochMetrics metrics) {
    }
}
