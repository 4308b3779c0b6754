package io.github.wisesrnet.inference;

import io.github.wisesrnet.cpu.OneDnnHelpers;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.CacheMode;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.SeparableConvolution2D;
import org.deeplearning4j.nn.conf.layers.misc.FrozenLayer;
import org.deeplearning4j.nn.conf.layers.misc.FrozenLayerWithBackprop;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.params.BatchNormalizationParamInitializer;
import org.deeplearning4j.nn.params.ConvolutionParamInitializer;
import org.deeplearning4j.nn.params.SeparableConvolutionParamInitializer;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A copy of a trained network for inference, with fewer layers and the same outputs up to float rounding:
 * <ul>
 *   <li>each batch normalization that directly follows a convolution is folded into that convolution: with the
 *       running statistics, {@code gamma (conv(x) + b - mean) / sqrt(var + eps) + beta} is a convolution with weights
 *       {@code W gamma / sqrt(var + eps)} and bias {@code (b - mean) gamma / sqrt(var + eps) + beta};</li>
 *   <li>each activation layer that then directly follows a convolution becomes that convolution's activation.</li>
 * </ul>
 * A pair is folded only when the convolution (exactly {@link ConvolutionLayer}, or {@link SeparableConvolution2D} in
 * NCHW; frozen or not; not depthwise, deconvolution or 1D) has the identity activation and feeds nothing else, neither
 * layer is a network output, and the second layer has no input preprocessor; of two batch normalizations in a row,
 * only the first is folded. Everything else is copied unchanged, parameters included; the trained network is not changed.
 * Layers keep their names, the folded ones disappear (their consumers read the convolution instead).
 *
 * <p>This is the transform deployment tools apply (PyTorch's {@code fuse_conv_bn_eval}, TensorRT): it saves the
 * batch-normalization pass and the activation layers, 8-20% of a ResNet50 inference pass at 224x224, batch 8
 * (docs/benchmarks.md, side by side with PyTorch). The copy is for inference only: a batch normalization that is folded no longer normalizes by
 * batch statistics, so training the copy is training a different network.
 * <pre>{@code
 * ComputationGraph trained = ...;                        // or restored with ModelSerializer
 * ComputationGraph forServing = InferenceFolding.fold(trained);
 * INDArray probabilities = forServing.outputSingle(images);
 * }</pre>
 * For a {@code MultiLayerNetwork}, fold {@code net.toComputationGraph()}.
 */
public final class InferenceFolding {

    private static final Logger log = LoggerFactory.getLogger(InferenceFolding.class);

    private InferenceFolding() {
    }

    /**
     * The folded copy of {@code trained}, initialized, with its parameters in the trained network's data type; tuned
     * for the CPU ({@link OneDnnHelpers#tuneIfRequested}) if {@link OneDnnHelpers#enable()} was called.
     *
     * @throws IllegalStateException if {@code trained} has not been initialized
     */
    public static ComputationGraph fold(ComputationGraph trained) {
        if (trained.getLayers() == null) {
            throw new IllegalStateException("The network has no layers yet: call net.init() before folding it");
        }
        ComputationGraphConfiguration conf = trained.getConfiguration().clone();
        Map<String, String> batchNormOf = new LinkedHashMap<>(); // convolution -> the batch normalization folded into it
        for (String name : new ArrayList<>(conf.getVertices().keySet())) {
            String convolution = foldableInto(conf, name, BatchNormalization.class);
            // one batch normalization per convolution: a second one in a row now reads the convolution, and stays
            if (convolution != null && !batchNormOf.containsKey(convolution)) {
                BatchNormalization bn = (BatchNormalization) unwrapped(conf.getVertices().get(name));
                ConvolutionLayer conv = (ConvolutionLayer) unwrapped(conf.getVertices().get(convolution));
                if (bn.getNOut() == conv.getNOut()) {
                    conv.setHasBias(true);
                    remove(conf, name, convolution);
                    batchNormOf.put(convolution, name);
                }
            }
        }
        int activations = 0;
        for (String name : new ArrayList<>(conf.getVertices().keySet())) {
            String convolution = foldableInto(conf, name, ActivationLayer.class);
            if (convolution != null) {
                ActivationLayer activation = (ActivationLayer) unwrapped(conf.getVertices().get(name));
                ((ConvolutionLayer) unwrapped(conf.getVertices().get(convolution)))
                        .setActivationFn(activation.getActivationFn());
                remove(conf, name, convolution);
                activations++;
            }
        }

        ComputationGraph folded = new ComputationGraph(conf);
        folded.init();
        for (org.deeplearning4j.nn.graph.vertex.GraphVertex vertex : folded.getVertices()) {
            if (!vertex.hasLayer()) {
                continue;
            }
            String name = vertex.getVertexName();
            Layer layer = vertex.getLayer();
            Layer source = trained.getLayer(name);
            for (Map.Entry<String, INDArray> param : layer.paramTable().entrySet()) {
                INDArray value = source.paramTable().get(param.getKey());
                if (value != null) {
                    param.getValue().assign(value);
                }
            }
            String bn = batchNormOf.get(name);
            if (bn != null) {
                foldBatchNorm(layer, source, trained.getLayer(bn));
            }
        }
        folded.setCacheMode(CacheMode.NONE); // inference only: nothing to keep for a backward pass
        OneDnnHelpers.tuneIfRequested(folded);
        log.info("Folded {} batch normalization(s) and {} activation layer(s) into convolutions: {} layers instead"
                + " of {}", batchNormOf.size(), activations, folded.getLayers().length, trained.getLayers().length);
        return folded;
    }

    /**
     * The convolution that vertex {@code name}, a layer of {@code type}, can be folded into, or null: its one input
     * is a convolution with the identity activation that feeds nothing else and is not a network output.
     */
    private static String foldableInto(ComputationGraphConfiguration conf, String name,
            Class<? extends org.deeplearning4j.nn.conf.layers.Layer> type) {
        GraphVertex vertex = conf.getVertices().get(name);
        if (!(vertex instanceof LayerVertex layerVertex) || !type.isInstance(unwrapped(vertex))
                || layerVertex.getPreProcessor() != null || conf.getNetworkOutputs().contains(name)) {
            return null;
        }
        List<String> inputs = conf.getVertexInputs().get(name);
        if (inputs == null || inputs.size() != 1) {
            return null;
        }
        String source = inputs.get(0);
        org.deeplearning4j.nn.conf.layers.Layer convolution = unwrapped(conf.getVertices().get(source));
        boolean foldable = convolution != null && (convolution.getClass() == ConvolutionLayer.class
                || convolution.getClass() == SeparableConvolution2D.class)
                && ((ConvolutionLayer) convolution).getActivationFn() instanceof ActivationIdentity
                && !conf.getNetworkOutputs().contains(source) && !permutedOutput(convolution);
        long consumers = conf.getVertexInputs().values().stream().filter(in -> in.contains(source)).count();
        return foldable && consumers == 1 ? source : null;
    }

    /**
     * DL4J M2.1's NHWC separable convolution returns its output as a permuted NCHW array, which a oneDNN helper in the
     * next layer reads as if it were contiguous NHWC (wrong outputs, even infinite ones). A layer in between copies it;
     * so such a convolution keeps the layer after it.
     */
    private static boolean permutedOutput(org.deeplearning4j.nn.conf.layers.Layer convolution) {
        return convolution instanceof SeparableConvolution2D separable
                && separable.getCnn2dDataFormat() == CNN2DFormat.NHWC;
    }

    /** Removes vertex {@code name} from the graph; its consumers read {@code source} instead. */
    private static void remove(ComputationGraphConfiguration conf, String name, String source) {
        conf.getVertices().remove(name);
        conf.getVertexInputs().remove(name);
        for (List<String> inputs : conf.getVertexInputs().values()) {
            inputs.replaceAll(input -> input.equals(name) ? source : input);
        }
    }

    /** The layer configuration of a layer vertex, inside a frozen wrapper if there is one; null for other vertices. */
    private static org.deeplearning4j.nn.conf.layers.Layer unwrapped(GraphVertex vertex) {
        return vertex instanceof LayerVertex layerVertex ? unwrapped(layerVertex.getLayerConf().getLayer()) : null;
    }

    /** The layer configuration of an initialized layer, inside a frozen wrapper if there is one. */
    private static org.deeplearning4j.nn.conf.layers.Layer unwrapped(Layer layer) {
        return unwrapped(layer.conf().getLayer());
    }

    private static org.deeplearning4j.nn.conf.layers.Layer unwrapped(org.deeplearning4j.nn.conf.layers.Layer layer) {
        if (layer instanceof FrozenLayer frozen) {
            return frozen.getLayer();
        }
        return layer instanceof FrozenLayerWithBackprop frozen ? frozen.getUnderlying() : layer;
    }

    /**
     * Folds the trained batch normalization {@code bn} into {@code conv} (whose parameters are the trained
     * convolution's, copied), in double precision: per output channel o, {@code s = gamma / sqrt(var + eps)}, the
     * weights of o times s, {@code b = (b - mean) s + beta}.
     */
    private static void foldBatchNorm(Layer conv, Layer trainedConv, Layer bn) {
        BatchNormalization bnConf = (BatchNormalization) unwrapped(bn);
        long channels = bnConf.getNOut();
        INDArray mean = bn.getParam(BatchNormalizationParamInitializer.GLOBAL_MEAN).castTo(DataType.DOUBLE)
                .reshape(channels);
        INDArray variance;
        if (bnConf.isUseLogStd()) { // var = (10^log10(std))^2, as DL4J computes it
            INDArray std = Transforms.pow(Nd4j.valueArrayOf(new long[]{channels}, 10.0, DataType.DOUBLE),
                    bn.getParam(BatchNormalizationParamInitializer.GLOBAL_LOG_STD).castTo(DataType.DOUBLE)
                            .reshape(channels), false);
            variance = std.mul(std);
        } else {
            variance = bn.getParam(BatchNormalizationParamInitializer.GLOBAL_VAR).castTo(DataType.DOUBLE)
                    .reshape(channels);
        }
        INDArray gamma;
        INDArray beta;
        if (bnConf.isLockGammaBeta()) {
            gamma = Nd4j.valueArrayOf(new long[]{channels}, bnConf.getGamma(), DataType.DOUBLE);
            beta = Nd4j.valueArrayOf(new long[]{channels}, bnConf.getBeta(), DataType.DOUBLE);
        } else {
            gamma = bn.getParam(BatchNormalizationParamInitializer.GAMMA).castTo(DataType.DOUBLE).reshape(channels);
            beta = bn.getParam(BatchNormalizationParamInitializer.BETA).castTo(DataType.DOUBLE).reshape(channels);
        }
        INDArray scale = gamma.div(Transforms.sqrt(variance.add(bnConf.getEps()), false));

        // the weights whose first axis is the output channel: W [oC, iC, kH, kW], or pW [oC, iC*m, 1, 1]
        String weightKey = unwrapped(conv) instanceof SeparableConvolution2D
                ? SeparableConvolutionParamInitializer.POINT_WISE_WEIGHT_KEY : ConvolutionParamInitializer.WEIGHT_KEY;
        INDArray weights = conv.getParam(weightKey);
        INDArray rows = weights.castTo(DataType.DOUBLE).reshape('c', channels, weights.length() / channels);
        weights.assign(rows.mulColumnVector(scale.reshape(channels, 1)).reshape('c', weights.shape()));

        INDArray trainedBias = trainedConv.paramTable().get(ConvolutionParamInitializer.BIAS_KEY);
        INDArray bias = trainedBias == null ? Nd4j.zeros(DataType.DOUBLE, channels)
                : trainedBias.castTo(DataType.DOUBLE).reshape(channels);
        INDArray foldedBias = bias.sub(mean).muli(scale).addi(beta);
        INDArray target = conv.getParam(ConvolutionParamInitializer.BIAS_KEY);
        target.assign(foldedBias.reshape(target.shape()));
    }
}
