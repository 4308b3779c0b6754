package io.github.wisesrnet;

import io.github.wisesrnet.graph.FeatureMap;
import io.github.wisesrnet.graph.InputTypeRecord;
import io.github.wisesrnet.backbones.Backbone;
import io.github.wisesrnet.layers.WiseSrLayer;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.LossLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.weights.WeightInit;
import org.deeplearning4j.nn.weights.WeightInitRelu;
import org.deeplearning4j.util.ModelSerializer;
import org.deeplearning4j.zoo.model.ResNet50;
import org.deeplearning4j.zoo.model.SqueezeNet;
import org.deeplearning4j.zoo.model.Xception;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.io.File;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code WiseSrNet.attach(backbone, numClasses)} with two arguments, as users write it: on the library's backbones
 * (which record their input type, also through JSON and ModelSerializer), on DL4J graph builders (the zoo models'
 * {@code graphBuilder()}, a user's own), on initialized graphs that keep a map size in a preprocessor (zoo
 * ResNet50), and the clear error where a graph holds nothing to tell the size from.
 */
class TwoArgumentAttachTest {

    private static final InputType SMALL = InputType.convolutional(32, 40, 3);

    @Test
    void libraryBackbonesRecordTheirInputType() {
        ComputationGraph features = Backbone.SMALL_CNN.featureExtractor(32, 40, 3);
        assertArrayEquals(new InputType[]{SMALL}, InputTypeRecord.readFrom(features.getConfiguration()));

        ComputationGraph net = WiseSrNet.attach(features, 5);
        WiseSrLayer head = wiseSrLayer(net);
        assertEquals(4, head.getInputHeight()); // 32 / 8
        assertEquals(5, head.getInputWidth());  // 40 / 8
        assertEquals(128, head.getNIn());
        assertArrayEquals(new InputType[]{SMALL}, InputTypeRecord.readFrom(net.getConfiguration()));
        assertArrayEquals(new long[]{2, 5}, net.outputSingle(input(2)).shape());

        ComputationGraph classifier = Backbone.RESNET50.classifier(64, 64, 3, 4);
        ComputationGraph attached = WiseSrNet.attach(classifier, 3, Head.GAP);
        assertEquals(3, ((OutputLayer) layer(attached, WiseSrNet.OUTPUT_VERTEX)).getNOut());
        assertEquals(List.of("conv5_block3_out"),
                attached.getConfiguration().getVertexInputs().get(WiseSrNet.GLOBAL_POOL_VERTEX));
    }

    @Test
    void theRecordSurvivesJsonAndModelSerializerAndComputesNothing(@TempDir Path dir) throws Exception {
        ComputationGraph net = WiseSrNet.attach(Backbone.SMALL_CNN.featureExtractor(32, 40, 3, 7), 5);
        INDArray x = input(3);
        INDArray before = net.outputSingle(x);

        ComputationGraphConfiguration fromJson = ComputationGraphConfiguration.fromJson(
                net.getConfiguration().toJson());
        assertArrayEquals(new InputType[]{SMALL}, InputTypeRecord.readFrom(fromJson));
        ComputationGraph rebuilt = new ComputationGraph(fromJson);
        rebuilt.init(net.params().dup(), false);
        assertEquals(before, rebuilt.outputSingle(x));

        File zip = dir.resolve("net.zip").toFile();
        ModelSerializer.writeModel(net, zip, true);
        ComputationGraph loaded = ModelSerializer.restoreComputationGraph(zip, true);
        assertEquals(before, loaded.outputSingle(x));
        // the loaded graph still knows its input: any head attaches with two arguments, and it trains
        ComputationGraph gap = WiseSrNet.attach(loaded, 2, Head.GAP);
        assertArrayEquals(new InputType[]{SMALL}, InputTypeRecord.readFrom(gap.getConfiguration()));
        gap.fit(new org.nd4j.linalg.dataset.DataSet(x, TestNets.labels(3, 2, DataType.FLOAT)));
        assertArrayEquals(new long[]{3, 2}, gap.outputSingle(x).shape());
    }

    @Test
    void aUsersOwnGraphBuilderKeepsItsInputTypes() {
        ComputationGraphConfiguration.GraphBuilder builder = usersGraph(InputType.convolutional(16, 16, 1));
        ComputationGraph net = WiseSrNet.attach(builder, 3);
        WiseSrLayer head = wiseSrLayer(net);
        assertEquals(12, head.getInputHeight()); // two 'valid' 3x3 convolutions
        assertEquals(List.of("conv2"), net.getConfiguration().getVertexInputs().get(WiseSrNet.SPATIAL_WEIGHTS_VERTEX));
        assertArrayEquals(new InputType[]{InputType.convolutional(16, 16, 1)},
                InputTypeRecord.readFrom(net.getConfiguration()));
        // the builder is left usable
        ComputationGraph again = WiseSrNet.attach(builder, 4, Head.GAP);
        assertEquals(4, ((OutputLayer) layer(again, WiseSrNet.OUTPUT_VERTEX)).getNOut());

        ComputationGraphConfiguration.GraphBuilder noTypes = new NeuralNetConfiguration.Builder().graphBuilder()
                .addInputs("in")
                .addLayer("conv", new ConvolutionLayer.Builder(3, 3).nIn(1).nOut(4).build(), "in")
                .setOutputs("conv");
        var e = assertThrows(IllegalArgumentException.class, () -> WiseSrNet.attach(noTypes, 3));
        assertTrue(e.getMessage().contains("setInputTypes"), e.getMessage());
    }

    @Test
    void aBuiltGraphWithoutAnyRecordGivesTheClearError() {
        ComputationGraph net = new ComputationGraph(usersGraph(InputType.convolutional(16, 16, 1)).build());
        net.init();
        var e = assertThrows(IllegalArgumentException.class, () -> WiseSrNet.attach(net, 3));
        assertTrue(e.getMessage().contains("Cannot tell the size of this backbone's feature map"), e.getMessage());
        assertTrue(e.getMessage().contains("InputType.convolutional(224, 224, 3)"), e.getMessage());
        assertTrue(e.getMessage().contains("graphBuilder()"), e.getMessage());
        // with the input type it works as before
        assertEquals(12, wiseSrLayer(WiseSrNet.attach(net, 3, InputType.convolutional(16, 16, 1))).getInputHeight());
    }

    @Test
    void aFlattenedMapTellsTheSizeOfAnInitializedGraph() {
        // conv -> conv -> max pooling 2x2 -> dense: DL4J keeps the pooled map's size (6x6x8) in a preprocessor
        ComputationGraphConfiguration conf = new NeuralNetConfiguration.Builder().seed(3)
                .convolutionMode(ConvolutionMode.Truncate).graphBuilder()
                .addInputs("in")
                .addLayer("conv1", new ConvolutionLayer.Builder(3, 3).nOut(4).activation(Activation.RELU).build(), "in")
                .addLayer("conv2", new ConvolutionLayer.Builder(3, 3).nOut(8).activation(Activation.RELU).build(),
                        "conv1")
                .addLayer("pool", new SubsamplingLayer.Builder(PoolingType.MAX).kernelSize(2, 2).stride(1, 1)
                        .build(), "conv2")
                .addLayer("dense", new DenseLayer.Builder().nOut(10).activation(Activation.RELU).build(), "pool")
                .addLayer("out", new OutputLayer.Builder().nOut(3).activation(Activation.SOFTMAX).build(), "dense")
                .setOutputs("out")
                .setInputTypes(InputType.convolutional(11, 13, 2))
                .build();
        ComputationGraph net = new ComputationGraph(conf);
        net.init();
        ComputationGraph attached = WiseSrNet.attach(net, 4);
        WiseSrLayer head = wiseSrLayer(attached);
        assertEquals(List.of("conv2"), attached.getConfiguration().getVertexInputs()
                .get(WiseSrNet.SPATIAL_WEIGHTS_VERTEX));
        assertEquals(7, head.getInputHeight());
        assertEquals(9, head.getInputWidth());
        assertArrayEquals(new InputType[]{InputType.convolutional(11, 13, 2)},
                InputTypeRecord.readFrom(attached.getConfiguration()));
    }

    @Test
    void zooResNet50InOneLineFromItsBuilder() {
        ResNet50 zoo = ResNet50.builder().numClasses(1000).seed(1).weightInit(new WeightInitRelu()).build();
        ComputationGraph net = WiseSrNet.attach(zoo.graphBuilder(), 10); // the zoo's builder keeps its input types
        WiseSrLayer head = wiseSrLayer(net);
        assertEquals(4, head.getInputHeight()); // the zoo ResNet50's map is 4x4 at 224 (stride-2 stage 2)
        assertEquals(2048, head.getNIn());
        assertEquals(List.of("res5c_branch"),
                net.getConfiguration().getVertexInputs().get(WiseSrNet.SPATIAL_WEIGHTS_VERTEX));
        assertFalse(net.getConfiguration().getVertices().containsKey("avgpool"));
        assertArrayEquals(new InputType[]{InputType.convolutional(224, 224, 3)},
                InputTypeRecord.readFrom(net.getConfiguration()));

        // The initialized graph keeps only the 1x1 map after its 3x3 max pooling, which inputs from 69 to 260
        // pixels all give, with feature maps from 2x2 to 4x4: no single answer, so the clear error names both ways.
        var e = assertThrows(IllegalArgumentException.class, () -> WiseSrNet.attach(zoo.init(), 10));
        assertTrue(e.getMessage().contains("69x69 to 260x260"), e.getMessage());
        assertTrue(e.getMessage().contains("model.graphBuilder()"), e.getMessage());
    }

    @Test
    void zooXceptionInOneLineWithItsInputTypeAndClearErrorsWithout() {
        Xception zoo = Xception.builder().numClasses(1000).seed(1).inputShape(new int[]{3, 96, 96}).build();
        // the zoo's Xception adds its input only in init(): the builder form says what to do instead
        var noInputs = assertThrows(IllegalArgumentException.class, () -> WiseSrNet.attach(zoo.graphBuilder(), 10));
        assertTrue(noInputs.getMessage().contains("WiseSrNet.attach(model.init(), numClasses, InputType"),
                noInputs.getMessage());
        ComputationGraph net = WiseSrNet.attach(zoo.init(), 10, InputType.convolutional(96, 96, 3));
        assertEquals(List.of("block14_sepconv2_act"),
                net.getConfiguration().getVertexInputs().get(WiseSrNet.SPATIAL_WEIGHTS_VERTEX));
        assertEquals(3, wiseSrLayer(net).getInputHeight()); // 96 / 32

        // Xception's classifier starts with global pooling: an initialized graph keeps no map size
        var e = assertThrows(IllegalArgumentException.class, () -> WiseSrNet.attach(zoo.init(), 10));
        assertTrue(e.getMessage().contains("graphBuilder()"), e.getMessage());
    }

    @Test
    void aConvolutionalClassifierIsRemovedWithTheOldHead() {
        // DL4J's zoo SqueezeNet: ... -> drop9 -> conv10 (1x1, one channel per class) -> ReLU -> global pooling -> loss
        SqueezeNet zoo = SqueezeNet.builder().numClasses(7).seed(1).inputShape(new int[]{3, 64, 64}).build();
        ComputationGraph squeeze = zoo.init();
        ComputationGraph net = WiseSrNet.attach(squeeze, 5, InputType.convolutional(64, 64, 3));
        String featureVertex = net.getConfiguration().getVertexInputs().get(WiseSrNet.SPATIAL_WEIGHTS_VERTEX).get(0);
        assertEquals(512, wiseSrLayer(net).getNIn(), "attached to " + featureVertex); // fire9's output, not conv10's 7
        assertFalse(net.getConfiguration().getVertices().containsKey("conv10"));
        assertTrue(squeeze.getConfiguration().getVertices().containsKey("conv10"));
        INDArray x = org.nd4j.linalg.factory.Nd4j.rand(DataType.FLOAT, 2, 3, 64, 64);
        assertArrayEquals(new long[]{2, 5}, net.outputSingle(x).shape());

        // the same shape built by hand: conv -> 1x1 conv (classes) -> ReLU -> GAP -> loss
        ComputationGraphConfiguration.GraphBuilder own = new NeuralNetConfiguration.Builder().seed(1)
                .convolutionMode(ConvolutionMode.Same).graphBuilder()
                .addInputs("in")
                .addLayer("features", new ConvolutionLayer.Builder(3, 3).nOut(6).activation(Activation.RELU).build(),
                        "in")
                .addLayer("class_scores", new ConvolutionLayer.Builder(1, 1).nOut(3).build(), "features")
                .addLayer("relu", new ActivationLayer(Activation.RELU), "class_scores")
                .addLayer("gap", new GlobalPoolingLayer(PoolingType.AVG), "relu")
                .addLayer("loss", new LossLayer.Builder(LossFunctions.LossFunction.MCXENT)
                        .activation(Activation.SOFTMAX).build(), "gap")
                .setOutputs("loss")
                .setInputTypes(InputType.convolutional(8, 8, 2));
        ComputationGraph attached = WiseSrNet.attach(own, 4);
        assertEquals(List.of("features"),
                attached.getConfiguration().getVertexInputs().get(WiseSrNet.SPATIAL_WEIGHTS_VERTEX));
        assertEquals(6, wiseSrLayer(attached).getNIn());
    }

    @Test
    void globalPoolingThatKeepsItsAxesBelongsToTheHead() {
        ComputationGraphConfiguration.GraphBuilder builder = new NeuralNetConfiguration.Builder().seed(1)
                .convolutionMode(ConvolutionMode.Truncate).graphBuilder()
                .addInputs("in")
                .addLayer("conv", new ConvolutionLayer.Builder(3, 3).nOut(6).activation(Activation.RELU).build(), "in")
                .addLayer("gap", new GlobalPoolingLayer.Builder(PoolingType.AVG).collapseDimensions(false).build(),
                        "conv")
                .addLayer("out", new OutputLayer.Builder().nOut(3).activation(Activation.SOFTMAX).build(), "gap")
                .setOutputs("out")
                .setInputTypes(InputType.convolutional(9, 9, 2));
        ComputationGraph net = WiseSrNet.attach(builder, 4);
        assertEquals(List.of("conv"), net.getConfiguration().getVertexInputs().get(WiseSrNet.SPATIAL_WEIGHTS_VERTEX));
        assertEquals(7, wiseSrLayer(net).getInputHeight()); // the 7x7 map, not the 1x1 pooled one
        assertFalse(net.getConfiguration().getVertices().containsKey("gap"));
    }

    @Test
    void numClassesIsCheckedFirst() {
        for (int bad : new int[]{1, 0, -3}) {
            var e = assertThrows(IllegalArgumentException.class,
                    () -> WiseSrNet.attach((ComputationGraph) null, bad));
            assertTrue(e.getMessage().contains("numClasses must be at least 2"), e.getMessage());
            var b = assertThrows(IllegalArgumentException.class,
                    () -> WiseSrNet.attach((ComputationGraphConfiguration.GraphBuilder) null, bad));
            assertTrue(b.getMessage().contains("numClasses must be at least 2"), b.getMessage());
        }
        var c = assertThrows(IllegalArgumentException.class, () -> Backbone.TINY.classifier(8, 8, 1, 1));
        assertTrue(c.getMessage().contains("at least 2"), c.getMessage());
    }

    @Test
    void theLayerRefusesAnActivationItWouldIgnore() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> new WiseSrLayer.Builder().activation(Activation.RELU).build());
        assertTrue(e.getMessage().contains("ActivationLayer"), e.getMessage());
        // a network-wide activation does not reach it: the layer's own (identity) is set explicitly
        ComputationGraphConfiguration conf = new NeuralNetConfiguration.Builder().activation(Activation.RELU)
                .weightInit(WeightInit.RELU).graphBuilder()
                .addInputs("in")
                .addLayer("conv", new ConvolutionLayer.Builder(1, 1).nOut(2).build(), "in")
                .addLayer("wise", new WiseSrLayer.Builder().build(), "conv")
                .addLayer("out", new OutputLayer.Builder().nOut(2).activation(Activation.SOFTMAX).build(), "wise")
                .setOutputs("out").setInputTypes(InputType.convolutional(4, 4, 1)).build();
        assertTrue(((WiseSrLayer) ((LayerVertex) conf.getVertices().get("wise")).getLayerConf().getLayer())
                .getActivationFn() instanceof org.nd4j.linalg.activations.impl.ActivationIdentity);
        assertNull(InputTypeRecord.readFrom(conf)); // DL4J's own build records nothing
    }

    private static ComputationGraphConfiguration.GraphBuilder usersGraph(InputType input) {
        return new NeuralNetConfiguration.Builder().seed(5).updater(new Adam(1e-3))
                .convolutionMode(ConvolutionMode.Truncate).graphBuilder()
                .addInputs("in")
                .addLayer("conv1", new ConvolutionLayer.Builder(3, 3).nOut(4).activation(Activation.RELU).build(), "in")
                .addLayer("conv2", new ConvolutionLayer.Builder(3, 3).nOut(8).activation(Activation.RELU).build(),
                        "conv1")
                .addLayer("gap", new GlobalPoolingLayer(PoolingType.AVG), "conv2")
                .addLayer("out", new OutputLayer.Builder().nOut(3).activation(Activation.SOFTMAX).build(), "gap")
                .setOutputs("out")
                .setInputTypes(input);
    }

    private static INDArray input(int n) {
        return TestNets.randomInput(SMALL, n, DataType.FLOAT, 11);
    }

    private static WiseSrLayer wiseSrLayer(ComputationGraph net) {
        return (WiseSrLayer) layer(net, WiseSrNet.SPATIAL_WEIGHTS_VERTEX);
    }

    private static Layer layer(ComputationGraph net, String vertex) {
        return FeatureMap.layerOf(net.getConfiguration().getVertices().get(vertex));
    }
}
