package io.github.wisesrnet.backbones.keras;

import org.deeplearning4j.nn.conf.layers.BaseOutputLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.Convolution1DLayer;
import org.deeplearning4j.nn.conf.layers.Convolution3D;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.Deconvolution2D;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.DepthwiseConvolution2D;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.SeparableConvolution2D;
import org.deeplearning4j.nn.params.BatchNormalizationParamInitializer;
import org.deeplearning4j.nn.params.ConvolutionParamInitializer;
import org.deeplearning4j.nn.params.DefaultParamInitializer;
import org.deeplearning4j.nn.params.SeparableConvolutionParamInitializer;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Keras's tensor layouts turned into DL4J's, per DL4J layer type: which Keras weight becomes which DL4J parameter,
 * and how its axes move.
 *
 * <ul>
 *   <li>{@code Conv2D}: {@code kernel [kH, kW, in, out]} -> {@code W [out, in, kH, kW]}, {@code bias [out]} ->
 *       {@code b}.</li>
 *   <li>{@code SeparableConv2D}: {@code depthwise_kernel [kH, kW, in, m]} -> {@code W [m, in, kH, kW]},
 *       {@code pointwise_kernel [1, 1, in*m, out]} -> {@code pW [out, in*m, 1, 1]}, {@code bias} -> {@code b}.</li>
 *   <li>{@code DepthwiseConv2D}: {@code depthwise_kernel [kH, kW, in, m]} -> {@code W}, same axes;
 *       {@code bias} -> {@code b}.</li>
 *   <li>{@code BatchNormalization}: {@code gamma}, {@code beta}, {@code moving_mean}, {@code moving_variance} ->
 *       {@code gamma}, {@code beta}, {@code mean}, {@code var}. Keras's {@code scale=False} (InceptionV3) stores no
 *       gamma: the layer's gamma becomes 1, which is what Keras computes with; {@code center=False} likewise gives
 *       beta 0.</li>
 *   <li>{@code Dense} (a {@link DenseLayer} or an output layer): {@code kernel [in, out]} -> {@code W [in, out]},
 *       {@code bias} -> {@code b}.</li>
 * </ul>
 * DL4J keeps these layouts whatever the network's data format (NCHW or NHWC).
 */
final class KerasWeightLayout {

    private KerasWeightLayout() {
    }

    /**
     * The DL4J parameters of {@code layer} from its Keras weights, each in DL4J's layout (shapes not yet checked
     * against the layer).
     *
     * @param layerName     for messages
     * @param layer         the DL4J layer's configuration
     * @param dl4jParams    the names of the DL4J layer's parameters
     * @param keras         the layer's Keras weights, by name without ":0"
     * @throws IllegalArgumentException if the weights do not belong to a layer of this type (names the weights found
     *                                  and the ones expected)
     */
    static Map<String, INDArray> toDl4j(String layerName, Layer layer, Set<String> dl4jParams,
            Map<String, INDArray> keras) {
        Map<String, INDArray> out = new LinkedHashMap<>();
        Set<String> unused = new TreeSet<>(keras.keySet());
        if (layer instanceof SeparableConvolution2D) {
            out.put(SeparableConvolutionParamInitializer.DEPTH_WISE_WEIGHT_KEY,
                    take(layerName, keras, unused, "depthwise_kernel").permute(3, 2, 0, 1));
            out.put(SeparableConvolutionParamInitializer.POINT_WISE_WEIGHT_KEY,
                    take(layerName, keras, unused, "pointwise_kernel").permute(3, 2, 0, 1));
            bias(layerName, dl4jParams, keras, unused, SeparableConvolutionParamInitializer.BIAS_KEY, out);
        } else if (layer instanceof DepthwiseConvolution2D) {
            out.put(ConvolutionParamInitializer.WEIGHT_KEY, take(layerName, keras, unused, "depthwise_kernel"));
            bias(layerName, dl4jParams, keras, unused, ConvolutionParamInitializer.BIAS_KEY, out);
        } else if (layer instanceof ConvolutionLayer && !(layer instanceof Deconvolution2D)
                && !(layer instanceof Convolution1DLayer) && !(layer instanceof Convolution3D)) {
            out.put(ConvolutionParamInitializer.WEIGHT_KEY,
                    take(layerName, keras, unused, "kernel").permute(3, 2, 0, 1));
            bias(layerName, dl4jParams, keras, unused, ConvolutionParamInitializer.BIAS_KEY, out);
        } else if (layer instanceof BatchNormalization bn) {
            if (bn.isUseLogStd()) {
                throw new IllegalArgumentException("Layer '" + layerName + "': a BatchNormalization with"
                        + " useLogStd(true) cannot take Keras's moving variance; build it with useLogStd(false).");
            }
            INDArray mean = take(layerName, keras, unused, "moving_mean");
            out.put(BatchNormalizationParamInitializer.GAMMA, unused.remove("gamma") ? keras.get("gamma")
                    : Nd4j.onesLike(mean));
            out.put(BatchNormalizationParamInitializer.BETA, unused.remove("beta") ? keras.get("beta")
                    : Nd4j.zerosLike(mean));
            out.put(BatchNormalizationParamInitializer.GLOBAL_MEAN, mean);
            out.put(BatchNormalizationParamInitializer.GLOBAL_VAR, take(layerName, keras, unused, "moving_variance"));
        } else if (layer instanceof DenseLayer || layer instanceof BaseOutputLayer) {
            out.put(DefaultParamInitializer.WEIGHT_KEY, take(layerName, keras, unused, "kernel"));
            bias(layerName, dl4jParams, keras, unused, DefaultParamInitializer.BIAS_KEY, out);
        } else {
            throw new IllegalArgumentException("Layer '" + layerName + "' is a " + layer.getClass().getSimpleName()
                    + ", which Keras weights cannot be loaded into (supported: 2-D convolution, separable and"
                    + " depthwise convolution, batch normalization, dense and output layers).");
        }
        if (!unused.isEmpty()) {
            throw new IllegalArgumentException("Layer '" + layerName + "' (" + layer.getClass().getSimpleName()
                    + ") has no place for the file's weights " + unused + " (the file's weights for it: "
                    + keras.keySet() + ").");
        }
        return out;
    }

    private static INDArray take(String layerName, Map<String, INDArray> keras, Set<String> unused, String name) {
        INDArray value = keras.get(name);
        if (value == null) {
            throw new IllegalArgumentException("Layer '" + layerName + "': the file has no '" + name
                    + "' for it (its weights there: " + keras.keySet() + ").");
        }
        unused.remove(name);
        return value;
    }

    /** A bias where the layer has one; a layer with a bias needs one in the file and vice versa. */
    private static void bias(String layerName, Set<String> dl4jParams, Map<String, INDArray> keras,
            Set<String> unused, String key, Map<String, INDArray> out) {
        boolean layerHasBias = dl4jParams.contains(key);
        boolean fileHasBias = keras.containsKey("bias");
        if (layerHasBias && !fileHasBias) {
            throw new IllegalArgumentException("Layer '" + layerName + "' has a bias but the file has none for it"
                    + " (Keras use_bias=False): build the layer with hasBias(false).");
        }
        if (!layerHasBias && fileHasBias) {
            throw new IllegalArgumentException("Layer '" + layerName + "' has no bias but the file has one for it"
                    + " (Keras use_bias=True).");
        }
        if (fileHasBias) {
            out.put(key, take(layerName, keras, unused, "bias"));
        }
    }
}
