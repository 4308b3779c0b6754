package io.github.wisesrnet.backbones;

import org.deeplearning4j.nn.conf.inputs.InputType;

import static io.github.wisesrnet.backbones.GraphBlocks.SAME;
import static io.github.wisesrnet.backbones.GraphBlocks.VALID;
import static io.github.wisesrnet.backbones.GraphBlocks.same;

/**
 * ResNet50 v1 as in {@code keras.applications.resnet}: the stride of a stage sits on the first 1x1 convolution of
 * its first block, every convolution has a bias, and BatchNormalization uses epsilon 1.001e-5.
 *
 * <pre>
 * conv1_pad (3) -> conv1_conv 7x7/2 (64) -> conv1_bn -> conv1_relu -> pool1_pad (1) -> pool1_pool 3x3/2
 * conv2: 3 blocks, 64 filters (stride 1)     conv3: 4 blocks, 128 filters (stride 2)
 * conv4: 6 blocks, 256 filters (stride 2)    conv5: 3 blocks, 512 filters (stride 2)  -> conv5_block3_out
 * </pre>
 * Each side of the input is halved (rounding up) five times: 224 -> 7, 512 -> 16; 2048 channels. Minimum input 32.
 */
final class ResNet50Builder implements Architecture {

    private static final int EXPANSION = 4;

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
        for (int i = 0; i < 5; i++) { // conv1, pool1, conv3, conv4, conv5: each ceil(side / 2)
            height = same(height, 2);
            width = same(width, 2);
        }
        return (InputType.InputTypeConvolutional) InputType.convolutional(height, width, 512 * EXPANSION);
    }

    @Override
    public String addFeatureLayers(GraphBlocks b, String input) {
        String x = b.zeroPad("conv1_pad", input, 3);
        x = b.conv("conv1_conv", x, 64, 7, 7, 2, VALID, true);
        x = b.batchNorm("conv1_bn", x);
        x = b.relu("conv1_relu", x);
        x = b.zeroPad("pool1_pad", x, 1);
        x = b.maxPool("pool1_pool", x, 3, 2, VALID);

        x = stack(b, x, 64, 3, 1, "conv2");
        x = stack(b, x, 128, 4, 2, "conv3");
        x = stack(b, x, 256, 6, 2, "conv4");
        return stack(b, x, 512, 3, 2, "conv5");
    }

    /** Keras's {@code stack1}: a block with a projection shortcut, then identity blocks. */
    private static String stack(GraphBlocks b, String x, int filters, int blocks, int firstStride, String name) {
        x = residualBlock(b, x, filters, firstStride, true, name + "_block1");
        for (int i = 2; i <= blocks; i++) {
            x = residualBlock(b, x, filters, 1, false, name + "_block" + i);
        }
        return x;
    }

    /** Keras's {@code block1} (bottleneck v1): 1x1 (strided) -> 3x3 'same' -> 1x1 (4x filters), plus shortcut. */
    private static String residualBlock(GraphBlocks b, String x, int filters, int stride, boolean projection,
            String name) {
        String shortcut = x;
        if (projection) {
            shortcut = b.conv(name + "_0_conv", x, EXPANSION * filters, 1, 1, stride, VALID, true);
            shortcut = b.batchNorm(name + "_0_bn", shortcut);
        }
        String y = b.conv(name + "_1_conv", x, filters, 1, 1, stride, VALID, true);
        y = b.batchNorm(name + "_1_bn", y);
        y = b.relu(name + "_1_relu", y);
        y = b.conv(name + "_2_conv", y, filters, 3, 3, 1, SAME, true);
        y = b.batchNorm(name + "_2_bn", y);
        y = b.relu(name + "_2_relu", y);
        y = b.conv(name + "_3_conv", y, EXPANSION * filters, 1, 1, 1, VALID, true);
        y = b.batchNorm(name + "_3_bn", y);
        String sum = b.add(name + "_add", shortcut, y);
        return b.relu(name + "_out", sum);
    }
}
