package io.github.wisesrnet.backbones;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DepthwiseConvolution2D;
import org.deeplearning4j.nn.conf.layers.SeparableConvolution2D;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.graph.vertex.GraphVertex;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.function.UnaryOperator;

/**
 * The parameters of a DL4J graph written the way Keras stores them (the inverse of the loader's conversion), for
 * round-trip tests. The layout itself is checked independently against DL4J's Keras import
 * ({@code KerasLayoutCrossCheckTest}).
 */
public final class KerasExport {

    private KerasExport() {
    }

    /**
     * Every layer with parameters of {@code net} as Keras weights, under a name given by {@code rename}; batch
     * normalization without gamma when {@code scaleLessBatchNorm} (Keras's {@code scale=False}).
     */
    public static KerasH5Writer of(ComputationGraph net, boolean scaleLessBatchNorm, UnaryOperator<String> rename) {
        KerasH5Writer writer = new KerasH5Writer();
        for (GraphVertex v : net.getVertices()) {
            String name = rename.apply(v.getVertexName());
            if (!v.hasLayer() || v.getLayer().numParams() == 0) {
                if (!v.isInputVertex()) {
                    writer.layer(name);
                }
                continue;
            }
            Layer layer = v.getLayer();
            org.deeplearning4j.nn.conf.layers.Layer conf = layer.conf().getLayer();
            if (conf instanceof SeparableConvolution2D) {
                writer.weight(name, "depthwise_kernel", layer.getParam("W").permute(2, 3, 1, 0));
                writer.weight(name, "pointwise_kernel", layer.getParam("pW").permute(2, 3, 1, 0));
            } else if (conf instanceof DepthwiseConvolution2D) {
                writer.weight(name, "depthwise_kernel", layer.getParam("W"));
            } else if (conf instanceof ConvolutionLayer) {
                writer.weight(name, "kernel", layer.getParam("W").permute(2, 3, 1, 0));
            } else if (conf instanceof BatchNormalization) {
                if (!scaleLessBatchNorm) {
                    writer.weight(name, "gamma", layer.getParam("gamma"));
                }
                writer.weight(name, "beta", layer.getParam("beta"));
                writer.weight(name, "moving_mean", layer.getParam("mean"));
                writer.weight(name, "moving_variance", layer.getParam("var"));
                continue;
            } else {
                writer.weight(name, "kernel", layer.getParam("W"));
            }
            INDArray bias = layer.paramTable().get("b");
            if (bias != null) {
                writer.weight(name, "bias", bias);
            }
        }
        return writer;
    }

    /** Random statistics for every batch normalization (positive variances), so that loading them shows. */
    public static void randomizeBatchNormStatistics(ComputationGraph net, long seed) {
        Nd4j.getRandom().setSeed(seed);
        for (GraphVertex v : net.getVertices()) {
            if (v.hasLayer() && v.getLayer().conf().getLayer() instanceof BatchNormalization) {
                Layer l = v.getLayer();
                long[] shape = l.getParam("mean").shape();
                l.getParam("mean").assign(Nd4j.randn(DataType.FLOAT, shape).muli(0.1));
                l.getParam("var").assign(Nd4j.rand(DataType.FLOAT, shape).addi(0.5));
                l.getParam("gamma").assign(Nd4j.rand(DataType.FLOAT, shape).addi(0.5));
                l.getParam("beta").assign(Nd4j.randn(DataType.FLOAT, shape).muli(0.1));
            }
        }
    }
}
