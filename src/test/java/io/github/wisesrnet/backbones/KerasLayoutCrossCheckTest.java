package io.github.wisesrnet.backbones;

import io.github.wisesrnet.backbones.keras.KerasWeights;

import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.DepthwiseConvolution2D;
import org.deeplearning4j.nn.conf.layers.SeparableConvolution2D;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.modelimport.keras.KerasModelImport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The layout conventions checked against DL4J's own Keras import, an implementation written by other hands: one
 * Keras-format weights file with every layer type the backbones use (convolution with and without bias, batch
 * normalization with and without scale, depthwise and separable convolution with depth multipliers 1 and 2, a layer
 * name with '/', dense), read by {@link KerasModelImport} with a Keras model config written here, and by
 * {@link KerasWeights} into the same network built from {@link GraphBlocks}. Both must compute the same thing: every
 * layer's activation and the output.
 */
class KerasLayoutCrossCheckTest {

    private static final int SIZE = 12;
    private static final int CLASSES = 3;

    @TempDir
    Path dir;

    @Test
    void dl4jKerasImportAndOurLoaderComputeTheSame() throws Exception {
        Nd4j.getRandom().setSeed(2024);
        KerasH5Writer weights = new KerasH5Writer();
        List<String> layers = new ArrayList<>();
        String previous = "input_1";
        layers.add(inputLayer());
        // name, class, config, weights (Keras layout)
        layers.add(layer("conv1/conv", "Conv2D", conv(4, "same", true), previous));
        weights.weight("conv1/conv", "kernel", random(3, 3, 3, 4)).weight("conv1/conv", "bias", random(4));
        layers.add(layer("bn_scaled", "BatchNormalization", batchNorm(true), "conv1/conv"));
        batchNormWeights(weights, "bn_scaled", 4, true);
        layers.add(layer("relu", "Activation", "{\"name\": \"relu\", \"trainable\": true, \"activation\": \"relu\"}",
                "bn_scaled"));
        layers.add(layer("conv_nobias", "Conv2D", conv(6, "valid", false), "relu"));
        weights.weight("conv_nobias", "kernel", random(3, 3, 4, 6));
        layers.add(layer("bn_noscale", "BatchNormalization", batchNorm(false), "conv_nobias"));
        batchNormWeights(weights, "bn_noscale", 6, false);
        layers.add(layer("dwconv", "DepthwiseConv2D", depthwise(2), "bn_noscale"));
        weights.weight("dwconv", "depthwise_kernel", random(3, 3, 6, 2)).weight("dwconv", "bias", random(12));
        layers.add(layer("sep1", "SeparableConv2D", separable(8, 1, false), "dwconv"));
        weights.weight("sep1", "depthwise_kernel", random(3, 3, 12, 1))
                .weight("sep1", "pointwise_kernel", random(1, 1, 12, 8));
        layers.add(layer("sep2", "SeparableConv2D", separable(5, 2, true), "sep1"));
        weights.weight("sep2", "depthwise_kernel", random(3, 3, 8, 2))
                .weight("sep2", "pointwise_kernel", random(1, 1, 16, 5)).weight("sep2", "bias", random(5));
        layers.add(layer("avg_pool", "GlobalAveragePooling2D",
                "{\"name\": \"avg_pool\", \"trainable\": true, \"data_format\": \"channels_last\"}", "sep2"));
        layers.add(layer("predictions", "Dense", dense(CLASSES), "avg_pool"));
        weights.weight("predictions", "kernel", random(5, CLASSES)).weight("predictions", "bias", random(CLASSES));
        for (String weightless : List.of("input_1", "relu", "avg_pool")) {
            weights.layer(weightless);
        }

        Path json = Files.writeString(dir.resolve("model.json"), modelConfig(layers));
        Path h5 = dir.resolve("weights.h5");
        weights.write(h5, false);

        ComputationGraph dl4jImport = KerasModelImport.importKerasModelAndWeights(json.toString(), h5.toString(),
                false);
        ComputationGraph ours = equivalentNetwork();
        KerasWeights.Report report = KerasWeights.read(h5).loadInto(ours);
        assertEquals(8, report.loaded().size(), report.toString());

        INDArray nhwc = Nd4j.rand(DataType.FLOAT, 4, SIZE, SIZE, 3).muli(2).subi(1);
        INDArray nchw = nhwc.permute(0, 3, 1, 2).dup();
        Map<String, INDArray> theirs = dl4jImport.feedForward(nhwc, false);
        Map<String, INDArray> mine = ours.feedForward(nchw, false);
        for (String name : List.of("conv1/conv", "bn_scaled", "conv_nobias", "bn_noscale", "dwconv", "sep1",
                "sep2")) {
            INDArray expected = theirs.get(name);
            INDArray actual = mine.get(name);
            // DL4J's import keeps Keras's channels-last layout; our network is NCHW
            INDArray expectedNchw = expected.shape()[3] == actual.shape()[1] && expected.shape()[1] == actual.shape()[2]
                    ? expected.permute(0, 3, 1, 2) : expected;
            assertTrue(expectedNchw.equalsWithEps(actual, 1e-4), name + ": DL4J's import and ours differ\n"
                    + expectedNchw + "\n" + actual);
        }
        INDArray expectedOutput = dl4jImport.outputSingle(nhwc);
        INDArray actualOutput = ours.outputSingle(nchw);
        assertTrue(expectedOutput.equalsWithEps(actualOutput, 1e-5), expectedOutput + "\n" + actualOutput);
        assertTrue(expectedOutput.maxNumber().doubleValue() > 0.4, "outputs must not be uniform: " + expectedOutput);
    }

    /** The same layers with {@link GraphBlocks}, as the backbones build them. */
    private static ComputationGraph equivalentNetwork() {
        GraphBlocks b = GraphBlocks.start((InputType.InputTypeConvolutional) InputType.convolutional(SIZE, SIZE, 3,
                CNN2DFormat.NCHW), 1, GraphBlocks.KERAS_BN_EPSILON);
        String x = b.conv("conv1/conv", GraphBlocks.INPUT, 4, 3, 3, 1, GraphBlocks.SAME, true);
        x = b.batchNorm("bn_scaled", x);
        x = b.relu("relu", x);
        x = b.conv("conv_nobias", x, 6, 3, 3, 1, GraphBlocks.VALID, false);
        x = b.batchNorm("bn_noscale", x);
        x = b.layer("dwconv", new DepthwiseConvolution2D.Builder(3, 3).depthMultiplier(2)
                .convolutionMode(GraphBlocks.SAME).hasBias(true).activation(Activation.IDENTITY).build(), x);
        x = b.separableConv("sep1", x, 8, 3);
        x = b.layer("sep2", new SeparableConvolution2D.Builder(3, 3).nOut(5).depthMultiplier(2)
                .convolutionMode(GraphBlocks.SAME).hasBias(true).activation(Activation.IDENTITY).build(), x);
        ComputationGraph net = new ComputationGraph(b.build(b.classifierTop(x, CLASSES)));
        net.init();
        return net;
    }

    private static INDArray random(long... shape) {
        return Nd4j.randn(DataType.FLOAT, shape).muli(0.5);
    }

    private static void batchNormWeights(KerasH5Writer w, String name, int channels, boolean scale) {
        if (scale) {
            w.weight(name, "gamma", Nd4j.rand(DataType.FLOAT, channels).addi(0.5));
        }
        w.weight(name, "beta", random(channels))
                .weight(name, "moving_mean", random(channels))
                .weight(name, "moving_variance", Nd4j.rand(DataType.FLOAT, channels).addi(0.5));
    }

    // Keras 2.2.4's model config JSON, as model.to_json() writes it.

    private static String modelConfig(List<String> layers) {
        return "{\"class_name\": \"Model\", \"config\": {\"name\": \"model_1\", \"layers\": ["
                + String.join(", ", layers)
                + "], \"input_layers\": [[\"input_1\", 0, 0]], \"output_layers\": [[\"predictions\", 0, 0]]},"
                + " \"keras_version\": \"2.2.4\", \"backend\": \"tensorflow\"}";
    }

    private static String inputLayer() {
        return "{\"name\": \"input_1\", \"class_name\": \"InputLayer\", \"config\": {\"batch_input_shape\": [null, "
                + SIZE + ", " + SIZE + ", 3], \"dtype\": \"float32\", \"sparse\": false, \"name\": \"input_1\"},"
                + " \"inbound_nodes\": []}";
    }

    private static String layer(String name, String className, String config, String input) {
        String named = config.startsWith("{\"name\"") ? config : "{\"name\": \"" + name + "\", " + config.substring(1);
        return "{\"name\": \"" + name + "\", \"class_name\": \"" + className + "\", \"config\": " + named
                + ", \"inbound_nodes\": [[[\"" + input + "\", 0, 0, {}]]]}";
    }

    private static final String INIT = "{\"class_name\": \"VarianceScaling\", \"config\": {\"scale\": 1.0, \"mode\":"
            + " \"fan_avg\", \"distribution\": \"uniform\", \"seed\": null}}";
    private static final String ZEROS = "{\"class_name\": \"Zeros\", \"config\": {}}";
    private static final String ONES = "{\"class_name\": \"Ones\", \"config\": {}}";

    private static String conv(int filters, String padding, boolean bias) {
        return "{\"trainable\": true, \"filters\": " + filters + ", \"kernel_size\": [3, 3], \"strides\": [1, 1],"
                + " \"padding\": \"" + padding + "\", \"data_format\": \"channels_last\", \"dilation_rate\": [1, 1],"
                + " \"activation\": \"linear\", \"use_bias\": " + bias + ", \"kernel_initializer\": " + INIT + ","
                + " \"bias_initializer\": " + ZEROS + ", \"kernel_regularizer\": null, \"bias_regularizer\": null,"
                + " \"activity_regularizer\": null, \"kernel_constraint\": null, \"bias_constraint\": null}";
    }

    private static String batchNorm(boolean scale) {
        return "{\"trainable\": true, \"axis\": -1, \"momentum\": 0.99, \"epsilon\": 0.001, \"center\": true,"
                + " \"scale\": " + scale + ", \"beta_initializer\": " + ZEROS + ", \"gamma_initializer\": " + ONES
                + ", \"moving_mean_initializer\": " + ZEROS + ", \"moving_variance_initializer\": " + ONES
                + ", \"beta_regularizer\": null, \"gamma_regularizer\": null, \"beta_constraint\": null,"
                + " \"gamma_constraint\": null}";
    }

    private static String depthwise(int multiplier) {
        return "{\"trainable\": true, \"kernel_size\": [3, 3], \"strides\": [1, 1], \"padding\": \"same\","
                + " \"data_format\": \"channels_last\", \"dilation_rate\": [1, 1], \"activation\": \"linear\","
                + " \"use_bias\": true, \"bias_initializer\": " + ZEROS + ", \"bias_regularizer\": null,"
                + " \"activity_regularizer\": null, \"bias_constraint\": null, \"depth_multiplier\": " + multiplier
                + ", \"depthwise_initializer\": " + INIT + ", \"depthwise_regularizer\": null,"
                + " \"depthwise_constraint\": null}";
    }

    private static String separable(int filters, int multiplier, boolean bias) {
        return "{\"trainable\": true, \"filters\": " + filters + ", \"kernel_size\": [3, 3], \"strides\": [1, 1],"
                + " \"padding\": \"same\", \"data_format\": \"channels_last\", \"dilation_rate\": [1, 1],"
                + " \"depth_multiplier\": " + multiplier + ", \"activation\": \"linear\", \"use_bias\": " + bias
                + ", \"depthwise_initializer\": " + INIT + ", \"pointwise_initializer\": " + INIT + ","
                + " \"bias_initializer\": " + ZEROS + ", \"depthwise_regularizer\": null,"
                + " \"pointwise_regularizer\": null, \"bias_regularizer\": null, \"activity_regularizer\": null,"
                + " \"depthwise_constraint\": null, \"pointwise_constraint\": null, \"bias_constraint\": null}";
    }

    private static String dense(int units) {
        return "{\"trainable\": true, \"units\": " + units + ", \"activation\": \"softmax\", \"use_bias\": true,"
                + " \"kernel_initializer\": " + INIT + ", \"bias_initializer\": " + ZEROS + ","
                + " \"kernel_regularizer\": null, \"bias_regularizer\": null, \"activity_regularizer\": null,"
                + " \"kernel_constraint\": null, \"bias_constraint\": null}";
    }
}
