package io.github.wisesrnet.backbones;

import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.inputs.InputType;

import static io.github.wisesrnet.backbones.GraphBlocks.SAME;
import static io.github.wisesrnet.backbones.GraphBlocks.VALID;
import static io.github.wisesrnet.backbones.GraphBlocks.valid;

/**
 * InceptionV3 as in {@code keras.applications.inception_v3}: every convolution is Keras's {@code conv2d_bn}
 * (conv without bias -> BatchNormalization epsilon 1e-3 -> ReLU); the mixing blocks are named {@code mixed0} ...
 * {@code mixed10} (plus {@code mixed9_0}, {@code mixed9_1}), everything else gets Keras's automatic names from a
 * per-build counter: {@code conv2d} ... {@code conv2d_93}, {@code batch_normalization} ...,
 * {@code activation} ..., {@code max_pooling2d} ..., {@code average_pooling2d} ..., {@code concatenate},
 * {@code concatenate_1}, as a fresh Keras session names them.
 *
 * <p>Keras builds these BatchNormalization layers with {@code scale=False} (no gamma). DL4J's BatchNormalization
 * either learns both gamma and beta or neither ({@code lockGammaBeta} removes both from the parameters), so gamma is
 * kept here, initialized to 1 (DL4J's Keras import does the same). That adds one parameter per BatchNormalization
 * channel, 17,216 in all; since a positive scale before a ReLU can be absorbed by the next convolution, it does not
 * change what the network can represent.
 *
 * <p>Sides: stem 3x3/2 valid, 3x3 valid, 3x3 same, 3x3/2 max pool, 1x1, 3x3 valid, 3x3/2 max pool; then two
 * 3x3/2 valid reductions (mixed3, mixed8): 299 -> 8, 224 -> 5, 512 -> 14. 2048 channels. Minimum input 75.
 */
final class InceptionV3Builder implements Architecture {

    @Override
    public int minimumInputSize() {
        return 75;
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
        s = valid(s, 3, 2); // conv 3x3/2 valid
        s = valid(s, 3, 1); // conv 3x3 valid (the next 3x3 is 'same')
        s = valid(s, 3, 2); // max pool 3x3/2
        s = valid(s, 3, 1); // conv 3x3 valid (after the 1x1)
        s = valid(s, 3, 2); // max pool 3x3/2
        s = valid(s, 3, 2); // mixed3
        return valid(s, 3, 2); // mixed8
    }

    @Override
    public String addFeatureLayers(GraphBlocks b, String input) {
        String x = conv2dBn(b, input, 32, 3, 3, 2, VALID);
        x = conv2dBn(b, x, 32, 3, 3, 1, VALID);
        x = conv2dBn(b, x, 64, 3, 3, 1, SAME);
        x = b.maxPool(b.autoName("max_pooling2d"), x, 3, 2, VALID);

        x = conv2dBn(b, x, 80, 1, 1, 1, VALID);
        x = conv2dBn(b, x, 192, 3, 3, 1, VALID);
        x = b.maxPool(b.autoName("max_pooling2d"), x, 3, 2, VALID);

        // 35 x 35 at 299: mixed0 (256 channels), mixed1 and mixed2 (288)
        x = blockA(b, x, 32, "mixed0");
        x = blockA(b, x, 64, "mixed1");
        x = blockA(b, x, 64, "mixed2");

        x = reductionA(b, x, "mixed3"); // 17 x 17 x 768

        x = blockB(b, x, 128, "mixed4");
        x = blockB(b, x, 160, "mixed5");
        x = blockB(b, x, 160, "mixed6");
        x = blockB(b, x, 192, "mixed7");

        x = reductionB(b, x, "mixed8"); // 8 x 8 x 1280

        x = blockC(b, x, 0, "mixed9"); // 8 x 8 x 2048
        return blockC(b, x, 1, "mixed10");
    }

    /** Keras's {@code conv2d_bn} with {@code name=None}: auto-named conv (no bias), BatchNormalization, ReLU. */
    private static String conv2dBn(GraphBlocks b, String x, int filters, int rows, int cols, int stride,
            ConvolutionMode padding) {
        x = b.conv(b.autoName("conv2d"), x, filters, rows, cols, stride, padding, false);
        x = b.batchNorm(b.autoName("batch_normalization"), x);
        return b.relu(b.autoName("activation"), x);
    }

    private static String conv2dBn(GraphBlocks b, String x, int filters, int rows, int cols) {
        return conv2dBn(b, x, filters, rows, cols, 1, SAME);
    }

    /** 3x3 'same' average pooling with stride 1, as used in the pooling branches. */
    private static String averagePool3x3(GraphBlocks b, String x) {
        return b.averagePool(b.autoName("average_pooling2d"), x, 3, 1, SAME);
    }

    /** mixed0-2: 1x1 | 1x1 -> 5x5 | 1x1 -> 3x3 -> 3x3 | avg pool -> 1x1 ({@code poolFilters}). */
    private static String blockA(GraphBlocks b, String x, int poolFilters, String name) {
        String branch1x1 = conv2dBn(b, x, 64, 1, 1);

        String branch5x5 = conv2dBn(b, x, 48, 1, 1);
        branch5x5 = conv2dBn(b, branch5x5, 64, 5, 5);

        String branch3x3dbl = conv2dBn(b, x, 64, 1, 1);
        branch3x3dbl = conv2dBn(b, branch3x3dbl, 96, 3, 3);
        branch3x3dbl = conv2dBn(b, branch3x3dbl, 96, 3, 3);

        String branchPool = averagePool3x3(b, x);
        branchPool = conv2dBn(b, branchPool, poolFilters, 1, 1);
        return b.concat(name, branch1x1, branch5x5, branch3x3dbl, branchPool);
    }

    /** mixed3: 3x3/2 | 1x1 -> 3x3 -> 3x3/2 | 3x3/2 max pool. */
    private static String reductionA(GraphBlocks b, String x, String name) {
        String branch3x3 = conv2dBn(b, x, 384, 3, 3, 2, VALID);

        String branch3x3dbl = conv2dBn(b, x, 64, 1, 1);
        branch3x3dbl = conv2dBn(b, branch3x3dbl, 96, 3, 3);
        branch3x3dbl = conv2dBn(b, branch3x3dbl, 96, 3, 3, 2, VALID);

        String branchPool = b.maxPool(b.autoName("max_pooling2d"), x, 3, 2, VALID);
        return b.concat(name, branch3x3, branch3x3dbl, branchPool);
    }

    /** mixed4-7: 1x1 | 1x1 -> 1x7 -> 7x1 | 1x1 -> 7x1 -> 1x7 -> 7x1 -> 1x7 | avg pool -> 1x1; inner width c7. */
    private static String blockB(GraphBlocks b, String x, int c7, String name) {
        String branch1x1 = conv2dBn(b, x, 192, 1, 1);

        String branch7x7 = conv2dBn(b, x, c7, 1, 1);
        branch7x7 = conv2dBn(b, branch7x7, c7, 1, 7);
        branch7x7 = conv2dBn(b, branch7x7, 192, 7, 1);

        String branch7x7dbl = conv2dBn(b, x, c7, 1, 1);
        branch7x7dbl = conv2dBn(b, branch7x7dbl, c7, 7, 1);
        branch7x7dbl = conv2dBn(b, branch7x7dbl, c7, 1, 7);
        branch7x7dbl = conv2dBn(b, branch7x7dbl, c7, 7, 1);
        branch7x7dbl = conv2dBn(b, branch7x7dbl, 192, 1, 7);

        String branchPool = averagePool3x3(b, x);
        branchPool = conv2dBn(b, branchPool, 192, 1, 1);
        return b.concat(name, branch1x1, branch7x7, branch7x7dbl, branchPool);
    }

    /** mixed8: 1x1 -> 3x3/2 | 1x1 -> 1x7 -> 7x1 -> 3x3/2 | 3x3/2 max pool. */
    private static String reductionB(GraphBlocks b, String x, String name) {
        String branch3x3 = conv2dBn(b, x, 192, 1, 1);
        branch3x3 = conv2dBn(b, branch3x3, 320, 3, 3, 2, VALID);

        String branch7x7x3 = conv2dBn(b, x, 192, 1, 1);
        branch7x7x3 = conv2dBn(b, branch7x7x3, 192, 1, 7);
        branch7x7x3 = conv2dBn(b, branch7x7x3, 192, 7, 1);
        branch7x7x3 = conv2dBn(b, branch7x7x3, 192, 3, 3, 2, VALID);

        String branchPool = b.maxPool(b.autoName("max_pooling2d"), x, 3, 2, VALID);
        return b.concat(name, branch3x3, branch7x7x3, branchPool);
    }

    /**
     * mixed9-10: 1x1 | 1x1 -> [1x3, 3x1] (named {@code mixed9_<index>}) | 1x1 -> 3x3 -> [1x3, 3x1] (auto-named
     * concatenate) | avg pool -> 1x1.
     */
    private static String blockC(GraphBlocks b, String x, int index, String name) {
        String branch1x1 = conv2dBn(b, x, 320, 1, 1);

        String branch3x3 = conv2dBn(b, x, 384, 1, 1);
        String branch3x3a = conv2dBn(b, branch3x3, 384, 1, 3);
        String branch3x3b = conv2dBn(b, branch3x3, 384, 3, 1);
        branch3x3 = b.concat("mixed9_" + index, branch3x3a, branch3x3b);

        String branch3x3dbl = conv2dBn(b, x, 448, 1, 1);
        branch3x3dbl = conv2dBn(b, branch3x3dbl, 384, 3, 3);
        String branch3x3dblA = conv2dBn(b, branch3x3dbl, 384, 1, 3);
        String branch3x3dblB = conv2dBn(b, branch3x3dbl, 384, 3, 1);
        branch3x3dbl = b.concat(b.autoName("concatenate"), branch3x3dblA, branch3x3dblB);

        String branchPool = averagePool3x3(b, x);
        branchPool = conv2dBn(b, branchPool, 192, 1, 1);
        return b.concat(name, branch1x1, branch3x3, branch3x3dbl, branchPool);
    }
}
