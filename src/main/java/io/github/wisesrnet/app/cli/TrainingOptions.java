package io.github.wisesrnet.app.cli;

import io.github.wisesrnet.layers.HeadInit;
import io.github.wisesrnet.backbones.Backbone;
import io.github.wisesrnet.train.Optimizer;
import io.github.wisesrnet.train.ParallelTraining;
import io.github.wisesrnet.train.SparkTraining;
import io.github.wisesrnet.train.TrainingConfig;
import picocli.CommandLine.Option;

/** Backbone and training recipe options shared by compare and train. Defaults: the paper's recipe. */
final class TrainingOptions {

    @Option(names = "--backbone", paramLabel = "NAME",
            description = "Backbone: tiny, small-cnn, resnet50, inception-v3, densenet121, densenet169, xception. Default: tiny for generated data, small-cnn for images.")
    String backbone;

    @Option(names = "--epochs", paramLabel = "N", description = "Epochs per head. Default: 6 for generated data,"
            + " 20 for images.")
    Integer epochs;

    @Option(names = "--batch", paramLabel = "N", description = "Batch size. Default: 70 (the paper's) for images,"
            + " 32 for the small generated set (more steps per epoch).")
    Integer batchSize;

    @Option(names = "--optimizer", paramLabel = "NAME", defaultValue = "sgd",
            description = "sgd (momentum, the paper's) or adam. Default: ${DEFAULT-VALUE}.")
    String optimizer;

    @Option(names = "--lr", paramLabel = "RATE", defaultValue = "0.045",
            description = "Initial learning rate (paper: 0.045).")
    double learningRate;

    @Option(names = "--momentum", paramLabel = "M", defaultValue = "0.9", description = "SGD momentum (paper: 0.9).")
    double momentum;

    @Option(names = "--lr-decay", paramLabel = "F", defaultValue = "0.94",
            description = "Learning-rate factor per step (paper: 0.94).")
    double decay;

    @Option(names = "--decay-every", paramLabel = "EPOCHS", defaultValue = "2",
            description = "Epochs between learning-rate steps (paper: 2).")
    int decayEvery;

    @Option(names = "--seed", paramLabel = "N", defaultValue = "42",
            description = "Seed for initialization, data order, augmentation and generated data. Default: 42.")
    long seed;

    @Option(names = "--head-init", paramLabel = "NAME", defaultValue = "paper",
            description = "How Wise-SrNet's spatial weights start: paper (Normal(0, 0.01)) or gap-equivalent"
                    + " (1/(kH*kW): the head averages the map at step 0, as GAP does). Default: ${DEFAULT-VALUE}.")
    String headInit;

    @Option(names = "--weights", paramLabel = "FILE",
            description = "Start the backbone from a Keras weights file (HDF5), such as Keras's ImageNet weights"
                    + " (docs/backbones.md); the head starts from its own initialization. Needs"
                    + " --backbone resnet50, inception-v3, densenet121, densenet169 or xception. The default"
                    + " preprocessing becomes the one the weights were trained with.")
    java.nio.file.Path weights;

    /**
     * What can be checked before any image is read or any folder written (Spark reachable, ParallelWrapper present,
     * the weights file fits the backbone; the weights are not needed to resume), then the data's description, with
     * the weights' preprocessing as default.
     */
    io.github.wisesrnet.data.DataSpec checkedDataSpec(DataOptions dataOptions, TrainingConfig config,
            Backbone backbone, boolean resume) throws java.io.IOException {
        if (config.spark() != null) {
            config.spark().check();
        }
        if (config.parallel() != null) {
            config.parallel().check();
        }
        String initFromMode = initFromPreprocessing(); // read once: the default and the check below both use it
        io.github.wisesrnet.data.DataSpec spec = dataOptions.spec(config.seed(),
                defaultPreprocessing(backbone, initFromMode));
        if (!resume) {
            checkWeights(backbone, spec.preprocessing());
            checkInitFrom(backbone, spec.preprocessing(), initFromMode);
        }
        return spec;
    }

    /**
     * The preprocessing when --preprocessing is not given: the Keras mode the weights expect, or the one the
     * --init-from network was trained with ({@code initFromMode}, from its run.json), else the paper's.
     */
    private String defaultPreprocessing(Backbone backbone, String initFromMode) {
        if (weights != null) {
            return kerasBackbone(backbone).kerasPreprocessing();
        }
        return initFromMode != null ? initFromMode : "caffe";
    }

    /** The preprocessing recorded in the run.json beside --init-from, or null when there is none. */
    private String initFromPreprocessing() {
        if (initFrom == null) {
            return null;
        }
        java.nio.file.Path record = initFrom.toAbsolutePath().resolveSibling(
                io.github.wisesrnet.train.RunRecord.FILE_NAME);
        try {
            io.github.wisesrnet.train.RunRecord run = java.nio.file.Files.isRegularFile(record)
                    ? io.github.wisesrnet.train.RunRecord.read(record) : null;
            return run == null || run.dataSpec() == null ? null : run.dataSpec().preprocessing();
        } catch (java.io.IOException e) {
            return null; // an unreadable record only loses the default; the network itself is checked next
        }
    }

    /**
     * Checks --init-from against the backbone before any data is read (a backbone of the smallest size takes the
     * parameters, which do not depend on the input size), and says what will be taken; {@code initFromMode} is the
     * preprocessing recorded beside the file, or null.
     */
    private void checkInitFrom(Backbone backbone, String preprocessing, String initFromMode)
            throws java.io.IOException {
        if (initFrom == null) {
            return;
        }
        int min = Math.max(backbone.minimumInputSize(), 8);
        io.github.wisesrnet.backbones.TrainedBackbone.Report report;
        try {
            io.github.wisesrnet.backbones.TrainedBackbone trained =
                    io.github.wisesrnet.backbones.TrainedBackbone.read(initFrom);
            // The channels the network was trained on, when it records its input (every network this library
            // builds does); the data's own channels are checked again when the network is built.
            org.deeplearning4j.nn.conf.inputs.InputType[] recorded =
                    io.github.wisesrnet.graph.InputTypeRecord.readFrom(trained.network().getConfiguration());
            long channels = recorded != null && recorded.length == 1
                    && recorded[0] instanceof org.deeplearning4j.nn.conf.inputs.InputType.InputTypeConvolutional c
                    ? c.getChannels() : 3;
            report = trained.copyInto(backbone.featureExtractor(min, min, (int) channels));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(e.getMessage() + " (--backbone " + backbone.cliName()
                    + (this.backbone == null ? ", the default" : "") + ", --init-from " + initFrom + ")", e);
        }
        System.out.println("Backbone weights: " + report);
        if (initFromMode != null) {
            notePreprocessing(initFrom.getFileName() + " was", initFromMode, preprocessing);
        }
    }

    /** Says when the run's preprocessing is not the one the backbone's weights were trained with. */
    private static void notePreprocessing(String trainedWhat, String trainedWith, String used) {
        if (io.github.wisesrnet.data.Preprocessing.fromName(trainedWith)
                != io.github.wisesrnet.data.Preprocessing.fromName(used)) {
            System.out.println("Note: " + trainedWhat + " trained with preprocessing '" + trainedWith
                    + "'; this run uses '" + used + "' (--preprocessing).");
        }
    }

    private Backbone kerasBackbone(Backbone backbone) {
        if (backbone.kerasImageNetWeights(false).isEmpty()) {
            throw new IllegalArgumentException("--weights needs one of the Keras backbones: choose it with --backbone"
                    + " (resnet50, inception-v3, densenet121, densenet169, xception); " + backbone.cliName()
                    + (this.backbone == null ? " (the default)" : "") + " is not one.");
        }
        return backbone;
    }

    /**
     * Checks --weights against the backbone before any data is read (weights do not depend on the input size, so a
     * backbone of the smallest size takes them), and says what will be loaded.
     */
    private void checkWeights(Backbone backbone, String preprocessing) throws java.io.IOException {
        if (weights == null) {
            return;
        }
        kerasBackbone(backbone);
        int min = backbone.minimumInputSize();
        io.github.wisesrnet.backbones.keras.KerasWeights.Report report;
        try {
            report = io.github.wisesrnet.backbones.keras.KerasWeights.read(weights).loadInto(
                    backbone.featureExtractor(min, min, 3));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(e.getMessage() + "\nIs " + weights.getFileName() + " a weights file"
                    + " for " + backbone.cliName() + "? Choose the backbone it belongs to with --backbone.", e);
        }
        System.out.println("Backbone weights: " + report);
        notePreprocessing("Keras's " + backbone.cliName() + " weights were", backbone.kerasPreprocessing(),
                preprocessing);
    }

    @Option(names = "--init-from", paramLabel = "FILE",
            description = "Start the backbone from a trained network: a best.zip or last.zip of 'train' or 'compare'"
                    + " (or any DL4J ComputationGraph zip whose layers carry --backbone's names), at this run's"
                    + " --size; its head is left behind and the chosen head attached. The default preprocessing"
                    + " becomes the one recorded beside it (run.json).")
    java.nio.file.Path initFrom;

    @Option(names = "--frozen-epochs", paramLabel = "N", defaultValue = "0",
            description = "Train only the head for the first N epochs (the backbone frozen, its batch normalization"
                    + " in inference mode), then every layer, with the optimizer started afresh. N >= --epochs keeps"
                    + " the backbone frozen throughout. Default: ${DEFAULT-VALUE}.")
    int frozenEpochs;

    @Option(names = "--backbone-lr-factor", paramLabel = "F", defaultValue = "1",
            description = "Scale the backbone's learning rate (and its schedule) by F, e.g. 0.1 to fine-tune"
                    + " pretrained layers gently while the head learns at --lr. Default: ${DEFAULT-VALUE}.")
    double backboneLrFactor;

    @Option(names = "--parallel", paramLabel = "N",
            description = "Train with N workers on this machine (DL4J's ParallelWrapper, parameter averaging): one per"
                    + " GPU with the cuda backend, or CPU workers. Each worker takes its own batch of --batch"
                    + " examples. Default: one worker.")
    Integer parallel;

    @Option(names = "--averaging-frequency", paramLabel = "ROUNDS",
            description = "With --parallel or --spark: average the workers' parameters every ROUNDS rounds (one"
                    + " batch per worker each). Default: 1.")
    Integer averagingFrequency;

    @Option(names = "--spark", paramLabel = "MASTER",
            description = "Train on Apache Spark with DL4J's Spark module (parameter averaging): local[N] (N worker"
                    + " threads in this JVM), spark://host:port, yarn, ... See docs/cluster.md.")
    String spark;

    @Option(names = "--spark-export-dir", paramLabel = "DIR",
            description = "With --spark: where the driver writes each epoch's batches for the executors; a folder every"
                    + " executor can read (required unless the master is local[N]). Default: a temporary folder.")
    java.nio.file.Path sparkExportDir;

    Backbone backbone(boolean images) {
        return backbone == null ? (images ? Backbone.SMALL_CNN : Backbone.TINY) : Backbone.fromName(backbone);
    }

    TrainingConfig config(boolean images) {
        int n = epochs != null ? epochs : (images ? 20 : 6);
        int batch = batchSize != null ? batchSize : (images ? 70 : 32);
        return new TrainingConfig(n, batch, Optimizer.fromName(optimizer), learningRate, momentum, decay,
                decayEvery, seed, HeadInit.fromName(headInit),
                weights == null ? null : weights.toAbsolutePath().normalize().toString(),
                parallelTraining(), sparkTraining(), fineTuning());
    }

    /** The fine-tuning options, or null when none is given (every layer trains alike from the first epoch). */
    private io.github.wisesrnet.train.FineTuning fineTuning() {
        if (initFrom == null && frozenEpochs == 0 && backboneLrFactor == 1.0) {
            return null;
        }
        return new io.github.wisesrnet.train.FineTuning(
                initFrom == null ? null : initFrom.toAbsolutePath().normalize().toString(), frozenEpochs,
                backboneLrFactor);
    }

    private SparkTraining sparkTraining() {
        if (spark == null) {
            if (sparkExportDir != null) {
                throw new IllegalArgumentException("--spark-export-dir needs --spark MASTER.");
            }
            return null;
        }
        return new SparkTraining(spark, averagingFrequency == null ? 1 : averagingFrequency,
                sparkExportDir == null ? null : sparkExportDir.toAbsolutePath().normalize().toString());
    }

    private ParallelTraining parallelTraining() {
        if (parallel == null) {
            if (averagingFrequency != null && spark == null) {
                throw new IllegalArgumentException("--averaging-frequency needs --parallel N or --spark MASTER.");
            }
            return null;
        }
        return new ParallelTraining(parallel, averagingFrequency == null ? 1 : averagingFrequency);
    }
}
