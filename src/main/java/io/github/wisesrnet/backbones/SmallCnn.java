package io.github.wisesrnet.backbones;

import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.nd4j.linalg.activations.Activation;

/**
 * Small CNNs for quick runs on 2 cores: the architectures behind {@link Backbone#TINY} and
 * {@link Backbone#SMALL_CNN}. Their BatchNormalization layers keep DL4J's defaults.
 */
enum SmallCnn implements Architecture {
    /** Two 'valid' 3x3 convolutions with ReLU (conv1, conv2): receptive field 5. */
    TINY(new int[]{16, 32}, false, 5),
    /** Four conv-BN-ReLU blocks ('same' 3x3) with 2x2 max pooling after the first three. */
    SMALL(new int[]{32, 64, 128, 128}, true, 16);

    private static final double DL4J_DEFAULT_BN_EPSILON = 1e-5;

    private final int[] filters;
    private final boolean pooledBlocks;
    private final int minimumInputSize;

    SmallCnn(int[] filters, boolean pooledBlocks, int minimumInputSize) {
        this.filters = filters;
        this.pooledBlocks = pooledBlocks;
        this.minimumInputSize = minimumInputSize;
    }

    @Override
    public int minimumInputSize() {
        return minimumInputSize;
    }

    @Override
    public double batchNormEpsilon() {
        return DL4J_DEFAULT_BN_EPSILON;
    }

    @Override
    public InputType.InputTypeConvolutional featureMap(long h, long w) {
        if (!pooledBlocks) { // two valid 3x3 convolutions
            return (InputType.InputTypeConvolutional) InputType.convolutional(h - 4, w - 4,
                    filters[filters.length - 1]);
        }
        for (int i = 0; i < filters.length - 1; i++) { // 'same' convolutions, 2x2 pooling (floor)
            h /= 2;
            w /= 2;
        }
        return (InputType.InputTypeConvolutional) InputType.convolutional(h, w, filters[filters.length - 1]);
    }

    @Override
    public String addFeatureLayers(GraphBlocks b, String input) {
        String previous = input;
        if (!pooledBlocks) {
            for (int i = 0; i < filters.length; i++) {
                previous = b.layer("conv" + (i + 1), new ConvolutionLayer.Builder(3, 3).nOut(filters[i])
                        .convolutionMode(ConvolutionMode.Truncate).activation(Activation.RELU).build(), previous);
            }
            return previous;
        }
        for (int i = 0; i < filters.length; i++) {
            String block = "block" + (i + 1);
            b.layer(block + "_conv", new ConvolutionLayer.Builder(3, 3).nOut(filters[i])
                    .convolutionMode(ConvolutionMode.Same).hasBias(false)
                    .activation(Activation.IDENTITY).build(), previous);
            b.layer(block + "_bn", new BatchNormalization.Builder().build(), block + "_conv");
            previous = b.layer(block + "_relu", new ActivationLayer.Builder().activation(Activation.RELU).build(),
                    block + "_bn");
            if (i < filters.length - 1) {
                previous = b.layer(block + "_pool", new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX)
                        .kernelSize(2, 2).stride(2, 2).convolutionMode(ConvolutionMode.Truncate).build(), previous);
            }
        }
        return previous;
    }
}
