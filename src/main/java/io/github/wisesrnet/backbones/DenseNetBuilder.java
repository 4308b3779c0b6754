package io.github.wisesrnet.backbones;

import org.deeplearning4j.nn.conf.inputs.InputType;

import java.util.Arrays;

import static io.github.wisesrnet.backbones.GraphBlocks.SAME;
import static io.github.wisesrnet.backbones.GraphBlocks.VALID;
import static io.github.wisesrnet.backbones.GraphBlocks.same;

/**
 * DenseNet as in {@code keras.applications.densenet}: growth rate 32, bottleneck 4x32, compression 0.5, no conv
 * biases, BatchNormalization epsilon 1.001e-5. DenseNet121 and DenseNet169 differ only in the block counts.
 *
 * <pre>
 * zero_padding2d (3) -> conv1/conv 7x7/2 (64) -> conv1/bn -> conv1/relu -> zero_padding2d_1 (1) -> pool1 3x3/2
 * conv2 dense block -> pool2 transition -> conv3 -> pool3 -> conv4 -> pool4 -> conv5 -> bn -> relu
 * dense block i, layer j (convI_blockJ): _0_bn -> _0_relu -> _1_conv 1x1 (128) -> _1_bn -> _1_relu
 *                                        -> _2_conv 3x3 (32) -> _concat [input, new features]
 * transition (poolI): _bn -> _relu -> _conv 1x1 (half the channels) -> _pool 2x2/2 average
 * </pre>
 * Names are Keras's, '/' included: DL4J accepts it in vertex names, and the graph serializes and restores with it.
 * The two padding layers Keras leaves unnamed get Keras's automatic names. Sides: halved rounding up twice (conv1,
 * pool1), then rounding down three times (transitions): 224 -> 7, 512 -> 16. Minimum input 32.
 */
final class DenseNetBuilder implements Architecture {

    /** DenseNet121: dense blocks of 6, 12, 24, 16 layers. */
    static final DenseNetBuilder DENSENET121 = new DenseNetBuilder(6, 12, 24, 16);
    /** DenseNet169: dense blocks of 6, 12, 32, 32 layers. */
    static final DenseNetBuilder DENSENET169 = new DenseNetBuilder(6, 12, 32, 32);

    private static final int GROWTH_RATE = 32;
    private static final int STEM_FILTERS = 64;
    private static final double COMPRESSION = 0.5;

    private final int[] blocks;

    DenseNetBuilder(int... blocks) {
        if (blocks.length != 4) {
            throw new IllegalArgumentException("DenseNet needs 4 block counts, received " + Arrays.toString(blocks));
        }
        this.blocks = blocks.clone();
    }

    @Override
    public int minimumInputSize() {
        return 32;
    }

    @Override
    public double batchNormEpsilon() {
        return GraphBlocks.RESNET_DENSENET_BN_EPSILON;
    }

    @Override
    public InputType.InputTypeConvolutional featureMap(long height, long width) {
        height = same(same(height, 2), 2) / 8; // conv1 and pool1 round up, the 3 transitions round down
        width = same(same(width, 2), 2) / 8;
        long channels = STEM_FILTERS;
        for (int i = 0; i < blocks.length; i++) {
            channels += (long) blocks[i] * GROWTH_RATE;
            if (i < blocks.length - 1) {
                channels = (long) (channels * COMPRESSION);
            }
        }
        return (InputType.InputTypeConvolutional) InputType.convolutional(height, width, channels);
    }

    @Override
    public String addFeatureLayers(GraphBlocks b, String input) {
        String x = b.zeroPad(b.autoName("zero_padding2d"), input, 3);
        x = b.conv("conv1/conv", x, STEM_FILTERS, 7, 7, 2, VALID, false);
        x = b.batchNorm("conv1/bn", x);
        x = b.relu("conv1/relu", x);
        x = b.zeroPad(b.autoName("zero_padding2d"), x, 1);
        x = b.maxPool("pool1", x, 3, 2, VALID);

        long channels = STEM_FILTERS;
        for (int i = 0; i < blocks.length; i++) {
            x = denseBlock(b, x, blocks[i], "conv" + (i + 2));
            channels += (long) blocks[i] * GROWTH_RATE;
            if (i < blocks.length - 1) {
                channels = (long) (channels * COMPRESSION);
                x = transitionBlock(b, x, (int) channels, "pool" + (i + 2));
            }
        }
        x = b.batchNorm("bn", x);
        return b.relu("relu", x);
    }

    /** Keras's {@code dense_block}: {@code layers} conv blocks, each adding {@link #GROWTH_RATE} channels. */
    private static String denseBlock(GraphBlocks b, String x, int layers, String name) {
        for (int i = 1; i <= layers; i++) {
            x = convBlock(b, x, name + "_block" + i);
        }
        return x;
    }

    /** Keras's {@code conv_block}: BN-ReLU-1x1 conv (bottleneck), BN-ReLU-3x3 conv, concatenated to the input. */
    private static String convBlock(GraphBlocks b, String x, String name) {
        String y = b.batchNorm(name + "_0_bn", x);
        y = b.relu(name + "_0_relu", y);
        y = b.conv(name + "_1_conv", y, 4 * GROWTH_RATE, 1, 1, 1, VALID, false);
        y = b.batchNorm(name + "_1_bn", y);
        y = b.relu(name + "_1_relu", y);
        y = b.conv(name + "_2_conv", y, GROWTH_RATE, 3, 3, 1, SAME, false);
        return b.concat(name + "_concat", x, y);
    }

    /** Keras's {@code transition_block}: BN-ReLU-1x1 conv to {@code filters} channels, 2x2 average pooling. */
    private static String transitionBlock(GraphBlocks b, String x, int filters, String name) {
        x = b.batchNorm(name + "_bn", x);
        x = b.relu(name + "_relu", x);
        x = b.conv(name + "_conv", x, filters, 1, 1, 1, VALID, false);
        return b.averagePool(name + "_pool", x, 2, 2, VALID);
    }
}
