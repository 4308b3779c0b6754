package io.github.wisesrnet.train;

import io.github.wisesrnet.cpu.OneDnnHelpers;
import io.github.wisesrnet.layers.HeadInit;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.graph.MergeVertex;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
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
 */
public record TrainingConfig(int epochs, int batchSize, Optimizer optimizer, double learningRate, double momentum,
        double decayRate, int decayEveryEpochs, long seed, HeadInit headInit, String kerasWeights,
        ParallelTraining parallel, SparkTraining spark) {

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

    /** This configuration with another number of epochs (e.g. to continue a run for longer). */
    public TrainingConfig withEpochs(int newEpochs) {
        return new TrainingConfig(newEpochs, batchSize, optimizer, learningRate, momentum, decayRate,
                decayEveryEpochs, seed, headInit, kerasWeights, parallel, spark);
    }

    /** This configuration with another seed (initialization, shuffling, augmentation). */
    public TrainingConfig withSeed(long newSeed) {
        return new TrainingConfig(epochs, batchSize, optimizer, learningRate, momentum, decayRate, decayEveryEpochs,
                newSeed, headInit, kerasWeights, parallel, spark);
    }

    /** This configuration with another start for the spatial weights (null: the paper's). */
    public TrainingConfig withHeadInit(HeadInit newHeadInit) {
        return new TrainingConfig(epochs, batchSize, optimizer, learningRate, momentum, decayRate, decayEveryEpochs,
                seed, newHeadInit, kerasWeights, parallel, spark);
    }

    /** This configuration trained by several workers (null: one). */
    public TrainingConfig withParallel(ParallelTraining newParallel) {
        return new TrainingConfig(epochs, batchSize, optimizer, learningRate, momentum, decayRate, decayEveryEpochs,
                seed, headInit, kerasWeights, newParallel, spark);
    }

    /** This configuration trained on Apache Spark (null: in this JVM). */
    public TrainingConfig withSpark(SparkTraining newSpark) {
        return new TrainingConfig(epochs, batchSize, optimizer, learningRate, momentum, decayRate, decayEveryEpochs,
                seed, headInit, kerasWeights, parallel, newSpark);
    }

    /** This configuration with the backbone starting from a Keras weights file (null: from the seed). */
    public TrainingConfig withKerasWeights(String file) {
        return new TrainingConfig(epochs, batchSize, optimizer, learningRate, momentum, decayRate, decayEveryEpochs,
                seed, headInit, file, parallel, spark);
    }

    /** This configuration with the learning rate of 0-based epoch {@code epochIndex} held constant (no schedule). */
    public TrainingConfig withConstantLearningRateOf(int epochIndex) {
        return new TrainingConfig(epochs, batchSize, optimizer, learningRateAt(epochIndex), momentum, 1.0, 1, seed,
                headInit, kerasWeights, parallel, spark);
    }

    /** Learning rate in 0-based epoch {@code epochIndex}: staircase decay. */
    public double learningRateAt(int epochIndex) {
        return schedule().valueAt(0, epochIndex);
    }

    /**
     * The learning-rate schedule: {@code learningRate * decayRate^floor(epoch / decayEveryEpochs)} for 0-based epochs.
     */
    public ISchedule schedule() {
        return new StepSchedule(ScheduleType.EPOCH, learningRate, decayRate, decayEveryEpochs);
    }

    /** The DL4J updater for every layer. */
    public IUpdater updater() {
        return switch (optimizer) {
            case SGD -> new Nesterovs(schedule(), momentum);
            case ADAM -> new Adam(schedule());
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
                + (spark == null ? "" : ", " + spark.describe());
    }

    /**
     * The same network (a new instance with the same parameters, no updater state) with this recipe's updater (and
     * learning-rate schedule) and seed on every layer, the forward-cache mode of {@code net} kept. The configuration
     * is cloned and edited rather than rebuilt with DL4J's {@code TransferLearning}: in DL4J 1.0.0-M2.1 both the
     * rebuild and {@code MergeVertex.clone()} lose the concatenation axis that NHWC merge vertices were given
     * (DenseNet's and InceptionV3's concatenations then fail), so the axis is copied back.
     */
    public ComputationGraph applyTo(ComputationGraph net) {
        ComputationGraphConfiguration conf = net.getConfiguration().clone();
        net.getConfiguration().getVertices().forEach((name, vertex) -> {
            if (vertex instanceof MergeVertex merge) {
                MergeVertex copy = (MergeVertex) conf.getVertices().get(name);
                copy.setMergeAxis(merge.getMergeAxis());
                copy.setModified(merge.isModified());
            }
        });
        IUpdater updater = updater();
        for (GraphVertex vertex : conf.getVertices().values()) {
            if (vertex instanceof LayerVertex layerVertex) {
                layerVertex.getLayerConf().setSeed(seed());
                if (layerVertex.getLayerConf().getLayer() instanceof BaseLayer layer) {
                    layer.setIUpdater(updater.clone());
                    layer.setBiasUpdater(null); // biases follow the weights' updater
                }
            }
        }
        ComputationGraph updated = new ComputationGraph(conf);
        updated.init(net.params().dup(), false);
        OneDnnHelpers.tuneIfRequested(updated);
        updated.setCacheMode(conf.getCacheMode()); // init() keeps it in the configuration but gives it no layer
        return updated;
    }
}
