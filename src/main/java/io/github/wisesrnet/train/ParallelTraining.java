package io.github.wisesrnet.train;

/**
 * Training with several workers on one machine through DL4J's {@code ParallelWrapper}, parameter averaging: each
 * worker trains a copy of the network on its own batches (one per GPU with the CUDA backend, or CPU workers), and the
 * copies' parameters and updater states are averaged every {@code averagingFrequency} rounds of one batch per worker.
 * An averaging round therefore sees {@code workers x batch size} examples. Needs
 * {@code org.deeplearning4j:deeplearning4j-parallel-wrapper} on the classpath.
 *
 * @param workers            number of workers, at least 2
 * @param averagingFrequency rounds between averagings, at least 1 (1: after every round)
 */
public record ParallelTraining(int workers, int averagingFrequency) {

    /**
     * Checks the limits given for the components.
     *
     * @throws IllegalArgumentException if {@code workers < 2} or {@code averagingFrequency < 1}
     */
    public ParallelTraining {
        if (workers < 2) {
            throw new IllegalArgumentException("Parallel training needs at least 2 workers, got " + workers
                    + " (1 worker is ordinary training: leave the option out).");
        }
        if (averagingFrequency < 1) {
            throw new IllegalArgumentException("The averaging frequency must be at least 1 (round), got "
                    + averagingFrequency + ".");
        }
    }

    /**
     * Checks that DL4J's ParallelWrapper is on the classpath.
     *
     * @throws IllegalArgumentException naming the dependency to add
     */
    public void check() {
        try {
            Class.forName("org.deeplearning4j.parallelism.ParallelWrapper", false,
                    ParallelTraining.class.getClassLoader());
        } catch (ClassNotFoundException e) {
            throw new IllegalArgumentException("Training with several workers needs DL4J's ParallelWrapper: add the"
                    + " dependency org.deeplearning4j:deeplearning4j-parallel-wrapper (the DL4J version you use).", e);
        }
    }

    /** One phrase for logs and reports. */
    public String describe() {
        return workers + " workers (ParallelWrapper), parameters averaged every "
                + (averagingFrequency == 1 ? "round" : averagingFrequency + " rounds");
    }
}
