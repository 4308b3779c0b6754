package io.github.wisesrnet.layers;

import lombok.AccessLevel;
import lombok.EqualsAndHashCode;
import lombok.Getter;
import lombok.NoArgsConstructor;
import lombok.Setter;
import lombok.ToString;
import org.deeplearning4j.nn.api.ParamInitializer;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.constraint.NonNegativeConstraint;
import org.deeplearning4j.nn.conf.distribution.NormalDistribution;
import org.deeplearning4j.nn.conf.dropout.Dropout;
import org.deeplearning4j.nn.conf.dropout.IDropout;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.conf.memory.LayerMemoryReport;
import org.deeplearning4j.nn.conf.memory.MemoryReport;
import org.deeplearning4j.nn.weights.WeightInitDistribution;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.Map;

/**
 * Wise-SrNet spatial-weighting head: the configuration of a native DL4J layer that turns a CNN feature map into
 * one value per channel, replacing global average pooling.
 *
 * <p>Computation (Rahimzadeh et al., "Wise-SrNet"): average-pool {@code p x p} with stride {@code p} ('valid', so
 * trailing rows and columns that do not fill a window are dropped), then a depthwise convolution whose kernel
 * covers the whole pooled map, plus a per-channel bias, flattened:
 * <pre>
 *   out[n, c] = b[c] + sum_{i,j} W[c, i, j] * avgpool_p(x)[n, c, i, j]
 * </pre>
 * With the non-negative constraint (default) {@code W} is clipped to {@code >= 0} after every update, exactly as
 * Keras's {@code NonNeg} in the reference code.
 *
 * <p>Shapes: input {@code [N, C, H, W]} (NCHW) or {@code [N, H, W, C]} (NHWC), read from the {@link InputType};
 * output {@code [N, C]}. Parameters: {@code "W"} of shape {@code [C, H/p, W/p]} and {@code "b"} of shape
 * {@code [1, C]}. The kernel size is derived from the incoming map and is never set by hand, so the network must be
 * built with input types ({@code setInputTypes(...)}); {@link io.github.wisesrnet.WiseSrNet#attach} does this.
 *
 * <p>Runtime: {@link WiseSrLayerImpl}; parameters: {@link WiseSrParamInitializer}.
 */
@Getter
@Setter
@NoArgsConstructor
@ToString(callSuper = true)
@EqualsAndHashCode(callSuper = true)
public class WiseSrLayer extends FeedForwardLayer {

    /** Pool size meaning "choose by the paper's rule from the map size". */
    public static final int AUTO_POOL_SIZE = 0;
    /** The paper pre-pools with 2 up to this map side and with 3 above it. */
    static final int PAPER_SMALL_MAP_MAX_SIDE = 10;

    /** Requested pool size; {@link #AUTO_POOL_SIZE} for the paper's rule. */
    private int requestedPoolSize = AUTO_POOL_SIZE;
    /**
     * Fixed by the builder: the constructor adds the non-negative constraint to DL4J's constraint list, which a setter
     * would not change (JSON restores the field and the list as saved).
     */
    @Setter(AccessLevel.NONE)
    private boolean nonNegative = true;
    private boolean hasBias = true;
    /** Dropout on the layer's [N, C] output, training only; null for none. */
    private IDropout outputDropout;

    // Derived from the input type in setNIn(InputType, ...):
    private CNN2DFormat dataFormat = CNN2DFormat.NCHW;
    private long inputHeight;
    private long inputWidth;
    private int poolSize;
    private long kernelHeight;
    private long kernelWidth;

    private WiseSrLayer(Builder builder) {
        super(builder);
        this.requestedPoolSize = builder.poolSize;
        this.nonNegative = builder.nonNegative;
        this.hasBias = builder.hasBias;
        this.outputDropout = builder.outputDropout;
        if (builder.inputType != null) {
            setNIn(builder.inputType, true);
        }
        initializeConstraints(builder);
        if (nonNegative) {
            // Through DL4J's own constraint list, so the optimizer clips W after every update like Keras's NonNeg.
            NonNegativeConstraint nonNeg = new NonNegativeConstraint();
            nonNeg.setParams(new HashSet<>(initializer().weightKeys(this)));
            if (constraints == null) {
                constraints = new ArrayList<>();
            }
            constraints.add(nonNeg);
        }
    }

    /**
     * The paper's pre-pooling rule: 2 for final maps up to 10x10, 3 above. For a map too small for that window the
     * largest window that still fits is used (1 = no pre-pooling), so auto never fails on a valid map.
     */
    public static int paperPoolSize(long height, long width) {
        int rule = Math.max(height, width) <= PAPER_SMALL_MAP_MAX_SIDE ? 2 : 3;
        return (int) Math.max(1, Math.min(rule, Math.min(height, width)));
    }

    /** True when the kernel size is known, i.e. the layer has seen its input type. */
    public boolean isInputSizeKnown() {
        return kernelHeight > 0 && kernelWidth > 0;
    }

    /** Whether the layer has the per-channel bias {@code "b"} (default true, as in the paper's Keras code). */
    public boolean hasBias() {
        return hasBias;
    }

    @Override
    public org.deeplearning4j.nn.api.Layer instantiate(NeuralNetConfiguration conf,
            Collection<TrainingListener> trainingListeners, int layerIndex, INDArray layerParamsView,
            boolean initializeParams, DataType networkDataType) {
        requireInputSizeKnown();
        WiseSrLayerImpl layer = new WiseSrLayerImpl(conf, networkDataType);
        layer.setListeners(trainingListeners);
        layer.setIndex(layerIndex);
        layer.setParamsViewArray(layerParamsView);
        Map<String, INDArray> paramTable = initializer().init(conf, layerParamsView, initializeParams);
        layer.setParamTable(paramTable);
        layer.setConf(conf);
        return layer;
    }

    @Override
    public ParamInitializer initializer() {
        return WiseSrParamInitializer.getInstance();
    }

    @Override
    public InputType getOutputType(int layerIndex, InputType inputType) {
        InputType.InputTypeConvolutional cnn = requireCnn(inputType);
        return InputType.feedForward(cnn.getChannels());
    }

    @Override
    public void setNIn(InputType inputType, boolean override) {
        InputType.InputTypeConvolutional cnn = requireCnn(inputType);
        if (nIn <= 0 || override) {
            nIn = cnn.getChannels();
        } else if (nIn != cnn.getChannels()) {
            throw new IllegalArgumentException(describe() + " was configured for " + nIn + " channels but receives "
                    + cnn + ". Remove nIn(...) from the builder and let the input type set it.");
        }
        nOut = nIn;
        dataFormat = cnn.getFormat();
        inputHeight = cnn.getHeight();
        inputWidth = cnn.getWidth();
        poolSize = poolSizeFor(inputHeight, inputWidth);
        if (inputHeight < poolSize || inputWidth < poolSize) {
            throw new IllegalArgumentException(describe() + ": the feature map " + inputHeight + "x" + inputWidth
                    + " is smaller than the pool size " + poolSize + ". Use poolSize(1) (no pre-pooling), a pool size"
                    + " of at most " + Math.min(inputHeight, inputWidth) + ", or a larger input image.");
        }
        kernelHeight = inputHeight / poolSize;
        kernelWidth = inputWidth / poolSize;
    }

    /** The pool size for a map of this size: the builder's, or the paper's rule for {@link #AUTO_POOL_SIZE}. */
    private int poolSizeFor(long height, long width) {
        return requestedPoolSize == AUTO_POOL_SIZE ? paperPoolSize(height, width) : requestedPoolSize;
    }

    @Override
    public InputPreProcessor getPreProcessorForInputType(InputType inputType) {
        requireCnn(inputType);
        return null; // consumes the 4d map directly
    }

    @Override
    public LayerMemoryReport getMemoryReport(InputType inputType) {
        InputType outputType = getOutputType(-1, inputType);
        InputType.InputTypeConvolutional map = requireCnn(inputType);
        long c = map.getChannels();
        long pixels = map.getHeight() * map.getWidth();
        int p = poolSizeFor(map.getHeight(), map.getWidth());
        long windows = (map.getHeight() / p) * (map.getWidth() / p);
        long pooled = c * windows; // per example: the pooled map, and each array of its size
        long paramCount = pooled + (hasBias ? c : 0); // W [C, kH, kW] and b, for this input
        long updaterState = getIUpdater() == null ? 0 : getIUpdater().stateSize(paramCount);
        // What WiseSrLayerImpl allocates (besides its output and input gradient, which DL4J counts per layer)
        long fixedInference;
        long perExampleInference;
        long fixedTrain;
        long perExampleTrain;
        boolean nchw = map.getFormat() == CNN2DFormat.NCHW;
        long maxMatrix = WiseSrLayerImpl.maxMatrixPooledPixels();
        if (p == 1) {
            long mapSize = c * pixels;
            fixedInference = nchw ? 0 : mapSize;  // W as [H, W, C] (NHWC)
            perExampleInference = mapSize;         // the map times W
            fixedTrain = nchw ? 0 : 2 * mapSize;   // and dW as [H, W, C] (NHWC)
            perExampleTrain = mapSize;             // the map times W (backward: the input gradient holds eps * x)
        } else if (WiseSrLayerImpl.largeNchwPlanes(map.getHeight(), map.getWidth(), p, maxMatrix, nchw)) {
            fixedInference = 0;
            perExampleInference = 2 * pooled;  // pooled map, product with W
            fixedTrain = c * (map.getHeight() / p) * map.getWidth() + 2L * p; // K's distinct rows [C, kH, W], two
                                                                               // p-sized constants
            perExampleTrain = 2 * pooled + c * p; // pooled map, product with the gradient, the gradient per band row
        } else if (WiseSrLayerImpl.poolsWithOp(map.getHeight(), map.getWidth(), p, maxMatrix)) {
            fixedInference = nchw ? 0 : pooled; // W transposed (NHWC)
            perExampleInference = 2 * pooled;    // pooled map, product with W
            fixedTrain = fixedInference;
            perExampleTrain = 3 * pooled;        // pooled map, product with the gradient, gradient at the pooled map
        } else if (nchw) {
            fixedInference = windows * pixels;         // the pooling matrix E
            perExampleInference = 2 * pooled;
            fixedTrain = windows * pixels + c * pixels; // E and the full-map kernel K
            perExampleTrain = 2 * pooled;
        } else {
            fixedInference = windows * pixels + c * pixels; // E and K
            perExampleInference = c * pixels;                // the map times K
            fixedTrain = windows * pixels + c * pixels;
            perExampleTrain = c * pixels;
        }
        return new LayerMemoryReport.Builder(layerName, WiseSrLayer.class, inputType, outputType)
                .standardMemory(paramCount, updaterState)
                .workingMemory(fixedInference, perExampleInference, fixedTrain, perExampleTrain)
                .cacheMemory(MemoryReport.CACHE_MODE_ALL_ZEROS, MemoryReport.CACHE_MODE_ALL_ZEROS)
                .build();
    }

    @Override
    public WiseSrLayer clone() {
        WiseSrLayer clone = (WiseSrLayer) super.clone();
        if (outputDropout != null) {
            clone.outputDropout = outputDropout.clone();
        }
        return clone;
    }

    void requireInputSizeKnown() {
        if (!isInputSizeKnown()) {
            throw new IllegalStateException(describe() + " does not know the size of its input feature map. Build the"
                    + " network with setInputTypes(InputType.convolutional(height, width, channels)), give the"
                    + " builder inputType(...), or use WiseSrNet.attach(...), which does this for you.");
        }
    }

    private InputType.InputTypeConvolutional requireCnn(InputType inputType) {
        if (!(inputType instanceof InputType.InputTypeConvolutional)) {
            throw new IllegalArgumentException(describe() + " expects a convolutional feature map (InputType.Type.CNN,"
                    + " rank 4) but received " + inputType + ". Place it directly after the last convolutional"
                    + " layer, before any pooling or flattening.");
        }
        return (InputType.InputTypeConvolutional) inputType;
    }

    private String describe() {
        return "WiseSrLayer" + (layerName == null ? "" : " \"" + layerName + "\"");
    }

    /**
     * Builder with the paper's defaults: pool size by the paper's rule, non-negative weights, bias, weights
     * Normal(0, 0.01) ({@link HeadInit#PAPER}), bias 0, no output dropout.
     */
    public static class Builder extends FeedForwardLayer.Builder<Builder> {
        private int poolSize = AUTO_POOL_SIZE;
        private boolean nonNegative = true;
        private boolean hasBias = true;
        private IDropout outputDropout;
        private InputType inputType;

        /** The paper's settings: pool size by the paper's rule, non-negative W, bias, {@link HeadInit#PAPER}. */
        public Builder() {
            headInit(HeadInit.PAPER);
            this.activationFn = Activation.IDENTITY.getActivationFunction();
        }

        /**
         * Side of the average-pooling window (and its stride) before the spatial weighting: 1 = no pre-pooling;
         * {@link WiseSrLayer#AUTO_POOL_SIZE} (default) = the paper's rule, 2 for maps up to 10x10 and 3 above.
         */
        public Builder poolSize(int poolSize) {
            if (poolSize < 0) {
                throw new IllegalArgumentException("poolSize must be >= 1 (or 0 for the paper's rule), got "
                        + poolSize);
            }
            this.poolSize = poolSize;
            return this;
        }

        /**
         * How W starts: {@link HeadInit#PAPER} (default, Normal(0, 0.01)) or {@link HeadInit#GAP_EQUIVALENT}
         * (1 / (kH kW), the head averages the pooled map at step 0). Replaces any {@code weightInit(...)} set
         * before; the bias starts at 0 either way.
         */
        public Builder headInit(HeadInit init) {
            this.weightInitFn = switch (init) {
                case PAPER -> new WeightInitDistribution(new NormalDistribution(0, 0.01));
                case GAP_EQUIVALENT -> new KernelAverageInit();
            };
            this.biasInit = 0.0;
            return this;
        }

        /** Keep the spatial weights non-negative (clipped after each update). Default true, as in the paper. */
        public Builder nonNegative(boolean nonNegative) {
            this.nonNegative = nonNegative;
            return this;
        }

        /** Per-channel bias. Default true, as in the paper. */
        public Builder hasBias(boolean hasBias) {
            this.hasBias = hasBias;
            return this;
        }

        /**
         * Dropout on the layer's output during training, given as the probability of <em>dropping</em> a value
         * (Keras's convention: 0.5 drops half). 0 = none (default).
         */
        public Builder outputDropout(double dropProbability) {
            if (dropProbability < 0 || dropProbability >= 1) {
                throw new IllegalArgumentException("outputDropout must be in [0, 1), got " + dropProbability);
            }
            this.outputDropout = dropProbability == 0 ? null : new Dropout(1.0 - dropProbability);
            return this;
        }

        /** Any DL4J dropout (note: DL4J's {@code Dropout(p)} takes the <em>retain</em> probability). */
        public Builder outputDropout(IDropout dropout) {
            this.outputDropout = dropout;
            return this;
        }

        /**
         * The incoming feature map, for use without {@code setInputTypes(...)} on the network. Normally not needed:
         * the network passes its input types to the layer.
         */
        public Builder inputType(InputType featureMap) {
            this.inputType = featureMap;
            return this;
        }

        @Override
        @SuppressWarnings("unchecked")
        public WiseSrLayer build() {
            if (activationFn != null && !(activationFn instanceof ActivationIdentity)) {
                throw new IllegalArgumentException("WiseSrLayer is linear (a weighted sum over the map plus bias) and"
                        + " takes no activation, got " + activationFn + ". Put an ActivationLayer after it, or leave"
                        + " the activation unset.");
            }
            return new WiseSrLayer(this);
        }
    }
}
