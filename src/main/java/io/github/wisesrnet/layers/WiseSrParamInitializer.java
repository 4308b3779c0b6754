package io.github.wisesrnet.layers;

import org.deeplearning4j.nn.api.ParamInitializer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Parameters of a {@link WiseSrLayer}: the spatial weights {@code "W"} of shape {@code [C, kH, kW]} (one kernel per
 * channel covering the whole pooled map) followed by the bias {@code "b"} of shape {@code [1, C]} in the layer's flat
 * parameter view.
 */
public final class WiseSrParamInitializer implements ParamInitializer {

    /** The spatial weights, {@code [C, kH, kW]}: {@code net.getParam(layerName + "_W")} or the layer's paramTable. */
    public static final String WEIGHT_KEY = "W";
    /** The bias, {@code [1, C]} (absent when the layer has none). */
    public static final String BIAS_KEY = "b";

    private static final WiseSrParamInitializer INSTANCE = new WiseSrParamInitializer();

    private WiseSrParamInitializer() {
    }

    /** The one instance (it holds no state), as DL4J's own initializers provide. */
    public static WiseSrParamInitializer getInstance() {
        return INSTANCE;
    }

    @Override
    public long numParams(NeuralNetConfiguration conf) {
        return numParams(conf.getLayer());
    }

    @Override
    public long numParams(Layer layer) {
        WiseSrLayer conf = (WiseSrLayer) layer;
        return numWeights(conf) + numBiases(conf);
    }

    private static long numWeights(WiseSrLayer conf) {
        return conf.getNIn() * conf.getKernelHeight() * conf.getKernelWidth();
    }

    private static long numBiases(WiseSrLayer conf) {
        return conf.hasBias() ? conf.getNIn() : 0;
    }

    @Override
    public List<String> paramKeys(Layer layer) {
        return ((WiseSrLayer) layer).hasBias() ? List.of(WEIGHT_KEY, BIAS_KEY) : List.of(WEIGHT_KEY);
    }

    @Override
    public List<String> weightKeys(Layer layer) {
        return List.of(WEIGHT_KEY);
    }

    @Override
    public List<String> biasKeys(Layer layer) {
        return ((WiseSrLayer) layer).hasBias() ? List.of(BIAS_KEY) : Collections.emptyList();
    }

    @Override
    public boolean isWeightParam(Layer layer, String key) {
        return WEIGHT_KEY.equals(key);
    }

    @Override
    public boolean isBiasParam(Layer layer, String key) {
        return BIAS_KEY.equals(key);
    }

    @Override
    public Map<String, INDArray> init(NeuralNetConfiguration conf, INDArray paramsView, boolean initializeParams) {
        WiseSrLayer layer = (WiseSrLayer) conf.getLayer();
        layer.requireInputSizeKnown();
        Map<String, INDArray> views = split(layer, paramsView);
        if (initializeParams) {
            long kernelArea = layer.getKernelHeight() * layer.getKernelWidth();
            // Depthwise: each kernel sees one channel, so fan-in and fan-out are the kernel area.
            layer.getWeightInitFn().init(kernelArea, kernelArea, views.get(WEIGHT_KEY).shape(), 'c',
                    views.get(WEIGHT_KEY));
            if (layer.hasBias()) {
                views.get(BIAS_KEY).assign(layer.getBiasInit());
            }
        }
        for (String key : views.keySet()) {
            conf.addVariable(key);
        }
        return Collections.synchronizedMap(views);
    }

    @Override
    public Map<String, INDArray> getGradientsFromFlattened(NeuralNetConfiguration conf, INDArray gradientView) {
        return split((WiseSrLayer) conf.getLayer(), gradientView);
    }

    /**
     * Views of W [C, kH, kW] and b [1, C] into a flat parameter (or gradient) array. Views, never copies (the reshapes
     * enforce it): updates and gradients are written through them.
     */
    private static Map<String, INDArray> split(WiseSrLayer layer, INDArray flat) {
        INDArray vector = flat.reshape('c', true, flat.length());
        long weights = numWeights(layer);
        Map<String, INDArray> out = new LinkedHashMap<>();
        out.put(WEIGHT_KEY, vector.get(NDArrayIndex.interval(0, weights))
                .reshape('c', true, layer.getNIn(), layer.getKernelHeight(), layer.getKernelWidth()));
        if (layer.hasBias()) {
            out.put(BIAS_KEY, vector.get(NDArrayIndex.interval(weights, weights + layer.getNIn()))
                    .reshape('c', true, 1, layer.getNIn()));
        }
        return out;
    }
}
