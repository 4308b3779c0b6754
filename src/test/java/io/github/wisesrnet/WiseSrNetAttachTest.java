package io.github.wisesrnet;

import io.github.wisesrnet.layers.WiseSrLayer;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.DropoutLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.layers.FrozenLayer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.Sgd;

import java.util.Map;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** attach(): finding and replacing the head from the graph's structure, every head variant, options, errors. */
class WiseSrNetAttachTest {

    private static final InputType INPUT = InputType.convolutional(24, 24, 1);

    /** The tiny backbone (20x20x16 map) with a GAP -> dense -> output classifier on top. */
    private static ComputationGraph classifier() {
        ComputationGraph features = SpatialLearningTest.tinyBackbone();
        ComputationGraphConfiguration conf = new ComputationGraphConfiguration.GraphBuilder(
                features.getConfiguration(), new NeuralNetConfiguration.Builder().updater(new Adam(1e-3)))
                .addLayer("gap", new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), "conv2")
                .addLayer("fc", new DenseLayer.Builder().nIn(16).nOut(10).activation(Activation.RELU).build(), "gap")
                .addLayer("softmax", new OutputLayer.Builder().nIn(10).nOut(3).activation(Activation.SOFTMAX).build(),
                        "fc")
                .setOutputs("softmax")
                .setInputTypes(INPUT)
                .build();
        ComputationGraph net = new ComputationGraph(conf);
        net.init();
        return net;
    }

    private static Map<String, org.deeplearning4j.nn.conf.layers.Layer> layers(ComputationGraph net) {
        return net.getConfiguration().getVertices().entrySet().stream()
                .filter(e -> e.getValue() instanceof LayerVertex)
                .collect(Collectors.toMap(Map.Entry::getKey,
                        e -> ((LayerVertex) e.getValue()).getLayerConf().getLayer()));
    }

    private static void assertBackboneCarriedOver(ComputationGraph backbone, ComputationGraph attached,
            String... layerNames) {
        for (String name : layerNames) {
            Map<String, INDArray> before = backbone.getLayer(name).paramTable();
            Map<String, INDArray> after = attached.getLayer(name).paramTable();
            assertEquals(before.keySet(), after.keySet(), name);
            for (String key : before.keySet()) {
                assertEquals(before.get(key), after.get(key), name + "_" + key + " changed");
            }
        }
    }

    @Test
    void attachesToABareFeatureExtractor() {
        ComputationGraph backbone = SpatialLearningTest.tinyBackbone();
        ComputationGraph net = WiseSrNet.attach(backbone, 5, INPUT);

        assertEquals(java.util.List.of(WiseSrNet.OUTPUT_VERTEX), net.getConfiguration().getNetworkOutputs());
        WiseSrLayer head = (WiseSrLayer) layers(net).get(WiseSrNet.SPATIAL_WEIGHTS_VERTEX);
        assertEquals(20, head.getInputHeight());
        assertEquals(3, head.getPoolSize()); // the paper's rule: 3 above 10x10
        assertEquals(6, head.getKernelHeight());
        assertTrue(head.isNonNegative());
        assertEquals(java.util.List.of("conv2"),
                net.getConfiguration().getVertexInputs().get(WiseSrNet.SPATIAL_WEIGHTS_VERTEX));
        assertBackboneCarriedOver(backbone, net, "conv1", "conv2");
        assertEquals(backbone.numParams() + 16 * (36 + 1) + 16 * 5 + 5, net.numParams());

        INDArray x = new io.github.wisesrnet.data.SpatialPatternDataSet(24, 1, 2, 4, false).generate(3, 1)
                .getFeatures();
        INDArray y = net.outputSingle(x);
        assertArrayEquals(new long[]{3, 5}, y.shape());
        assertEquals(3.0, y.sumNumber().doubleValue(), 1e-4);
    }

    @Test
    void replacesAnExistingClassifierFoundByStructure() {
        ComputationGraph backbone = classifier();
        ComputationGraph net = WiseSrNet.attach(backbone, 7, INPUT);
        Map<String, org.deeplearning4j.nn.conf.layers.Layer> layers = layers(net);
        assertFalse(layers.containsKey("gap"));
        assertFalse(layers.containsKey("fc"));
        assertFalse(layers.containsKey("softmax"));
        assertEquals(java.util.Set.of("conv1", "conv2", WiseSrNet.SPATIAL_WEIGHTS_VERTEX,
                WiseSrNet.OUTPUT_VERTEX), layers.keySet());
        assertBackboneCarriedOver(backbone, net, "conv1", "conv2");
        // The head learns with the backbone's updater, not DL4J's default SGD(1e-3).
        OutputLayer out = (OutputLayer) layers.get(WiseSrNet.OUTPUT_VERTEX);
        assertInstanceOf(Adam.class, out.getIUpdater());
    }

    @Test
    void trailingSpatialPoolingBelongsToTheHead() {
        ComputationGraph features = SpatialLearningTest.tinyBackbone();
        ComputationGraphConfiguration conf = new ComputationGraphConfiguration.GraphBuilder(
                features.getConfiguration(), new NeuralNetConfiguration.Builder().updater(new Sgd(0.1)))
                .addLayer("maxpool", new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX).kernelSize(3, 3)
                        .stride(2, 2).build(), "conv2")
                .addLayer("dense_out", new OutputLayer.Builder().nOut(3).activation(Activation.SOFTMAX).build(),
                        "maxpool")
                .setOutputs("dense_out").setInputTypes(INPUT).build();
        ComputationGraph zooLike = new ComputationGraph(conf);
        zooLike.init();
        ComputationGraph net = WiseSrNet.attach(zooLike, 3, INPUT);
        assertFalse(layers(net).containsKey("maxpool"));
        assertEquals(java.util.List.of("conv2"),
                net.getConfiguration().getVertexInputs().get(WiseSrNet.SPATIAL_WEIGHTS_VERTEX));
    }

    @Test
    void attachingTwiceLeavesOneHeadAndNeedsNoInputType() {
        ComputationGraph once = WiseSrNet.attach(classifier(), 4, INPUT);
        ComputationGraph twice = WiseSrNet.attach(once, 6); // the Wise-SrNet head records its map size
        Map<String, org.deeplearning4j.nn.conf.layers.Layer> layers = layers(twice);
        assertEquals(4, layers.size());
        assertEquals(6, ((OutputLayer) layers.get(WiseSrNet.OUTPUT_VERTEX)).getNOut());
        assertBackboneCarriedOver(once, twice, "conv1", "conv2");
    }

    @ParameterizedTest
    @EnumSource(Head.class)
    void everyHeadAttachesThroughTheSamePathAndTrains(Head head) {
        ComputationGraph backbone = classifier();
        ComputationGraph net = WiseSrNet.attach(backbone, 4, head, INPUT);
        Map<String, org.deeplearning4j.nn.conf.layers.Layer> layers = layers(net);
        long c = 16;
        long headParams = net.numParams() - SpatialLearningTest.tinyBackbone().numParams();
        switch (head.pooling()) {
            case GLOBAL_AVERAGE -> {
                assertInstanceOf(GlobalPoolingLayer.class, layers.get(WiseSrNet.GLOBAL_POOL_VERTEX));
                assertEquals(c * 4 + 4, headParams);
            }
            case SPATIAL_WEIGHTS -> {
                WiseSrLayer wise = (WiseSrLayer) layers.get(WiseSrNet.SPATIAL_WEIGHTS_VERTEX);
                int p = head == Head.DEPTHWISE || head == Head.DEPTHWISE_NONNEG ? 1 : 3;
                assertEquals(p, wise.getPoolSize());
                assertEquals(head != Head.DEPTHWISE, wise.isNonNegative());
                long k = (20 / p) * (20 / p);
                assertEquals(c * (k + 1) + c * 4 + 4, headParams);
            }
            case AVERAGE_FLATTEN -> {
                assertInstanceOf(SubsamplingLayer.class, layers.get(WiseSrNet.FLATTEN_POOL_VERTEX));
                assertEquals(c * 36 * 4 + 4, headParams); // 20x20 -> 6x6 average pooled, flattened
            }
        }
        assertEquals(head.dropout() > 0, layers.containsKey(WiseSrNet.DROPOUT_VERTEX));
        if (head.dropout() > 0) {
            assertEquals(0.5, ((org.deeplearning4j.nn.conf.dropout.Dropout)
                    ((DropoutLayer) layers.get(WiseSrNet.DROPOUT_VERTEX)).getIDropout()).getP());
        }

        // Brightness scaled by class, a cue every head (GAP included) can learn, so the loss must fall for all;
        // the random generator is seeded so that dropout masks do not depend on the tests run before.
        var data = new io.github.wisesrnet.data.SpatialPatternDataSet(24, 1, 2, 4, true).generate(16, 3);
        INDArray brightness = data.getLabels().argMax(1).castTo(DataType.FLOAT).addi(1).divi(2);
        org.nd4j.linalg.factory.Nd4j.getExecutioner().exec(new org.nd4j.linalg.api.ops.impl.broadcast.BroadcastMulOp(
                data.getFeatures(), brightness, data.getFeatures(), 0));
        org.nd4j.linalg.factory.Nd4j.getRandom().setSeed(7);
        double before = net.score(data);
        for (int i = 0; i < 5; i++) {
            net.fit(data);
        }
        double after = net.score(data);
        assertTrue(Double.isFinite(after) && after < before, head + ": loss " + before + " -> " + after);
    }

    @Test
    void optionsOverrideTheHeadDefaults() {
        ComputationGraph net = WiseSrNet.attach(classifier(), 4, AttachOptions.builder().inputTypes(INPUT)
                .poolSize(3).nonNegative(false).bias(false).dropout(0.25).build());
        Map<String, org.deeplearning4j.nn.conf.layers.Layer> layers = layers(net);
        WiseSrLayer wise = (WiseSrLayer) layers.get(WiseSrNet.SPATIAL_WEIGHTS_VERTEX);
        assertEquals(3, wise.getPoolSize());
        assertFalse(wise.isNonNegative());
        assertFalse(wise.hasBias());
        assertEquals(0.75, ((org.deeplearning4j.nn.conf.dropout.Dropout)
                ((DropoutLayer) layers.get(WiseSrNet.DROPOUT_VERTEX)).getIDropout()).getP(), 1e-12);
    }

    @Test
    void freezingKeepsTheBackboneFixedWhileTheHeadLearns() {
        ComputationGraph backbone = SpatialLearningTest.tinyBackbone();
        ComputationGraph net = WiseSrNet.attach(backbone, 4,
                AttachOptions.builder().inputTypes(INPUT).freezeBackbone(true).build());
        assertInstanceOf(FrozenLayer.class, net.getLayer("conv1"));
        assertInstanceOf(FrozenLayer.class, net.getLayer("conv2"));
        INDArray conv2 = net.getLayer("conv2").params().dup();
        INDArray head = net.getLayer(WiseSrNet.SPATIAL_WEIGHTS_VERTEX).params().dup();
        var data = new io.github.wisesrnet.data.SpatialPatternDataSet(24, 1, 2, 4, true).generate(16, 3);
        net.fit(data);
        net.fit(data);
        assertEquals(conv2, net.getLayer("conv2").params());
        assertNotEquals(head, net.getLayer(WiseSrNet.SPATIAL_WEIGHTS_VERTEX).params());
    }

    @Test
    void badInputsGiveClearErrors() {
        ComputationGraph backbone = SpatialLearningTest.tinyBackbone();

        var classes = assertThrows(IllegalArgumentException.class, () -> WiseSrNet.attach(backbone, 1, INPUT));
        assertTrue(classes.getMessage().contains("numClasses must be at least 2"), classes.getMessage());

        var noType = assertThrows(IllegalArgumentException.class, () -> WiseSrNet.attach(backbone, 3));
        assertTrue(noType.getMessage().contains("InputType.convolutional"), noType.getMessage());

        var channels = assertThrows(IllegalArgumentException.class,
                () -> WiseSrNet.attach(backbone, 3, InputType.convolutional(24, 24, 3)));
        assertTrue(channels.getMessage().contains("layer 'conv1' takes 1 inputs/channels but would receive 3"),
                channels.getMessage());

        var tooSmall = assertThrows(IllegalArgumentException.class, () -> WiseSrNet.attach(backbone, 3,
                AttachOptions.builder().inputTypes(INPUT).poolSize(21).build()));
        assertTrue(tooSmall.getMessage().contains("smaller than the pool size 21"), tooSmall.getMessage());

        ComputationGraphConfiguration mlpConf = new NeuralNetConfiguration.Builder().updater(new Sgd(0.1))
                .graphBuilder().addInputs("in")
                .addLayer("dense", new DenseLayer.Builder().nOut(8).build(), "in")
                .addLayer("out", new OutputLayer.Builder().nOut(2).activation(Activation.SOFTMAX).build(), "dense")
                .setOutputs("out").setInputTypes(InputType.feedForward(20)).build();
        ComputationGraph mlp = new ComputationGraph(mlpConf);
        mlp.init();
        var noMap = assertThrows(IllegalArgumentException.class,
                () -> WiseSrNet.attach(mlp, 2, InputType.feedForward(20)));
        assertTrue(noMap.getMessage().contains("no convolutional feature map"), noMap.getMessage());

        var badVertex = assertThrows(IllegalArgumentException.class, () -> WiseSrNet.attach(backbone, 3,
                AttachOptions.builder().inputTypes(INPUT).featureMapVertex("nope").build()));
        assertTrue(badVertex.getMessage().contains("'nope' is not a vertex"), badVertex.getMessage());
    }

    @Test
    void headNamesParseFromTheCommandLine() {
        assertEquals(Head.WISE_SRNET, Head.fromName("wise-srnet"));
        assertEquals(Head.GAP_DROPOUT, Head.fromName("GAP_dropout"));
        var e = assertThrows(IllegalArgumentException.class, () -> Head.fromName("max"));
        assertTrue(e.getMessage().contains("wise-srnet"), e.getMessage());
    }

    @Test
    void layerImplementationTypeIsRecognisedAsFrozenWrapper() {
        // FrozenLayer is DL4J's runtime wrapper; the conf-side wrapper is checked through attach twice + freeze.
        ComputationGraph frozen = WiseSrNet.attach(SpatialLearningTest.tinyBackbone(), 3,
                AttachOptions.builder().inputTypes(INPUT).freezeBackbone(true).build());
        ComputationGraph again = WiseSrNet.attach(frozen, 2);
        Layer conv2 = again.getLayer("conv2");
        assertInstanceOf(FrozenLayer.class, conv2);
        assertEquals(frozen.getLayer("conv2").params(), conv2.params());
        assertEquals(DataType.FLOAT, again.params().dataType());
    }
}
