package io.github.wisesrnet.fidelity;

import io.github.wisesrnet.AttachOptions;
import io.github.wisesrnet.Head;
import io.github.wisesrnet.HelperSwitch;
import io.github.wisesrnet.TorchPython;
import io.github.wisesrnet.WiseSrNet;
import io.github.wisesrnet.app.compare.ModelFactory;
import io.github.wisesrnet.backbones.Backbone;
import io.github.wisesrnet.cpu.OneDnnHelpers;
import io.github.wisesrnet.data.Augmentation;
import io.github.wisesrnet.data.ImageFolderData;
import io.github.wisesrnet.data.ImageOptions;
import io.github.wisesrnet.data.TestImages;
import io.github.wisesrnet.layers.HeadInit;
import io.github.wisesrnet.train.TrainingConfig;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.nd4j.linalg.factory.Nd4j;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * DL4J's training equals an independent PyTorch implementation step for step. Both sides start from the same
 * weights (written here), see the same batches (Intel images, preprocessed here, no augmentation) and follow the
 * paper's recipe: SGD with Nesterov momentum 0.9, learning rate 0.045 x 0.94 every 2 epochs (epochs of 10 steps
 * here, so 50 steps cross two decays), batch norm in training mode, the non-negative constraint. The PyTorch side
 * ({@code src/test/python/twin_steps.py}) computes every operation with PyTorch's functions and follows the paper's
 * Keras conventions where the frameworks differ ({@link TwinRun.Conventions}).
 *
 * <p>In double precision the two must agree to rounding at every step (small-cnn: within 1e-8, measured at most 1.3e-12;
 * ResNet50, which amplifies rounding, within the envelope its twin measures of itself); in single precision, as the
 * command line trains (oneDNN, the tuned layers, the forward cache), within 1e-4 for the first steps and then within
 * 10 times the twin's own float rounding. The differences are written
 * to {@code target/fidelity/step-for-step.txt}. Needs a Python with PyTorch ({@link TorchPython}; {@code .ci/run}
 * installs Debian's) and the Intel images in {@code ../shared}; skips, saying which is missing, without them.
 */
class PyTorchTwinStepTest {

    private static final Path INTEL = TestImages.INTEL;
    private static final Path OUT = Path.of("target/fidelity");
    /** Steps per case; {@code -Dwisesrnet.twin.steps=N} changes it to look closer at a difference. */
    static final int STEPS = Integer.getInteger("wisesrnet.twin.steps", 50);
    static final int BATCH = 4;
    /** ResNet50: batches as small, its steps cost about 30 times small-cnn's. */
    static final int RESNET_BATCH = 4;
    static final TwinRun.Recipe RECIPE = new TwinRun.Recipe(0.045, 0.9, 0.94, 2, 10);
    /** Double precision: rounding only (measured at most 1.3e-12 after 50 steps; 1e-8 leaves room). */
    static final double DOUBLE_TOLERANCE = 1e-8;
    /** Single precision, the bound for the first steps. */
    static final double FLOAT_EARLY_TOLERANCE = 1e-4;
    static final int FLOAT_EARLY_STEPS = 10;
    /** After the first steps, DL4J within this many times the twin's distance to its reference run. */
    static final double FLOAT_ENVELOPE_FACTOR = 10;
    /**
     * Single precision, parameters after 50 steps relative to their largest value. DL4J's float sums are less exact
     * than PyTorch's: batch-norm betas, small (1.3e-3) and summed over every pixel of the batch, end 1.8e-2 apart
     * (2.6e-5 absolute), where the twin's float and double runs are 8e-10 apart; in double precision 4e-15.
     */
    static final double FLOAT_PARAMETER_TOLERANCE = 5e-2;

    private static TorchPython python;

    @BeforeAll
    static void findPythonAndImages() throws IOException {
        python = TorchPython.find("torch").orElse(null);
        assumeTrue(python != null, "PyTorch twin skipped: " + TorchPython.whyMissing());
        assumeTrue(Files.isDirectory(INTEL.resolve("test")),
                "PyTorch twin skipped: the Intel images are not at " + INTEL.toAbsolutePath());
        Files.createDirectories(OUT);
    }

    @Test
    void smallCnnGap() throws Exception {
        assertDoubleAgreement("small-cnn-48-gap", Backbone.SMALL_CNN, 48, Head.GAP, HeadInit.PAPER);
    }

    @Test
    void smallCnnWiseSrNetPaperInitMapMultipleOfPool() throws Exception { // 6x6 map, p = 2
        assertDoubleAgreement("small-cnn-48-wise-srnet-paper", Backbone.SMALL_CNN, 48, Head.WISE_SRNET,
                HeadInit.PAPER);
    }

    @Test
    void smallCnnWiseSrNetPaperInitMapNotMultipleOfPool() throws Exception { // 7x7 map, p = 2: last row/column dropped
        assertDoubleAgreement("small-cnn-56-wise-srnet-paper", Backbone.SMALL_CNN, 56, Head.WISE_SRNET,
                HeadInit.PAPER);
    }

    @Test
    void smallCnnWiseSrNetGapEquivalentInit() throws Exception {
        assertDoubleAgreement("small-cnn-48-wise-srnet-gap-equivalent", Backbone.SMALL_CNN, 48, Head.WISE_SRNET,
                HeadInit.GAP_EQUIVALENT);
        assertDoubleAgreement("small-cnn-56-wise-srnet-gap-equivalent", Backbone.SMALL_CNN, 56, Head.WISE_SRNET,
                HeadInit.GAP_EQUIVALENT);
    }

    @Test
    void smallCnnDepthwiseNonNegative() throws Exception { // p = 1: the kernel covers the whole 7x7 map
        assertDoubleAgreement("small-cnn-56-depthwise-nonneg", Backbone.SMALL_CNN, 56, Head.DEPTHWISE_NONNEG,
                HeadInit.PAPER);
    }

    /**
     * ResNet50 at 64x64 (2x2 map, p = 2) on batches of 4: batch norm over 16 values per channel at the last stage
     * makes this network multiply any rounding-sized difference by about 100 per step (measured: 8e-15 at step 2,
     * 9e-11 at step 5, 3e-7 at step 7, 3e-4 at step 8), so exact implementations part after a few steps and then stay
     * as far apart as two unrelated runs of the same recipe. The twin's own reference (its start changed by 1e-13
     * relative) measures that envelope. DL4J must agree to rounding while the envelope is small (the first 5 steps),
     * and afterwards stay within 10 times the envelope at every step, in every parameter and in the eval outputs. A
     * convention difference that shows only later is caught on small-cnn, where nothing amplifies
     * ({@link #pyTorchsOwnConventionsDifferWhereExpected}). About 7 minutes on 2 cores: run by {@code .ci/run} and
     * the {@code slow} profile.
     */
    @Test
    @Tag("slow")
    void resNet50WiseSrNet() throws Exception {
        String name = "resnet50-64-wise-srnet";
        ImageFolderData data = intel(64);
        ComputationGraph net = doublePrecision(Backbone.RESNET50, 64, Head.WISE_SRNET, HeadInit.PAPER, data);
        TwinRun run = run(name, net, data, TwinRun.Conventions.KERAS, RESNET_BATCH, new TwinRun.Reference(1e-13));
        report(name, run);
        assertTrue(run.maxLossDifference(0, 5) <= DOUBLE_TOLERANCE, name + ": " + run.summary());
        List<Integer> outside = run.stepsOutsideEnvelope(DOUBLE_TOLERANCE, FLOAT_ENVELOPE_FACTOR);
        assertTrue(outside.isEmpty(), name + ": steps outside the envelope " + outside + "; " + run.summary());
        assertTrue(run.worstParameter().getValue() <= Math.max(DOUBLE_TOLERANCE,
                FLOAT_ENVELOPE_FACTOR * run.reference().worstParameter().getValue()), name + ": " + run.summary());
        assertTrue(run.evalDifference() <= Math.max(DOUBLE_TOLERANCE,
                FLOAT_ENVELOPE_FACTOR * run.reference().evalDifference()), name + ": " + run.summary());
    }

    /** Single precision, built as the command line builds it (ModelFactory with the fast CPU setup). */
    @Test
    void asTheCommandLineTrainsInSinglePrecision() throws Exception {
        for (Head head : List.of(Head.GAP, Head.WISE_SRNET)) {
            String name = "small-cnn-48-" + head.cliName() + "-float-cli";
            TwinRun run;
            try (HelperSwitch ignored = HelperSwitch.saved()) {
                OneDnnHelpers.enable();
                ImageFolderData data = intel(48);
                ComputationGraph net = ModelFactory.build(Backbone.SMALL_CNN, head, data, config(HeadInit.PAPER));
                run = run(name, net, data, TwinRun.Conventions.KERAS, BATCH, new TwinRun.Reference(0));
            }
            report(name + " (" + OneDnnHelpers.describe() + ")", run);
            assertFloatAgreement(name, run);
        }
    }

    /** Single precision with DL4J's built-in layers (no oneDNN, no tuning), as a library user gets by default. */
    @Test
    void withDl4jsOwnLayersInSinglePrecision() throws Exception {
        String name = "small-cnn-48-wise-srnet-float-plain";
        ImageFolderData data = intel(48);
        ComputationGraph net = withoutCpuSetup(Backbone.SMALL_CNN, 48, Head.WISE_SRNET, HeadInit.PAPER, data);
        TwinRun run = run(name, net, data, TwinRun.Conventions.KERAS, BATCH, new TwinRun.Reference(0));
        report(name, run);
        assertFloatAgreement(name, run);
    }

    private static void assertFloatAgreement(String name, TwinRun run) {
        double early = run.maxLossDifference(0, FLOAT_EARLY_STEPS);
        assertTrue(early <= FLOAT_EARLY_TOLERANCE, name + ": loss differs by " + early + " in the first "
                + FLOAT_EARLY_STEPS + " steps; " + run.summary());
        // Later, float rounding grows with the network's own sensitivity (GAP trains the backbone from the first
        // step and amplifies it; Wise-SrNet's small initial weights barely do): DL4J's float run stays within 10
        // times the distance between the twin's float run and its double one.
        List<Integer> outside = run.stepsOutsideEnvelope(FLOAT_EARLY_TOLERANCE, FLOAT_ENVELOPE_FACTOR);
        assertTrue(outside.isEmpty(), name + ": steps outside the envelope " + outside + "; " + run.summary());
        assertTrue(run.evalDifference() <= Math.max(FLOAT_EARLY_TOLERANCE,
                FLOAT_ENVELOPE_FACTOR * run.reference().evalDifference()), name + ": " + run.summary());
        assertTrue(run.worstParameter().getValue() <= Math.max(FLOAT_PARAMETER_TOLERANCE,
                FLOAT_ENVELOPE_FACTOR * run.reference().worstParameter().getValue()), name + ": " + run.summary());
    }

    /**
     * The two conventions where PyTorch differs from the paper's Keras code, measured: with PyTorch's own (learning
     * rate outside the Nesterov velocity; unbiased running variance) the twin leaves DL4J at the first learning-rate
     * change, and its running variances differ by about 1/n, so the comparison above would catch either difference.
     */
    @Test
    void pyTorchsOwnConventionsDifferWhereExpected() throws Exception {
        String name = "small-cnn-48-wise-srnet-pytorch-conventions";
        ImageFolderData data = intel(48);
        ComputationGraph net = doublePrecision(Backbone.SMALL_CNN, 48, Head.WISE_SRNET, HeadInit.PAPER, data);
        TwinRun run = run(name, net, data, TwinRun.Conventions.PYTORCH);
        report(name, run);
        int decay = RECIPE.stepsPerEpoch() * RECIPE.decayEveryEpochs(); // first step with the decayed rate
        // Up to the first decay the Nesterov formulations are the same update and the running variance does not
        // feed the training loss: the losses agree to rounding.
        assertTrue(run.maxLossDifference(0, decay + 1) <= DOUBLE_TOLERANCE, run.summary());
        // After it, PyTorch's formulation scales the whole velocity by the new rate: the losses part.
        assertTrue(run.maxLossDifference(decay + 1, STEPS) > 1e-6, run.summary());
        double variance = run.parameterDifferences().entrySet().stream()
                .filter(e -> e.getKey().endsWith(".log10stdev")).mapToDouble(e -> e.getValue()).max().orElseThrow();
        assertTrue(variance > 1e-6, "running variances should differ with the unbiased estimate: " + variance);
    }

    private void assertDoubleAgreement(String name, Backbone backbone, int size, Head head, HeadInit init)
            throws Exception {
        ImageFolderData data = intel(size);
        ComputationGraph net = doublePrecision(backbone, size, head, init, data);
        TwinRun run = run(name, net, data, TwinRun.Conventions.KERAS);
        report(name, run);
        assertTrue(run.maxLossDifference(0, STEPS) <= DOUBLE_TOLERANCE, name + ": " + run.summary());
        assertTrue(run.worstParameter().getValue() <= DOUBLE_TOLERANCE, name + ": " + run.summary());
        assertTrue(run.evalDifference() <= DOUBLE_TOLERANCE, name + ": " + run.summary());
    }

    private static TrainingConfig config(HeadInit init) {
        return TrainingConfig.paper(Math.max(1, STEPS / RECIPE.stepsPerEpoch()), 7).withHeadInit(init);
    }

    /** The network as {@link ModelFactory} builds it, without the CPU setup (DL4J's own layers), in float. */
    private static ComputationGraph withoutCpuSetup(Backbone backbone, int size, Head head, HeadInit init,
            ImageFolderData data) {
        InputType input = InputType.convolutional(size, size, 3);
        ComputationGraph features = backbone.featureExtractor((InputType.InputTypeConvolutional) input, 7);
        ComputationGraph net = WiseSrNet.attach(features, data.numClasses(),
                AttachOptions.builder().head(head).inputTypes(input).headInit(init).build());
        return config(init).applyTo(net);
    }

    /** {@link #withoutCpuSetup} in double precision. */
    private static ComputationGraph doublePrecision(Backbone backbone, int size, Head head, HeadInit init,
            ImageFolderData data) {
        return withoutCpuSetup(backbone, size, head, init, data).convertDataType(DataType.DOUBLE);
    }

    private static TwinRun run(String name, ComputationGraph net, ImageFolderData data,
            TwinRun.Conventions conventions) throws IOException, InterruptedException {
        return run(name, net, data, conventions, BATCH, null);
    }

    private static TwinRun run(String name, ComputationGraph net, ImageFolderData data,
            TwinRun.Conventions conventions, int batchSize, TwinRun.Reference reference)
            throws IOException, InterruptedException {
        DataType type = net.params().dataType();
        DataSet pool = all(data.test(64));
        INDArray x = pool.getFeatures().castTo(type);
        INDArray y = pool.getLabels().castTo(type);
        int n = (int) x.size(0);
        List<Integer> evalRows = new ArrayList<>();
        List<Integer> trainRows = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            (i % 6 == 0 ? evalRows : trainRows).add(i);
        }
        Random random = new Random(42);
        int[][] order = new int[STEPS][batchSize];
        for (int[] batch : order) {
            for (int j = 0; j < batchSize; j++) {
                batch[j] = trainRows.get(random.nextInt(trainRows.size()));
            }
        }
        INDArray xEval = TwinRun.rows(x, evalRows.stream().mapToInt(Integer::intValue).toArray());
        return TwinRun.run(python, OUT.resolve(name), net, x, y, order, xEval, RECIPE, conventions, reference);
    }

    /** The first 40 test images of each class at {@code size}, preprocessed (caffe), not augmented. */
    private static ImageFolderData intel(int size) {
        return ImageFolderData.testOnly(INTEL, ImageOptions.of(size, size).withAugmentation(Augmentation.none())
                .withMaxPerClass(40).withWorkers(1));
    }

    /** Every batch of {@code it}, merged into one data set. */
    static DataSet all(DataSetIterator it) {
        List<DataSet> batches = new ArrayList<>();
        while (it.hasNext()) {
            batches.add(it.next());
        }
        return DataSet.merge(batches);
    }

    private static synchronized void report(String name, TwinRun run) throws IOException {
        String line = name + ": " + run.summary();
        System.out.println(line);
        Files.writeString(OUT.resolve("step-for-step.txt"), line + System.lineSeparator(),
                StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }
}
