package example;

import io.github.wisesrnet.Head;
import io.github.wisesrnet.WiseSrNet;
import io.github.wisesrnet.backbones.Backbone;
import io.github.wisesrnet.backbones.TrainedBackbone;
import io.github.wisesrnet.backbones.keras.KerasWeights;
import io.github.wisesrnet.cpu.OneDnnHelpers;
import io.github.wisesrnet.deploy.OnnxClassifier;
import io.github.wisesrnet.deploy.OnnxExport;
import io.github.wisesrnet.explain.Attributions;
import io.github.wisesrnet.explain.SpatialAttribution;
import io.github.wisesrnet.inference.InferenceFolding;
import io.github.wisesrnet.train.FineTuning;
import io.github.wisesrnet.train.TrainingConfig;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.weights.WeightInitRelu;
import org.deeplearning4j.util.ModelSerializer;
import org.deeplearning4j.zoo.model.ResNet50;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.ops.transforms.Transforms;

import java.io.File;
import java.nio.file.Files;
import java.util.Arrays;

/**
 * Uses wise-srnet-dl4j as a project depending on it would: DL4J's zoo ResNet50 as the backbone, a Wise-SrNet head
 * attached in one call, a few training steps, then save, load, predict and explain. Exits with 1 if the loaded model does
 * not give the same output as the one that was saved.
 */
public final class ConsumerExample {

    /**
     * Input size. The zoo ResNet50 reduces its input 64 times (not 32 as Keras's does), so 224x224 gives a 4x4 final
     * map: with the paper's pre-pooling (p = 2) the head learns a 2x2 spatial weighting per channel.
     */
    private static final int HEIGHT = 224;
    private static final int WIDTH = 224;
    private static final int NUM_CLASSES = 5;
    private static final int BATCH = 2;
    private static final int STEPS = 3;

    private ConsumerExample() {
    }

    public static void main(String[] args) throws Exception {
        // DL4J's oneDNN layer helpers where the ND4J binary has oneDNN; with another binary, one log line.
        OneDnnHelpers.enable();

        // DL4J's zoo ResNet50; its graph builder keeps the input type, so the head needs only the number of classes.
        // (The zoo's default initialization, truncated normal, makes this network's outputs NaN; ReLU (He) does not.)
        ComputationGraph model = WiseSrNet.attach(ResNet50.builder()
                .numClasses(1000)
                .inputShape(new int[] {3, HEIGHT, WIDTH})
                .weightInit(new WeightInitRelu())
                .seed(42)
                .build()
                .graphBuilder(), NUM_CLASSES);
        System.out.printf("zoo ResNet50 + Wise-SrNet head: %,d parameters, %d classes%n", model.numParams(),
                NUM_CLASSES);

        DataSet batch = randomBatch(7);
        for (int step = 1; step <= STEPS; step++) {
            model.fit(batch);
            System.out.printf("step %d: score %.4f%n", step, model.score());
        }

        INDArray input = randomBatch(8).getFeatures();
        INDArray before = model.outputSingle(input);
        File file = File.createTempFile("wise-srnet-resnet50-", ".zip");
        file.deleteOnExit();
        ModelSerializer.writeModel(model, file, true);
        ComputationGraph loaded = ModelSerializer.restoreComputationGraph(file);
        OneDnnHelpers.tuneIfRequested(loaded); // DL4J rebuilds the layers on restore: tuned again if enable() took
        INDArray after = loaded.outputSingle(input);
        System.out.printf("saved and loaded %s (%,d bytes)%n", file.getName(), file.length());
        System.out.println("predicted classes: " + Arrays.toString(after.argMax(1).toLongVector()));
        if (!before.equals(after)) {
            System.err.println("The loaded model's output differs from the saved model's:\n" + before + "\n" + after);
            System.exit(1);
        }
        System.out.println("loaded model gives the same output as the saved one");

        // For serving: batch normalizations folded into the convolutions, the same outputs up to float rounding.
        ComputationGraph folded = InferenceFolding.fold(loaded);
        INDArray features = loaded.feedForward(input, false).get(WiseSrNet.SPATIAL_WEIGHTS_VERTEX);
        INDArray foldedFeatures = folded.feedForward(input, false).get(WiseSrNet.SPATIAL_WEIGHTS_VERTEX);
        double relativeDifference = features.sub(foldedFeatures).norm2Number().doubleValue()
                / features.norm2Number().doubleValue();
        System.out.printf("folded for inference: %d layers instead of %d; the head's features differ by %.1e"
                + " (relative L2)%n", folded.getLayers().length, loaded.getLayers().length, relativeDifference);
        if (!(relativeDifference < 1e-4) || !folded.outputSingle(input).equalsWithEps(after, 1e-4)) {
            System.err.println("The folded model computes something else");
            System.exit(1);
        }

        // Where the decision comes from: each feature-map position's exact share of the top class's score.
        Attributions why = SpatialAttribution.of(loaded).explainTopK(input, 1);
        double logit = why.logits().getDouble(0, 0);
        INDArray probabilities = Transforms.softmax(SpatialAttribution.of(loaded)
                .explain(input.get(NDArrayIndex.interval(0, 1)), classes(NUM_CLASSES)).logits());
        System.out.printf("image 0: class %d, score %.3f from a %dx%d map; softmax of the maps' sums equals the"
                + " model's output: %b%n", why.classes()[0][0], logit, why.maps().size(2), why.maps().size(3),
                probabilities.equalsWithEps(after.getRow(0, true), 1e-5));

        // The loaded model still knows its input type: another head attaches with two arguments too.
        ComputationGraph gap = WiseSrNet.attach(loaded, NUM_CLASSES, Head.GAP);
        System.out.printf("loaded model with a GAP head instead: output %s%n",
                Arrays.toString(gap.outputSingle(input).shape()));

        // The library's Keras-faithful backbones record their input type as well.
        ComputationGraph keras = WiseSrNet.attach(Backbone.RESNET50.featureExtractor(HEIGHT, WIDTH, 3), NUM_CLASSES);
        System.out.printf("Keras-faithful ResNet50 + Wise-SrNet head: %,d parameters%n", keras.numParams());

        // Fine-tuning: a trained network's backbone at twice its input with a new head, frozen in the first epoch.
        ComputationGraph trained = WiseSrNet.attach(Backbone.SMALL_CNN.featureExtractor(32, 32, 3), NUM_CLASSES,
                Head.GAP);
        ComputationGraph larger = Backbone.SMALL_CNN.featureExtractor(64, 64, 3);
        System.out.println("fine-tuning: " + TrainedBackbone.of(trained).copyInto(larger));
        TrainingConfig recipe = TrainingConfig.paper(2, 1).withFineTuning(new FineTuning(null, 1, 0.1));
        ComputationGraph fineTuned = recipe.applyTo(WiseSrNet.attach(larger, NUM_CLASSES));
        INDArray frozenWeights = fineTuned.getLayer("block1_conv").getParam("W").dup();
        fineTuned.fit(new DataSet(Nd4j.rand(DataType.FLOAT, BATCH, 3, 64, 64), randomBatch(3).getLabels()));
        boolean kept = frozenWeights.equals(fineTuned.getLayer("block1_conv").getParam("W"));
        System.out.printf("fine-tuning: the frozen backbone is unchanged after a training step: %b%n", kept);
        if (!kept) {
            System.exit(1);
        }

        // Deployment: the trained network as an ONNX file (needs nothing extra); running it needs ONNX Runtime, which
        // this project does not depend on: OnnxClassifier says what to add.
        File onnxFile = File.createTempFile("model-", ".onnx");
        onnxFile.deleteOnExit();
        OnnxExport.of(loaded).write(onnxFile.toPath());
        System.out.printf("exported to ONNX: %s (%,d bytes, opset %d)%n", onnxFile.getName(), onnxFile.length(),
                OnnxExport.OPSET);
        try {
            OnnxClassifier.open(onnxFile.toPath()).close();
        } catch (IllegalStateException e) {
            System.out.println("ONNX model without onnxruntime: " + e.getMessage());
        }

        // Keras's ImageNet weights are read with DL4J's Keras model import, which this project does not depend on:
        // without it, KerasWeights says what to add.
        File h5 = File.createTempFile("keras-weights-", ".h5");
        h5.deleteOnExit();
        Files.write(h5.toPath(), new byte[] {(byte) 0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n'});
        try {
            KerasWeights.read(h5.toPath());
        } catch (IllegalStateException e) {
            System.out.println("Keras weights without deeplearning4j-modelimport: " + e.getMessage());
        }
    }

    private static int[] classes(int n) {
        int[] all = new int[n];
        Arrays.setAll(all, i -> i);
        return all;
    }

    /** A batch of random images with one-hot labels, the same for the same seed. */
    private static DataSet randomBatch(long seed) {
        Nd4j.getRandom().setSeed(seed);
        INDArray features = Nd4j.rand(DataType.FLOAT, BATCH, 3, HEIGHT, WIDTH);
        INDArray labels = Nd4j.zeros(DataType.FLOAT, BATCH, NUM_CLASSES);
        for (int i = 0; i < BATCH; i++) {
            labels.putScalar(i, i % NUM_CLASSES, 1f);
        }
        return new DataSet(features, labels);
    }
}
