package io.github.wisesrnet.backbones;

import io.github.wisesrnet.layers.WiseSrLayer;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.ZeroPaddingLayer;
import org.deeplearning4j.nn.weights.WeightInitRelu;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static io.github.wisesrnet.backbones.Backbone.DENSENET121;
import static io.github.wisesrnet.backbones.Backbone.DENSENET169;
import static io.github.wisesrnet.backbones.Backbone.INCEPTION_V3;
import static io.github.wisesrnet.backbones.Backbone.RESNET50;
import static io.github.wisesrnet.backbones.Backbone.SMALL_CNN;
import static io.github.wisesrnet.backbones.Backbone.TINY;
import static io.github.wisesrnet.backbones.Backbone.XCEPTION;
import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The ImageNet backbones against tf.keras.applications, from their configurations alone (no parameters are
 * allocated): parameter counts of the include_top=True models, final feature maps by InputType propagation, layer
 * names and layer settings.
 */
class BackboneArchitectureTest {

    private static final long SEED = 42;

    /**
     * Parameters of {@code classifier(224, 224, 3, 1000)}: total and the BatchNormalization moving mean and
     * variance (Keras's non-trainable parameters). Totals are Keras's {@code model.count_params()}.
     *
     * <p>InceptionV3: Keras's conv2d_bn uses BatchNormalization(scale=False), i.e. beta, mean and variance per
     * channel and no gamma. DL4J's BatchNormalization cannot learn beta without gamma (lockGammaBeta fixes both
     * and removes both from the parameters), so each of its 17,216 BatchNormalization channels carries one gamma
     * more than Keras: 23,851,784 + 17,216 = 23,869,000. The moving statistics agree with Keras exactly.
     */
    static Stream<Arguments> kerasParameterCounts() {
        return Stream.of(
                Arguments.of(RESNET50, 25_636_712L, 53_120L),
                Arguments.of(INCEPTION_V3, 23_851_784L + 17_216L, 34_432L),
                Arguments.of(DENSENET121, 8_062_504L, 83_648L),
                Arguments.of(DENSENET169, 14_307_880L, 158_400L),
                Arguments.of(XCEPTION, 22_910_480L, 54_528L));
    }

    @ParameterizedTest
    @MethodSource("kerasParameterCounts")
    void parameterCountsMatchKeras(Backbone backbone, long total, long movingStatistics) {
        ComputationGraphConfiguration conf = backbone.classifierConfiguration(nchw(224, 224), 1000, SEED);
        assertEquals(total, parameterCount(conf), backbone + " total parameters");
        assertEquals(movingStatistics, batchNormMovingStatistics(conf), backbone + " BatchNorm mean + variance");
        // Parameters do not depend on the input size (fully convolutional up to global pooling).
        assertEquals(total, parameterCount(backbone.classifierConfiguration(nchw(299, 320), 1000, SEED)));
    }

    /** Final feature maps: height, width, channels for inputs 224x224, 512x512, 320x224 (h x w) and 299x299. */
    static Stream<Arguments> kerasFeatureMaps() {
        return Stream.of(
                // ResNet50: ceil(side / 2) five times.
                Arguments.of(RESNET50, new long[]{7, 7, 2048}, new long[]{16, 16, 2048}, new long[]{10, 7, 2048},
                        new long[]{10, 10, 2048}),
                // InceptionV3: 224 -> 111 -> 109 -> 54 -> 52 -> 25 -> 12 -> 5; 320 -> 159 -> 157 -> 78 -> 76 -> 37
                // -> 18 -> 8; 512 -> 14; 299 -> 8 (Keras's documented 8x8x2048).
                Arguments.of(INCEPTION_V3, new long[]{5, 5, 2048}, new long[]{14, 14, 2048}, new long[]{8, 5, 2048},
                        new long[]{8, 8, 2048}),
                // DenseNet: ceil(ceil(side / 2) / 2) / 8; channels 64 + 32 * blocks, halved by each transition.
                Arguments.of(DENSENET121, new long[]{7, 7, 1024}, new long[]{16, 16, 1024}, new long[]{10, 7, 1024},
                        new long[]{9, 9, 1024}),
                Arguments.of(DENSENET169, new long[]{7, 7, 1664}, new long[]{16, 16, 1664}, new long[]{10, 7, 1664},
                        new long[]{9, 9, 1664}),
                // Xception: (side - 3) / 2 + 1, - 2, then ceil(side / 2) four times: 320 -> 159 -> 157 -> 79 -> 40
                // -> 20 -> 10; 299 -> 10 (Keras's 10x10x2048).
                Arguments.of(XCEPTION, new long[]{7, 7, 2048}, new long[]{16, 16, 2048}, new long[]{10, 7, 2048},
                        new long[]{10, 10, 2048}),
                Arguments.of(SMALL_CNN, new long[]{28, 28, 128}, new long[]{64, 64, 128}, new long[]{40, 28, 128},
                        new long[]{37, 37, 128}),
                Arguments.of(TINY, new long[]{220, 220, 32}, new long[]{508, 508, 32}, new long[]{316, 220, 32},
                        new long[]{295, 295, 32}));
    }

    @ParameterizedTest
    @MethodSource("kerasFeatureMaps")
    void finalFeatureMapsMatchKeras(Backbone backbone, long[] at224, long[] at512, long[] at320x224, long[] at299) {
        assertAll(
                () -> assertFeatureMap(backbone, 224, 224, at224),
                () -> assertFeatureMap(backbone, 512, 512, at512),
                () -> assertFeatureMap(backbone, 320, 224, at320x224),
                () -> assertFeatureMap(backbone, 299, 299, at299));
    }

    private static void assertFeatureMap(Backbone backbone, int height, int width, long[] expected) {
        InputType.InputTypeConvolutional propagated = propagatedFeatureMap(backbone, height, width);
        String where = backbone + " at " + height + "x" + width;
        assertEquals(expected[0], propagated.getHeight(), where + " height");
        assertEquals(expected[1], propagated.getWidth(), where + " width");
        assertEquals(expected[2], propagated.getChannels(), where + " channels");
        assertEquals(propagated, backbone.featureMap(height, width, 3), where + ": featureMap(...) vs the graph");
    }

    /** featureMap(h, w, c) agrees with the built graph at the minimum size, odd sizes and non-square sizes. */
    @ParameterizedTest
    @EnumSource(Backbone.class)
    void featureMapAgreesWithShapeInference(Backbone backbone) {
        int min = backbone.minimumInputSize();
        int[][] sizes = {{min, min}, {min + 1, min + 2}, {min + 3, min + 7}, {97, 131}, {150, 151}, {255, 256},
                {min, 400}};
        for (int[] size : sizes) {
            assertEquals(propagatedFeatureMap(backbone, size[0], size[1]), backbone.featureMap(size[0], size[1], 1),
                    backbone + " at " + size[0] + "x" + size[1]);
        }
        InputType.InputTypeConvolutional nhwc = (InputType.InputTypeConvolutional) InputType.convolutional(320, 224,
                3, CNN2DFormat.NHWC);
        ComputationGraphConfiguration conf = backbone.featureExtractorConfiguration(nhwc, SEED);
        assertEquals(conf.clone().getLayerActivationTypes(nhwc).get(conf.getNetworkOutputs().get(0)),
                backbone.featureMap(nhwc), backbone + " NHWC");
    }

    /**
     * Wise-SrNet head weights C * (kH * kW + 1) with the paper's pre-pooling, from the real layer configuration:
     * at 224 (7x7 map: pool 2 -> 3x3 kernel; InceptionV3 5x5: pool 2 -> 2x2) and 512 (16x16: pool 3 -> 5x5;
     * InceptionV3 14x14: pool 3 -> 4x4).
     */
    static Stream<Arguments> wiseSrHeadSizes() {
        return Stream.of(
                Arguments.of(RESNET50, 20_480L, 53_248L),
                Arguments.of(INCEPTION_V3, 10_240L, 34_816L),
                Arguments.of(DENSENET121, 10_240L, 26_624L),
                Arguments.of(DENSENET169, 16_640L, 43_264L),
                Arguments.of(XCEPTION, 20_480L, 53_248L));
    }

    @ParameterizedTest
    @MethodSource("wiseSrHeadSizes")
    void wiseSrHeadSize(Backbone backbone, long at224, long at512) {
        assertEquals(at224, wiseSrHeadWeights(backbone.featureMap(224, 224, 3)), backbone + " at 224");
        assertEquals(at512, wiseSrHeadWeights(backbone.featureMap(512, 512, 3)), backbone + " at 512");
    }

    private static long wiseSrHeadWeights(InputType.InputTypeConvolutional map) {
        WiseSrLayer head = new WiseSrLayer.Builder().inputType(map).build();
        long c = map.getChannels();
        assertEquals(c * (head.getKernelHeight() * head.getKernelWidth() + 1), head.initializer().numParams(head));
        return head.initializer().numParams(head);
    }

    /** Keras's layer names, the automatic ones included; vertex counts are Keras's len(model.layers) - 1 (input). */
    @ParameterizedTest
    @MethodSource("kerasNames")
    void layerNamesFollowKeras(Backbone backbone, int vertices, String output, List<String> present,
            List<String> absent) {
        ComputationGraphConfiguration conf = backbone.featureExtractorConfiguration(nchw(224, 224), SEED);
        Map<String, GraphVertex> all = conf.getVertices();
        assertEquals(vertices, all.size(), backbone + " vertex count");
        assertEquals(List.of(output), conf.getNetworkOutputs());
        for (String name : present) {
            assertTrue(all.containsKey(name), backbone + " has no vertex '" + name + "'");
        }
        for (String name : absent) {
            assertFalse(all.containsKey(name), backbone + " has an unexpected vertex '" + name + "'");
        }
        ComputationGraphConfiguration top = backbone.classifierConfiguration(nchw(224, 224), 10, SEED);
        assertEquals(List.of("predictions"), top.getNetworkOutputs());
        assertEquals(List.of("avg_pool"), top.getVertexInputs().get("predictions"));
        assertEquals(List.of(output), top.getVertexInputs().get("avg_pool"));
    }

    static Stream<Arguments> kerasNames() {
        return Stream.of(
                Arguments.of(RESNET50, 174, "conv5_block3_out",
                        List.of("conv1_pad", "conv1_conv", "conv1_bn", "conv1_relu", "pool1_pad", "pool1_pool",
                                "conv2_block1_0_conv", "conv2_block1_0_bn", "conv2_block1_1_conv",
                                "conv2_block1_1_relu", "conv2_block1_2_conv", "conv2_block1_3_bn", "conv2_block1_add",
                                "conv2_block3_out", "conv3_block4_out", "conv4_block1_0_conv", "conv4_block6_out",
                                "conv5_block3_add"),
                        List.of("conv2_block2_0_conv", "conv5_block4_out", "avg_pool")),
                Arguments.of(INCEPTION_V3, 310, "mixed10",
                        List.of("conv2d", "conv2d_1", "conv2d_93", "batch_normalization", "batch_normalization_93",
                                "activation", "activation_93", "max_pooling2d", "max_pooling2d_3", "average_pooling2d",
                                "average_pooling2d_8", "mixed0", "mixed3", "mixed8", "mixed9_0", "mixed9", "mixed9_1",
                                "concatenate", "concatenate_1"),
                        List.of("conv2d_94", "conv2d_0", "max_pooling2d_4", "average_pooling2d_9", "concatenate_2",
                                "mixed11")),
                Arguments.of(DENSENET121, 426, "relu",
                        List.of("zero_padding2d", "conv1/conv", "conv1/bn", "conv1/relu", "zero_padding2d_1", "pool1",
                                "conv2_block1_0_bn", "conv2_block1_0_relu", "conv2_block1_1_conv", "conv2_block1_2_conv",
                                "conv2_block1_concat", "conv2_block6_concat", "pool2_bn", "pool2_relu", "pool2_conv",
                                "pool2_pool", "conv3_block12_concat", "conv4_block24_concat", "pool4_pool",
                                "conv5_block16_concat", "bn", "relu"),
                        List.of("conv2_block7_concat", "conv4_block25_concat", "pool5_pool")),
                Arguments.of(DENSENET169, 594, "relu",
                        List.of("conv1/conv", "conv4_block32_concat", "conv5_block32_concat", "pool4_conv"),
                        List.of("conv4_block33_concat", "conv5_block33_concat")),
                Arguments.of(XCEPTION, 131, "block14_sepconv2_act",
                        List.of("block1_conv1", "block1_conv1_bn", "block1_conv1_act", "block1_conv2_act",
                                "conv2d", "batch_normalization", "block2_sepconv1", "block2_sepconv1_bn",
                                "block2_sepconv2_act", "block2_pool", "add", "block3_sepconv1_act", "conv2d_3",
                                "batch_normalization_3", "block5_sepconv3_bn", "block12_sepconv3_act", "add_11",
                                "block13_pool", "block14_sepconv1_act", "block14_sepconv2_bn"),
                        List.of("block2_sepconv1_act", "conv2d_4", "add_12", "block13_sepconv3")));
    }

    /** BatchNormalization settings (epsilon, momentum 0.99) and He-initialized convolutions, Keras's paddings. */
    @ParameterizedTest
    @MethodSource("batchNormEpsilons")
    void layerSettingsFollowKeras(Backbone backbone, double epsilon, int convolutions, int convolutionsWithBias) {
        ComputationGraphConfiguration conf = backbone.featureExtractorConfiguration(nchw(224, 224), SEED);
        int convs = 0;
        int biased = 0;
        for (Map.Entry<String, GraphVertex> e : conf.getVertices().entrySet()) {
            Layer layer = layerOf(e.getValue());
            if (layer instanceof BatchNormalization bn) {
                assertEquals(epsilon, bn.getEps(), e.getKey());
                assertEquals(0.99, bn.getDecay(), e.getKey());
                assertFalse(bn.isLockGammaBeta(), e.getKey());
            } else if (layer instanceof ConvolutionLayer conv) {
                convs++;
                biased += conv.hasBias() ? 1 : 0;
                assertInstanceOf(WeightInitRelu.class, conv.getWeightInitFn(), e.getKey());
                assertTrue(conv.getConvolutionMode() == ConvolutionMode.Same
                        || conv.getConvolutionMode() == ConvolutionMode.Truncate, e.getKey());
                assertEquals(0, conv.getPadding()[0], e.getKey() + ": padding belongs to ZeroPaddingLayer");
            } else if (layer instanceof ZeroPaddingLayer pad) {
                assertTrue(e.getKey().endsWith("_pad") || e.getKey().startsWith("zero_padding2d"), e.getKey());
            }
        }
        assertEquals(convolutions, convs, backbone + " convolutions");
        assertEquals(convolutionsWithBias, biased, backbone + " convolutions with bias");
    }

    static Stream<Arguments> batchNormEpsilons() {
        return Stream.of(
                Arguments.of(RESNET50, 1.001e-5, 53, 53),
                Arguments.of(INCEPTION_V3, 1e-3, 94, 0),
                Arguments.of(DENSENET121, 1.001e-5, 120, 0),
                Arguments.of(DENSENET169, 1.001e-5, 168, 0),
                Arguments.of(XCEPTION, 1e-3, 40, 0)); // 4 shortcut convolutions + 36 (incl. 34 separable)
    }

    // ---- helpers

    static long parameterCount(ComputationGraphConfiguration conf) {
        long n = 0;
        for (GraphVertex v : conf.getVertices().values()) {
            n += v.numParams(true);
        }
        return n;
    }

    private static long batchNormMovingStatistics(ComputationGraphConfiguration conf) {
        long n = 0;
        for (GraphVertex v : conf.getVertices().values()) {
            if (layerOf(v) instanceof BatchNormalization bn) {
                n += 2 * bn.getNOut();
            }
        }
        return n;
    }

    /** An NCHW input type of {@code height x width x 3}. */
    static InputType.InputTypeConvolutional nchw(long height, long width) {
        return (InputType.InputTypeConvolutional) InputType.convolutional(height, width, 3);
    }

    private static Layer layerOf(GraphVertex vertex) {
        return vertex instanceof LayerVertex lv ? lv.getLayerConf().getLayer() : null;
    }

    static InputType.InputTypeConvolutional propagatedFeatureMap(Backbone backbone, int height, int width) {
        ComputationGraphConfiguration conf = backbone.featureExtractorConfiguration(nchw(height, width), SEED);
        Map<String, InputType> types = conf.clone().getLayerActivationTypes(InputType.convolutional(height, width, 3));
        return (InputType.InputTypeConvolutional) types.get(conf.getNetworkOutputs().get(0));
    }
}
