package io.github.wisesrnet.train;

import java.util.Locale;

/**
 * How a run fine-tunes a pretrained backbone: Keras's and timm's two-phase recipe. The first {@code frozenEpochs}
 * epochs train the head only (every backbone layer frozen, its batch normalization in inference mode, as Keras runs
 * non-trainable layers); then every layer trains, the backbone's layers at {@code backboneLearningRateFactor} times
 * the recipe's learning rate. Unfreezing starts the optimizer afresh, as recompiling a Keras model does.
 *
 * @param initFrom                   the checkpoint whose backbone the run started from (for the run record), or null
 * @param frozenEpochs               epochs at the start that train the head only; at or above the run's epochs the
 *                                   backbone stays frozen throughout
 * @param backboneLearningRateFactor the backbone's learning rate relative to the head's once it trains (above 0;
 *                                   usually at most 1); 1 trains every layer alike
 */
public record FineTuning(String initFrom, int frozenEpochs, double backboneLearningRateFactor) {

    /**
     * @throws IllegalArgumentException if {@code frozenEpochs < 0} or the factor is not a positive finite number
     */
    public FineTuning {
        if (frozenEpochs < 0) {
            throw new IllegalArgumentException("frozen epochs must be 0 or more, got " + frozenEpochs);
        }
        if (!(backboneLearningRateFactor > 0) || Double.isInfinite(backboneLearningRateFactor)) {
            throw new IllegalArgumentException("the backbone's learning-rate factor must be a positive number, got "
                    + backboneLearningRateFactor);
        }
    }

    /** Nothing frozen, every layer at the recipe's rate, the backbone from the given checkpoint (or null). */
    public static FineTuning from(String checkpoint) {
        return new FineTuning(checkpoint, 0, 1.0);
    }

    /** This with the backbone's origin set to {@code checkpoint} (null: none). */
    public FineTuning withInitFrom(String checkpoint) {
        return new FineTuning(checkpoint, frozenEpochs, backboneLearningRateFactor);
    }

    /** Whether the backbone is frozen in 1-based epoch {@code epoch}. */
    public boolean frozenIn(int epoch) {
        return epoch <= frozenEpochs;
    }

    /** Whether the layers of the backbone train differently from the head's in some epoch. */
    boolean treatsBackboneApart() {
        return frozenEpochs > 0 || backboneLearningRateFactor != 1.0;
    }

    /**
     * One phrase for logs and reports, e.g. "backbone from best.zip, backbone frozen for 2 epochs, backbone lr x 0.1";
     * empty when nothing is set.
     */
    public String describe() {
        StringBuilder s = new StringBuilder();
        if (initFrom != null) {
            s.append("backbone from ").append(java.nio.file.Path.of(initFrom).getFileName());
        }
        if (frozenEpochs > 0) {
            s.append(s.isEmpty() ? "" : ", ").append("backbone frozen for ").append(frozenEpochs)
                    .append(frozenEpochs == 1 ? " epoch" : " epochs");
        }
        if (backboneLearningRateFactor != 1.0) {
            s.append(s.isEmpty() ? "" : ", ").append(String.format(Locale.ROOT, "backbone lr x %s",
                    backboneLearningRateFactor));
        }
        return s.toString();
    }
}
