package io.github.wisesrnet.deploy;

import io.github.wisesrnet.AttachOptions;
import io.github.wisesrnet.Head;
import io.github.wisesrnet.TestNets;
import io.github.wisesrnet.WiseSrNet;
import io.github.wisesrnet.backbones.Backbone;
import io.github.wisesrnet.data.Preprocessing;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.graph.MergeVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.DepthwiseConvolution2D;
import org.deeplearning4j.nn.conf.layers.DropoutLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.LocalResponseNormalization;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SeparableConvolution2D;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.conf.layers.Upsampling2D;
import org.deeplearning4j.nn.conf.layers.ZeroPaddingLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.weights.WeightInit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The export layer by layer: every head, every supported layer option and activation (ONNX Runtime against DL4J,
 * 1e-4 relative), the refusal of unsupported layers, and the metadata.
 */
class OnnxExportTest {

    @TempDir
    Path dir;

    @ParameterizedTest(name = "{0}")
    @EnumSource(Head.class)
    void everyHeadNchwAndNhwc(Head head) throws Exception {
        for (CNN2DFormat format : CNN2DFormat.values()) {
            // 40 px: a 10x10 map after small-cnn, pre-pooled 2x2 by the paper's rule (5x5 kernel)
            InputType input = InputType.convolutional(40, 40, 3, format);
            ComputationGraph net = WiseSrNet.attach(Backbone.SMALL_CNN.featureExtractor(
                    (InputType.InputTypeConvolutional) input, 3), 4, head);
            OnnxExportEquivalenceTest.trainFewSteps(net, input, 4);
            assertSameOutputs(net, input, head + " " + format);
        }
    }

    @Test
    void poolSizeThreeAndNoBias() throws Exception {
        InputType input = InputType.convolutional(96, 96, 3, CNN2DFormat.NHWC); // 12x12 map: p = 3, kernel 4x4
        ComputationGraph net = WiseSrNet.attach(Backbone.SMALL_CNN.featureExtractor(
                (InputType.InputTypeConvolutional) input, 3), 3, AttachOptions.builder().head(Head.WISE_SRNET)
                .bias(false)
                .build());
        OnnxExportEquivalenceTest.trainFewSteps(net, input, 3);
        assertSameOutputs(net, input, "p = 3 without bias");
    }

    /** DL4J's own zoo graph with the head attached, as the consumer example does (its ResNet50 ends in max pooling). */
    @Test
    void zooResNet50WithWiseSrNet() throws Exception {
        // 128 px: the zoo graph's own 3x3 pooling at the end needs a 4x4 map; He init (the zoo's default gives NaN)
        InputType input = InputType.convolutional(128, 128, 3);
        ComputationGraph net = WiseSrNet.attach(org.deeplearning4j.zoo.model.ResNet50.builder().numClasses(1000)
                .inputShape(new int[]{3, 128, 128}).weightInit(new org.deeplearning4j.nn.weights.WeightInitRelu())
                .seed(1).build().graphBuilder(), 4);
        OnnxExportEquivalenceTest.trainFewSteps(net, input, 4);
        assertSameOutputs(net, input, "zoo ResNet50");
    }

    /** Layer options the backbones do not all use: each activation, dilation, explicit padding, depthwise, ... */
    @ParameterizedTest(name = "{0}")
    @EnumSource(CNN2DFormat.class)
    void layerOptionsAndActivations(CNN2DFormat format) throws Exception {
        InputType input = InputType.convolutional(17, 15, 3, format);
        ComputationGraph net = compositeNet(format);
        OnnxExportEquivalenceTest.trainFewSteps(net, input, 3);
        assertSameOutputs(net, input, "layer options " + format);
    }

    static ComputationGraph compositeNet(CNN2DFormat format) {
        InputType input = InputType.convolutional(17, 15, 3, format);
        ComputationGraphConfiguration.GraphBuilder graph = new NeuralNetConfiguration.Builder()
                .seed(5).dataType(DataType.FLOAT).updater(new Sgd(0.01)).weightInit(WeightInit.XAVIER)
                .graphBuilder()
                .addInputs("in")
                .addLayer("dilated", new ConvolutionLayer.Builder(3, 3).nOut(6).dilation(2, 2).padding(2, 1)
                        .convolutionMode(ConvolutionMode.Truncate).activation(Activation.ELU).build(), "in")
                .addLayer("strided_same", new ConvolutionLayer.Builder(3, 2).stride(2, 2).nOut(6)
                        .convolutionMode(ConvolutionMode.Same).activation(Activation.LEAKYRELU).build(), "dilated")
                // separable before depthwise: in NHWC, DL4J M2.1's separable convolution returns a channels-first
                // buffer seen through NHWC strides, which its batch normalization then misreads (values of 1e26)
                .addLayer("separable", new SeparableConvolution2D.Builder(3, 3).depthMultiplier(2).nOut(6)
                        .hasBias(true).convolutionMode(ConvolutionMode.Same).activation(Activation.RELU6).build(),
                        "strided_same")
                .addLayer("depthwise", new DepthwiseConvolution2D.Builder(3, 3).depthMultiplier(2).nOut(12)
                        .convolutionMode(ConvolutionMode.Same).activation(Activation.SWISH).build(), "separable")
                .addLayer("bn_var", new BatchNormalization.Builder().useLogStd(false).build(), "depthwise")
                // DL4J M2.1's backward pass of locked gamma and beta fails in NHWC: NCHW only
                .addLayer("bn_locked", format == CNN2DFormat.NCHW
                        ? new BatchNormalization.Builder().lockGammaBeta(true).gamma(1.5).beta(-0.2).build()
                        : new BatchNormalization.Builder().build(), "bn_var")
                // asymmetric; ONNX Runtime fuses it into the pooling's padding, which must stay below the kernel
                .addLayer("pad", new ZeroPaddingLayer.Builder(1, 0, 1, 0).build(), "bn_locked")
                .addLayer("avg_with_pad", new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.AVG)
                        .kernelSize(3, 3).stride(1, 1).padding(1, 1).avgPoolIncludePadInDivisor(true)
                        .convolutionMode(ConvolutionMode.Truncate).build(), "pad")
                .addLayer("max_same", new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX)
                        .kernelSize(3, 3).stride(2, 2).convolutionMode(ConvolutionMode.Same).build(), "avg_with_pad")
                .addLayer("sigmoid", new ActivationLayer.Builder().activation(Activation.SIGMOID).build(), "max_same")
                .addLayer("tanh", new ActivationLayer.Builder().activation(Activation.TANH).build(), "max_same")
                .addLayer("hard_sigmoid", new ActivationLayer.Builder().activation(Activation.HARDSIGMOID).build(),
                        "max_same")
                .addLayer("softplus", new ActivationLayer.Builder().activation(Activation.SOFTPLUS).build(),
                        "max_same")
                .addVertex("product", new ElementWiseVertex(ElementWiseVertex.Op.Product), "sigmoid", "tanh")
                .addVertex("average", new ElementWiseVertex(ElementWiseVertex.Op.Average), "hard_sigmoid", "softplus",
                        "product")
                .addVertex("max", new ElementWiseVertex(ElementWiseVertex.Op.Max), "average", "tanh")
                .addVertex("difference", new ElementWiseVertex(ElementWiseVertex.Op.Subtract), "max", "sigmoid")
                .addVertex("sum", new ElementWiseVertex(ElementWiseVertex.Op.Add), "difference", "tanh", "average")
                .addVertex("merged", new MergeVertex(), "sum", "max")
                .addLayer("global_max", new GlobalPoolingLayer.Builder(PoolingType.MAX).build(), "merged")
                .addLayer("global_avg", new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), "merged")
                .addVertex("pooled", new MergeVertex(), "global_max", "global_avg")
                .addLayer("hidden", new DenseLayer.Builder().nOut(8).activation(Activation.TANH).build(), "pooled");
        ComputationGraphConfiguration conf = graph
                .addLayer("bn_dense", new BatchNormalization.Builder().build(), "hidden")
                .addLayer("dropout", new DropoutLayer.Builder(0.5).build(), "bn_dense")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(3)
                        .activation(Activation.SOFTMAX).build(), "dropout")
                .setOutputs("out")
                .setInputTypes(input)
                .build();
        ComputationGraph net = new ComputationGraph(conf);
        net.init();
        return net;
    }

    /** Each option alone between a convolution and the classifier, so a difference points at one layer. */
    static Stream<Arguments> singleLayers() {
        Map<String, Layer> layers = new LinkedHashMap<>();
        layers.put("dilated conv, explicit padding", new ConvolutionLayer.Builder(3, 3).nOut(6).dilation(2, 2)
                .padding(2, 1).convolutionMode(ConvolutionMode.Truncate).activation(Activation.ELU).build());
        layers.put("strided 'same' conv", new ConvolutionLayer.Builder(3, 2).stride(2, 2).nOut(6)
                .convolutionMode(ConvolutionMode.Same).activation(Activation.LEAKYRELU).build());
        layers.put("depthwise x2", new DepthwiseConvolution2D.Builder(3, 3).depthMultiplier(2).nOut(12)
                .convolutionMode(ConvolutionMode.Same).activation(Activation.SWISH).build());
        layers.put("separable x2 with bias", new SeparableConvolution2D.Builder(3, 3).depthMultiplier(2).nOut(6)
                .hasBias(true).convolutionMode(ConvolutionMode.Same).activation(Activation.RELU6).build());
        layers.put("batch norm (variance)", new BatchNormalization.Builder().useLogStd(false).build());
        layers.put("batch norm (log std)", new BatchNormalization.Builder().useLogStd(true).build());
        layers.put("zero padding", new ZeroPaddingLayer.Builder(2, 0, 1, 3).build());
        layers.put("average pool, padding counted", new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.AVG)
                .kernelSize(3, 3).stride(1, 1).padding(1, 1).avgPoolIncludePadInDivisor(true)
                .convolutionMode(ConvolutionMode.Truncate).build());
        layers.put("average pool 'same', padding not counted", new SubsamplingLayer.Builder(
                SubsamplingLayer.PoolingType.AVG).kernelSize(3, 3).stride(2, 2).avgPoolIncludePadInDivisor(false)
                .convolutionMode(ConvolutionMode.Same).build());
        layers.put("max pool 'same'", new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX)
                .kernelSize(3, 3).stride(2, 2).convolutionMode(ConvolutionMode.Same).build());
        for (Activation activation : List.of(Activation.SIGMOID, Activation.HARDSIGMOID, Activation.SOFTPLUS,
                Activation.TANH, Activation.RELU, Activation.IDENTITY)) {
            layers.put(activation.name().toLowerCase(java.util.Locale.ROOT),
                    new ActivationLayer.Builder().activation(activation).build());
        }
        layers.put("global sum pooling", new GlobalPoolingLayer.Builder(PoolingType.SUM).build());
        layers.put("global max pooling", new GlobalPoolingLayer.Builder(PoolingType.MAX).build());
        List<Arguments> cases = new ArrayList<>();
        for (CNN2DFormat format : CNN2DFormat.values()) {
            layers.forEach((name, layer) -> cases.add(Arguments.of(name, format, layer)));
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("singleLayers")
    void eachLayerAlone(String name, CNN2DFormat format, Layer layer) throws Exception {
        InputType input = InputType.convolutional(7, 6, 3, format);
        ComputationGraphConfiguration.GraphBuilder graph = new NeuralNetConfiguration.Builder()
                .seed(5).dataType(DataType.FLOAT).updater(new Sgd(0.01)).weightInit(WeightInit.XAVIER)
                .graphBuilder().addInputs("in")
                .addLayer("conv", new ConvolutionLayer.Builder(3, 3).nOut(6).convolutionMode(ConvolutionMode.Same)
                        .activation(Activation.TANH).build(), "in")
                .addLayer("tested", layer.clone(), "conv");
        String last = "tested";
        if (!(layer instanceof GlobalPoolingLayer)) {
            last = graph.addLayer("gap", new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), "tested") != null
                    ? "gap" : last;
        }
        ComputationGraph net = new ComputationGraph(graph.addLayer("out", new OutputLayer.Builder(
                LossFunctions.LossFunction.MCXENT).nOut(3).activation(Activation.SOFTMAX).build(), last)
                .setOutputs("out").setInputTypes(input).build());
        net.init();
        OnnxExportEquivalenceTest.trainFewSteps(net, input, 3);
        assertSameOutputs(net, input, name + " " + format);
    }

    @Test
    void refusesUnsupportedLayersNamingEachAndWritesNothing() throws Exception {
        InputType input = InputType.convolutional(12, 12, 3);
        ComputationGraphConfiguration conf = new NeuralNetConfiguration.Builder().dataType(DataType.FLOAT)
                .graphBuilder()
                .addInputs("in")
                .addLayer("lrn", new LocalResponseNormalization.Builder().build(), "in")
                .addLayer("up", new Upsampling2D.Builder(2).build(), "lrn")
                .addLayer("up_pool", new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), "up")
                .addLayer("conv", new ConvolutionLayer.Builder(3, 3).nOut(4).build(), "in")
                .addLayer("pnorm", new GlobalPoolingLayer.Builder(PoolingType.PNORM).build(), "conv")
                .addVertex("merged", new MergeVertex(), "up_pool", "pnorm")
                .addLayer("out", new OutputLayer.Builder().nOut(2).activation(Activation.SOFTMAX).build(), "merged")
                .setOutputs("out")
                .setInputTypes(input)
                .build();
        ComputationGraph net = new ComputationGraph(conf);
        net.init();
        Path file = dir.resolve("refused.onnx");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> OnnxExport.of(net).inputType(input).write(file));
        String message = e.getMessage();
        assertTrue(message.contains("'lrn' (org.deeplearning4j.nn.conf.layers.LocalResponseNormalization)"), message);
        assertTrue(message.contains("'up' (org.deeplearning4j.nn.conf.layers.Upsampling2D)"), message);
        assertTrue(message.contains("'pnorm' (org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer): PNORM"), message);
        assertTrue(message.contains("3 layer(s)"), message);
        assertFalse(message.contains("'conv'") || message.contains("'up_pool'") || message.contains("'out'"), message);
        assertFalse(Files.exists(file), "nothing written");
        try (var left = Files.list(dir)) {
            assertEquals(0, left.count(), "no temporary file left either");
        }
    }

    @Test
    void refusesWhatItCannotTellAndMismatchedLabels() {
        InputType input = InputType.convolutional(12, 12, 3);
        ComputationGraphConfiguration conf = new NeuralNetConfiguration.Builder().dataType(DataType.FLOAT)
                .graphBuilder().addInputs("in")
                .addLayer("conv", new ConvolutionLayer.Builder(3, 3).nOut(4).build(), "in")
                .addLayer("gap", new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), "conv")
                .addLayer("out", new OutputLayer.Builder().nOut(2).activation(Activation.SOFTMAX).build(), "gap")
                .setOutputs("out").setInputTypes(input).build();
        ComputationGraph net = new ComputationGraph(conf);
        net.init();
        IllegalArgumentException noSize = assertThrows(IllegalArgumentException.class,
                () -> OnnxExport.of(net).toBytes());
        assertTrue(noSize.getMessage().contains("does not record its input size"), noSize.getMessage());
        IllegalArgumentException labels = assertThrows(IllegalArgumentException.class,
                () -> OnnxExport.of(net).inputType(input).labels(List.of("a", "b", "c")).toBytes());
        assertTrue(labels.getMessage().contains("3 labels for an output of shape [-1, 2]"), labels.getMessage());
        assertThrows(IllegalArgumentException.class, () -> OnnxExport.of(net).inputType(InputType.feedForward(4)));
    }

    @Test
    void metadataTellsADeployerHowToPrepareInputs() throws Exception {
        InputType input = InputType.convolutional(32, 24, 3, CNN2DFormat.NHWC);
        ComputationGraph net = WiseSrNet.attach(Backbone.TINY.featureExtractor(
                (InputType.InputTypeConvolutional) input, 1), 3);
        Path file = dir.resolve("sub").resolve("model.onnx");
        OnnxExport.of(net).labels(List.of("cat", "dog", "owl \"quoted\"")).preprocessing(Preprocessing.TORCH)
                .write(file);
        if (file.getFileSystem().supportedFileAttributeViews().contains("posix")) {
            // as any new file (umask), not owner-only like a temporary file
            var created = Files.getPosixFilePermissions(Files.writeString(dir.resolve("plain.txt"), "x"));
            assertEquals(created, Files.getPosixFilePermissions(file));
        }
        try (OnnxClassifier model = OnnxClassifier.open(file, 1)) {
            OnnxMetadata m = model.metadata();
            assertEquals(List.of("cat", "dog", "owl \"quoted\""), m.labels());
            assertEquals(CNN2DFormat.NHWC, m.layout());
            assertArrayEquals(new long[]{5, 32, 24, 3}, m.inputShape(5));
            assertEquals(Preprocessing.TORCH, m.preprocessing());
            assertEquals(OnnxMetadata.currentLibraryVersion(), m.libraryVersion());
            assertFalse(m.libraryVersion().contains("$") || m.libraryVersion().equals("unknown"), m.libraryVersion());
        }
        var props = OnnxExport.of(net).preprocessing(Preprocessing.CAFFE).metadata().toProperties();
        assertEquals("BGR", props.get("preprocessing_channel_order"));
        assertEquals("[103.939,116.779,123.68]", props.get("preprocessing_mean"));
        assertEquals("[1.0,1.0,1.0]", props.get("preprocessing_std"));
        assertEquals("NHWC", props.get("input_layout"));
        assertFalse(props.containsKey("labels"), "no labels given, none recorded");
        assertNull(OnnxMetadata.fromProperties(OnnxExport.of(net).metadata().toProperties()).preprocessing());
        OnnxChecker.assertValid(file);
    }

    /** The affine form in the metadata is the preprocessing itself. */
    @ParameterizedTest(name = "{0}")
    @EnumSource(Preprocessing.class)
    void metadataConstantsReproduceThePreprocessing(Preprocessing preprocessing) {
        INDArray pixels = TestNets.randomInput(InputType.convolutional(4, 5, 3), 2, DataType.FLOAT, 3).addi(1)
                .muli(127.5);
        INDArray expected = preprocessing.apply(pixels.dup(), CNN2DFormat.NCHW);
        float[] mean = preprocessing.pixelMeans();
        float[] std = preprocessing.pixelStds();
        for (int c = 0; c < 3; c++) {
            int source = preprocessing.toBgr() ? 2 - c : c;
            INDArray channel = pixels.get(org.nd4j.linalg.indexing.NDArrayIndex.all(),
                    org.nd4j.linalg.indexing.NDArrayIndex.point(source), org.nd4j.linalg.indexing.NDArrayIndex.all(),
                    org.nd4j.linalg.indexing.NDArrayIndex.all());
            INDArray affine = channel.sub(mean[c]).div(std[c]);
            INDArray actual = expected.get(org.nd4j.linalg.indexing.NDArrayIndex.all(),
                    org.nd4j.linalg.indexing.NDArrayIndex.point(c), org.nd4j.linalg.indexing.NDArrayIndex.all(),
                    org.nd4j.linalg.indexing.NDArrayIndex.all());
            assertTrue(affine.equalsWithEps(actual, 1e-5), preprocessing + " channel " + c);
        }
    }

    @Test
    void checkerRejectsABrokenModel() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(OnnxChecker.available(),
                "Python's onnx package (Debian: python3-onnx) is not installed");
        InputType input = InputType.convolutional(16, 16, 3);
        ComputationGraph net = WiseSrNet.attach(Backbone.TINY.featureExtractor(
                (InputType.InputTypeConvolutional) input, 1), 3);
        onnx.Onnx.ModelProto model = OnnxExport.of(net).toModel();
        onnx.Onnx.ModelProto.Builder broken = model.toBuilder();
        broken.getGraphBuilder().getNodeBuilder(0).setOpType("NoSuchOperator");
        Path file = dir.resolve("broken.onnx");
        Files.write(file, broken.build().toByteArray());
        assertThrows(org.opentest4j.AssertionFailedError.class, () -> OnnxChecker.assertValid(file));
    }

    private void assertSameOutputs(ComputationGraph net, InputType input, String what) throws Exception {
        INDArray x = TestNets.randomInput(input, 3, DataType.FLOAT, 21).muli(2);
        INDArray expected = net.outputSingle(false, x);
        Path file = dir.resolve(what.replaceAll("[^a-zA-Z0-9]", "_") + ".onnx");
        OnnxExport.of(net).inputType(input).write(file);
        try (OnnxClassifier onnx = OnnxClassifier.open(file, 1)) {
            OnnxExportEquivalenceTest.assertClose(expected, onnx.output(x), OnnxExportEquivalenceTest.TOLERANCE);
        }
        OnnxChecker.assertValid(file);
    }
}
