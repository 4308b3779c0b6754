package io.github.wisesrnet.train;

import java.util.Locale;

/** Optimizers the training recipe offers. */
public enum Optimizer {
    /**
     * SGD with momentum, the paper's choice. DL4J has no classical-momentum SGD updater; its {@code Nesterovs}
     * (Nesterov momentum) is used with the same momentum.
     */
    SGD,
    /** Adam with DL4J's default betas and epsilon; the momentum setting is unused. */
    ADAM;

    /**
     * Parses an optimizer name, case-insensitive: "sgd" or "adam".
     *
     * @throws IllegalArgumentException for another name
     */
    public static Optimizer fromName(String name) {
        try {
            return valueOf(name.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("Unknown optimizer '" + name + "'. Expected sgd or adam.");
        }
    }
}
