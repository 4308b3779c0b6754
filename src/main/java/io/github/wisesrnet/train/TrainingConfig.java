package io.github.wisesrnet.train;

import io.github.wisesrnet.layers.HeadInit;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.Nesterovs;
import org.nd4j.linalg.schedule.ISchedule;
import org.nd4j.linalg.schedule.ScheduleType;
import org.nd4j.linalg.schedule.StepSchedule;

/**
 * How to train: the paper's recipe by default (SGD with momentum 0.9, learning rate 0.045 multiplied by 0.94 every
 * 2 epochs, staircase; batch 70; categorical cross-entropy, which every attached head uses).
 *
 * @param epochs               number of epochs
 * @param batchSize            examples per batch
 * @param optimizer            SGD (Nesterov momentum in DL4J) or Adam
 * @param learningRate         initial learning rate
 * @param momentum             SGD momentum (unused by Adam)
 * @param decayRate            learning-rate factor applied every {@code decayEveryEpochs}
 * @param decayEveryEpochs     epochs between learning-rate steps
 * @param seed                 seed for initialization, shuffling and augmentation
 * @param headInit             how the spatial weights of Wise-SrNet heads start (null = the paper's; run records
 *                             written before this option read as the paper's)
 * @param kerasWeights         Keras weights file the backbone starts from (e.g. ImageNet weights), or null for a
 *                             backbone initialized from the seed
 * @param parallel             several workers on this machine, or null for one (run records written before this
 *                             option read as one)
 * @param spark                training on Apache Spark, or null for this JVM (not with {@code parallel})
 * @param fineTuning           where the backbone came from, frozen epochs and the backbone's learning rate, or null
 *                             to train every layer alike from the first epoch (run records written before this
 *                             option read as null)
 */
public record TrainingConfig(int epochs, int batchSize, Optimizer optimizer, double learningRate, double momentum,
        double decayRate, int decayEveryEpochs, long seed, HeadInit headInit, String kerasWeights,
        ParallelTraining parallel, SparkTraining spark, FineTuning fineTuning) {

    /**
     * Checks the ranges; a null {@code headInit} becomes {@link HeadInit#PAPER}.
     *
     * @throws IllegalArgumentException if {@code epochs} or {@code batchSize} is below 1, the learning rate is not
     *                                  above 0, {@code momentum} is not in [0, 1), {@code decayRate} not in (0, 1],
     *                                  {@code decayEveryEpochs} below 1, or both {@code parallel} and {@code spark} are
     *                                  given
     */
    public TrainingConfig {
        headInit = headInit == null ? HeadInit.PAPER : headInit;
        if (kerasWeights != null && fineTuning != null && fineTuning.initFrom() != null) {
            throw new IllegalArgumentException("Choose one start for the backbone: Keras weights (--weights) or a"
                    + " trained network (--init-from), not both.");
        }
        if (parallel != null && spark != null) {
            throw new IllegalArgumentException("Choose one way to distribute training: several workers on this machine"
                    + " (--parallel) or Spark (--spark), not both.");
        }
        if (epochs < 1) {
            throw new IllegalArgumentException("epochs must be at least 1, got " + epochs);
        }
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch size must be at least 1, got " + batchSize);
        }
        if (!(learningRate > 0)) {
            throw new IllegalArgumentException("learning rate must be > 0, got " + learningRate);
        }
        if (momentum < 0 || momentum >= 1) {
            throw new IllegalArgumentException("momentum must be in [0, 1), got " + momentum);
        }
        if (!(decayRate > 0) || decayRate > 1) {
            throw new IllegalArgumentException("learning-rate decay must be in (0, 1], got " + decayRate);
        }
        if (decayEveryEpochs < 1) {
            throw new IllegalArgumentException("decay interval must be at least 1 epoch, got " + decayEveryEpochs);
        }
    }

    /** The paper's recipe for the given number of epochs and seed. */
    public static TrainingConfig paper(int epochs, long seed) {
        return new TrainingConfig(epochs, 70, Optimizer.SGD, 0.045, 0.9, 0.94, 2, seed, HeadInit.PAPER, null, null,
                null);
    }

    /** A configuration that trains every layer alike from the first epoch (no {@link FineTuning}). */
    public TrainingConfig(int epochs, int batchSize, Optimizer optimizer, double learningRate, double momentum,
            double decayRate, int decayEveryEpochs, long seed, HeadInit headInit, String kerasWeights,
            ParallelTraining parallel, SparkTraining spark) {
        this(epochs, batchSize, optimizer, learningRate, momentum, decayRate, decayEveryEpochs, seed, headInit,
                kerasWeights, parallel, spark, null);
    }

    /** This configuration fine-tuning a pretrained backbone as {@code newFineTuning} says (null: no fine-tuning). */
    public TrainingConfig withFineTuning(FineTuning newFineTuning) {
        return new TrainingConfig(epochs, batchSize, optimizer, learningRate, momentum, decayRate, decayEveryEpochs,
                seed, headInit, kerasWeights, parallel, spark, newFineTuning);
    }

    /** This configuration with another number of epochs (e.g. to continue a run for longer). */
    public TrainingConfig withEpochs(int newEpochs) {
        return new TrainingConfig(newEpochs, batchSize, optimizer, learningRate, momentum, decayRate,
                decayEveryEpochs, seed, headInit, kerasWeights, parallel, spark, fineTuning);
    }

    /** This configuration with another seed (initialization, shuffling, augmentation). */
    public TrainingConfig withSeed(long newSeed) {
        return new TrainingConfig(epochs, batchSize, optimizer, learningRate, momentum, decayRate, decayEveryEpochs,
                newSeed, headInit, kerasWeights, parallel, spark, fineTuning);
    }

    /** This configuration with another start for the spatial weights (null: the paper's). */
    public TrainingConfig withHeadInit(HeadInit newHeadInit) {
        return new TrainingConfig(epochs, batchSize, optimizer, learningRate, momentum, decayRate, decayEveryEpochs,
                seed, newHeadInit, kerasWeights, parallel, spark, fineTuning);
    }

    /** This configuration trained by several workers (null: one). */
    public TrainingConfig withParallel(ParallelTraining newParallel) {
        return new TrainingConfig(epochs, batchSize, optimizer, learningRate, momentum, decayRate, decayEveryEpochs,
                seed, headInit, kerasWeights, newParallel, spark, fineTuning);
    }

    /** This configuration trained on Apache Spark (null: in this JVM). */
    public TrainingConfig withSpark(SparkTraining newSpark) {
        return new TrainingConfig(epochs, batchSize, optimizer, learningRate, momentum, decayRate, decayEveryEpochs,
                seed, headInit, kerasWeights, parallel, newSpark, fineTuning);
    }

    /** This configuration with the backbone starting from a Keras weights file (null: from the seed). */
    public TrainingConfig withKerasWeights(String file) {
        return new TrainingConfig(epochs, batchSize, optimizer, learningRate, momentum, decayRate, decayEveryEpochs,
                seed, headInit, file, parallel, spark, fineTuning);
    }

    /** This configuration with the learning rate of 0-based epoch {@code epochIndex} held constant (no schedule). */
    public TrainingConfig withConstantLearningRateOf(int epochIndex) {
        return new TrainingConfig(epochs, batchSize, optimizer, learningRateAt(epochIndex), momentum, 1.0, 1, seed,
                headInit, kerasWeights, parallel, spark, fineTuning);
    }

    /** Learning rate in 0-based epoch {@code epochIndex}: staircase decay. */
    public double learningRateAt(int epochIndex) {
        return schedule().valueAt(0, epochIndex);
    }

    /**
     * The learning-rate schedule: {@code learningRate * decayRate^floor(epoch / decayEveryEpochs)} for 0-based epochs.
     */
    public ISchedule schedule() {
        return schedule(1.0);
    }

    private ISchedule schedule(double factor) {
        return new StepSchedule(ScheduleType.EPOCH, learningRate * factor, decayRate, decayEveryEpochs);
    }

    /** The DL4J updater for every layer. */
    public IUpdater updater() {
        return updater(1.0);
    }

    /** The updater with the learning rate (and its whole schedule) scaled by {@code factor}. */
    IUpdater updater(double factor) {
        ISchedule schedule = schedule(factor);
        return switch (optimizer) {
            case SGD -> new Nesterovs(schedule, momentum);
            case ADAM -> new Adam(schedule);
        };
    }

    /**
     * The settings other than the number of epochs in which {@code other} differs from this configuration, each as
     * "name: this value, not other value" (e.g. "head init: gap-equivalent, not paper"); empty when none differ.
     */
    public java.util.List<String> differencesFrom(TrainingConfig other) {
        java.util.List<String> out = new java.util.ArrayList<>();
        differ(out, "batch size", batchSize, other.batchSize);
        differ(out, "optimizer", optimizer, other.optimizer);
        differ(out, "learning rate", learningRate, other.learningRate);
        differ(out, "momentum", momentum, other.momentum);
        differ(out, "learning-rate decay", decayRate, other.decayRate);
        differ(out, "decay interval", decayEveryEpochs, other.decayEveryEpochs);
        differ(out, "seed", seed, other.seed);
        differ(out, "head init", headInit.cliName(), other.headInit.cliName());
        differ(out, "Keras weights", java.util.Objects.toString(kerasWeights, "none"),
                java.util.Objects.toString(other.kerasWeights, "none"));
        differ(out, "parallel training", parallel == null ? "one worker" : parallel.describe(),
                other.parallel == null ? "one worker" : other.parallel.describe());
        // On Spark, where it runs (master, export folder) may change between sessions; how it averages may not.
        differ(out, "Spark", spark == null ? "none" : "averaging every " + spark.averagingFrequency(),
                other.spark == null ? "none" : "averaging every " + other.spark.averagingFrequency());
        // Where the backbone came from matters only at the start; how it trains matters to every epoch.
        differ(out, "frozen epochs", fineTuning == null ? 0 : fineTuning.frozenEpochs(),
                other.fineTuning == null ? 0 : other.fineTuning.frozenEpochs());
        differ(out, "backbone learning-rate factor", fineTuning == null ? 1.0 : fineTuning.backboneLearningRateFactor(),
                other.fineTuning == null ? 1.0 : other.fineTuning.backboneLearningRateFactor());
        return out;
    }

    private static void differ(java.util.List<String> out, String name, Object mine, Object theirs) {
        if (!mine.equals(theirs)) {
            out.add(name + ": " + mine + ", not " + theirs);
        }
    }

    /** One line for logs and reports. */
    public String describe() {
        String opt = optimizer == Optimizer.SGD ? "SGD (Nesterov) momentum " + momentum : "Adam";
        return opt + ", lr " + learningRate + " x " + decayRate + " every " + decayEveryEpochs + " epochs, batch "
                + batchSize + ", " + epochs + " epochs, seed " + seed
                + (headInit == HeadInit.PAPER ? "" : ", head init " + headInit.cliName())
                + (kerasWeights == null ? "" : ", backbone from " + java.nio.file.Path.of(kerasWeights).getFileName())
                + (parallel == null ? "" : ", " + parallel.describe())
                + (spark == null ? "" : ", " + spark.describe())
                + (fineTuning == null || fineTuning.describe().isEmpty() ? "" : ", " + fineTuning.describe());
    }

    /**
     * The same network (a new instance with the same parameters, no updater state) with this recipe's updater (and
     * learning-rate schedule) and seed on every layer, ready for its next epoch: {@code applyTo(net,
     * net.getEpochCount() + 1)}.
     */
    public ComputationGraph applyTo(ComputationGraph net) {
        return applyTo(net, net.getEpochCount() + 1);
    }

    /**
     * The same network (a new instance with the same parameters, no updater state, the epoch count kept) with this
     * recipe's updater (and learning-rate schedule) and seed on every layer, the forward-cache mode of {@code net}
     * kept, set up for 1-based {@code epoch} of the {@link #fineTuning()}: with frozen epochs, the backbone is frozen
     * in them (DL4J's frozen layers, which also run batch normalization in inference mode) and trainable after them;
     * with a backbone factor, the backbone's layers learn at that factor of the recipe's rate. The backbone is every
     * vertex up to the feature map ({@link io.github.wisesrnet.graph.FeatureMap}); the rest is the head. Without
     * frozen epochs, frozen layers the network already has (e.g. {@code AttachOptions.freezeBackbone}) stay frozen.
     * See {@link NetworkRebuild} for how (not with DL4J's {@code TransferLearning}, which loses NHWC merge axes).
     */
    public ComputationGraph applyTo(ComputationGraph net, int epoch) {
        return NetworkRebuild.rebuild(net, this, epoch);
    }

    /**
     * {@code net} if it is set up for 1-based {@code epoch} (frozen or not, as {@link #fineTuning()} says), else
     * {@link #applyTo(ComputationGraph, int)}: the switch between the frozen epochs and training every layer. The
     * optimizer starts afresh there, as recompiling a Keras model does: no updater state, and the iteration count at 0
     * (Adam's bias correction counts from it; the learning-rate schedule counts epochs, which are kept). Networks
     * without frozen epochs are returned as they are.
     */
    public ComputationGraph phaseFor(ComputationGraph net, int epoch) {
        if (fineTuning == null || fineTuning.frozenEpochs() == 0
                || NetworkRebuild.isFrozen(net) == fineTuning.frozenIn(epoch)) {
            return net;
        }
        ComputationGraph next = applyTo(net, epoch);
        next.getConfiguration().setIterationCount(0);
        return next;
    }
}
