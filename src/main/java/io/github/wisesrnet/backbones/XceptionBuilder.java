package io.github.wisesrnet.backbones;

import org.deeplearning4j.nn.conf.inputs.InputType;

import static io.github.wisesrnet.backbones.GraphBlocks.SAME;
import static io.github.wisesrnet.backbones.GraphBlocks.VALID;
import static io.github.wisesrnet.backbones.GraphBlocks.same;
import static io.github.wisesrnet.backbones.GraphBlocks.valid;

/**
 * Xception as in {@code keras.applications.xception}: separable convolutions without bias, BatchNormalization
 * epsilon 1e-3.
 *
 * <pre>
 * entry flow:  block1_conv1 3x3/2 valid (32), block1_conv2 3x3 valid (64), each _bn, _act
 *              blocks 2-4 (128, 256, 728): [ReLU] sepconv -> BN -> ReLU -> sepconv -> BN -> 3x3/2 max pool,
 *              added to a 1x1/2 conv + BN shortcut (block2 has no leading ReLU)
 * middle flow: blocks 5-12: 3 x (ReLU -> sepconv 728 -> BN), added to the block's input
 * exit flow:   block13 (728, 1024) like the entry blocks; block14: sepconv 1536 -> BN -> ReLU -> sepconv 2048
 *              -> BN -> block14_sepconv2_act
 * </pre>
 * Keras names the shortcut layers and the additions automatically ({@code conv2d} ... {@code conv2d_3},
 * {@code batch_normalization} ... {@code batch_normalization_3}, {@code add} ... {@code add_11}); they are generated
 * here with a per-build counter. Sides: 3x3/2 valid, 3x3 valid, then halved rounding up 4 times: 299 -> 10,
 * 224 -> 7, 512 -> 16. Minimum input 71.
 */
final class XceptionBuilder implements Architecture {

    private static final int MIDDLE_FLOW_BLOCKS = 8;
    private static final int MIDDLE_FLOW_FILTERS = 728;

    @Override
    public int minimumInputSize() {
        return 71;
    }

    @Override
    public double batchNormEpsilon() {
        return GraphBlocks.KERAS_BN_EPSILON;
    }

    @Override
    public InputType.InputTypeConvolutional featureMap(long height, long width) {
        return (InputType.InputTypeConvolutional) InputType.convolutional(side(height), side(width), 2048);
    }

    private static long side(long s) {
        s = valid(valid(s, 3, 2), 3, 1); // block1_conv1, block1_conv2
        for (int i = 0; i < 4; i++) { // block2, 3, 4 and 13 pools ('same', stride 2)
            s = same(s, 2);
        }
        return s;
    }

    @Override
    public String addFeatureLayers(GraphBlocks b, String input) {
        String x = b.conv("block1_conv1", input, 32, 3, 3, 2, VALID, false);
        x = b.batchNorm("block1_conv1_bn", x);
        x = b.relu("block1_conv1_act", x);
        x = b.conv("block1_conv2", x, 64, 3, 3, 1, VALID, false);
        x = b.batchNorm("block1_conv2_bn", x);
        x = b.relu("block1_conv2_act", x);

        x = downsamplingBlock(b, x, 128, 128, "block2", false);
        x = downsamplingBlock(b, x, 256, 256, "block3", true);
        x = downsamplingBlock(b, x, MIDDLE_FLOW_FILTERS, MIDDLE_FLOW_FILTERS, "block4", true);

        for (int i = 0; i < MIDDLE_FLOW_BLOCKS; i++) {
            x = middleBlock(b, x, "block" + (i + 5));
        }

        x = downsamplingBlock(b, x, MIDDLE_FLOW_FILTERS, 1024, "block13", true);

        x = b.separableConv("block14_sepconv1", x, 1536, 3);
        x = b.batchNorm("block14_sepconv1_bn", x);
        x = b.relu("block14_sepconv1_act", x);
        x = b.separableConv("block14_sepconv2", x, 2048, 3);
        x = b.batchNorm("block14_sepconv2_bn", x);
        return b.relu("block14_sepconv2_act", x);
    }

    /**
     * Entry-flow block (and block13): two separable convolutions and a 3x3/2 'same' max pooling, plus a strided
     * 1x1 conv + BN shortcut. Keras creates the shortcut layers first, so their automatic names come first. Block2
     * starts without a ReLU (its input already went through one) and its only ReLU is named {@code _sepconv2_act}.
     */
    private static String downsamplingBlock(GraphBlocks b, String x, int filters1, int filters2, String name,
            boolean leadingRelu) {
        String residual = b.conv(b.autoName("conv2d"), x, filters2, 1, 1, 2, SAME, false);
        residual = b.batchNorm(b.autoName("batch_normalization"), residual);

        String y = leadingRelu ? b.relu(name + "_sepconv1_act", x) : x;
        y = b.separableConv(name + "_sepconv1", y, filters1, 3);
        y = b.batchNorm(name + "_sepconv1_bn", y);
        y = b.relu(name + "_sepconv2_act", y);
        y = b.separableConv(name + "_sepconv2", y, filters2, 3);
        y = b.batchNorm(name + "_sepconv2_bn", y);
        y = b.maxPool(name + "_pool", y, 3, 2, SAME);
        return b.add(b.autoName("add"), y, residual);
    }

    /** Middle-flow block: three ReLU -> separable conv (728) -> BN, added to the block's input. */
    private static String middleBlock(GraphBlocks b, String x, String name) {
        String y = x;
        for (int i = 1; i <= 3; i++) {
            y = b.relu(name + "_sepconv" + i + "_act", y);
            y = b.separableConv(name + "_sepconv" + i, y, MIDDLE_FLOW_FILTERS, 3);
            y = b.batchNorm(name + "_sepconv" + i + "_bn", y);
        }
        return b.add(b.autoName("add"), y, x);
    }
}
