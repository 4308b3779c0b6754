package io.github.wisesrnet.layers;

import org.deeplearning4j.exception.DL4JInvalidInputException;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.BaseLayer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.layers.convolution.AvgPooling2D;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.PaddingMode;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.Pooling2DConfig;
import org.nd4j.linalg.api.ops.impl.transforms.pairwise.arithmetic.MulOp;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.util.Arrays;

/**
 * Runtime of {@link WiseSrLayer}. The head is linear in the feature map, so forward and backward are each one pass
 * over the map, built from ND4J ops only (runs on every backend):
 * <ul>
 *   <li>forward: {@code pooled = avgpool_p(x)} (skipped for p = 1), {@code out = sum_hw(pooled * W) + b};</li>
 *   <li>backward: {@code dW = sum_n(eps * pooled)}, {@code db = sum_n(eps)}, and
 *       {@code dx = eps * K}, where {@code K} is W spread over its pooling windows divided by p*p and 0 on the rows
 *       and columns that 'valid' pooling drops. {@code K} has the size of one example's map, so {@code dx} is one
 *       broadcast multiply.</li>
 * </ul>
 */
public class WiseSrLayerImpl extends BaseLayer<WiseSrLayer> {

    public WiseSrLayerImpl(NeuralNetConfiguration conf, DataType dataType) {
        super(conf, dataType);
    }

    @Override
    public Type type() {
        return Type.CONVOLUTIONAL;
    }

    @Override
    public boolean isPretrainLayer() {
        return false;
    }

    @Override
    public boolean hasBias() {
        return layerConf().hasBias();
    }

    @Override
    public INDArray activate(boolean training, LayerWorkspaceMgr workspaceMgr) {
        assertInputSet(false);
        applyDropOutIfNecessary(training, workspaceMgr);
        INDArray x = validatedInput();
        INDArray out = workspaceMgr.createUninitialized(ArrayType.ACTIVATIONS, dataType, x.size(0), layerConf().getNIn());
        weightedSum(pooled(x, workspaceMgr, ArrayType.FF_WORKING_MEM), spatialWeights(training, workspaceMgr),
                out, workspaceMgr, ArrayType.FF_WORKING_MEM);
        if (hasBias()) {
            out.addiRowVector(getParamWithNoise(WiseSrParamInitializer.BIAS_KEY, training, workspaceMgr));
        }
        if (training && layerConf().getOutputDropout() != null) {
            out = layerConf().getOutputDropout().applyDropout(out, out, getIterationCount(), getEpochCount(),
                    workspaceMgr);
        }
        return out;
    }

    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
        assertInputSet(true);
        INDArray x = validatedInput();
        long channels = layerConf().getNIn();
        if (epsilon.rank() != 2 || epsilon.size(0) != x.size(0) || epsilon.size(1) != channels) {
            throw new DL4JInvalidInputException("WiseSrLayer: gradient from the layer above has shape "
                    + Arrays.toString(epsilon.shape()) + ", expected [" + x.size(0) + ", " + channels + "]. "
                    + layerId());
        }
        INDArray eps = epsilon.castTo(dataType);
        if (layerConf().getOutputDropout() != null) {
            eps = eps.dup();
            layerConf().getOutputDropout().backprop(eps, eps, getIterationCount(), getEpochCount());
        }

        Gradient gradient = new DefaultGradient();
        if (hasBias()) {
            INDArray biasGrad = gradientViews.get(WiseSrParamInitializer.BIAS_KEY);
            eps.sum(biasGrad.reshape(channels), 0);
            gradient.setGradientFor(WiseSrParamInitializer.BIAS_KEY, biasGrad);
        }

        // dW[c,i,j] = sum_n eps[n,c] * pooled[n,c,i,j]
        INDArray pooled = pooled(x, workspaceMgr, ArrayType.BP_WORKING_MEM);
        INDArray weighted = workspaceMgr.createUninitialized(ArrayType.BP_WORKING_MEM, dataType, pooled.shape());
        Nd4j.exec(new MulOp(new INDArray[]{pooled, asMapShape(eps)}, new INDArray[]{weighted}));
        INDArray weightGrad = gradientViews.get(WiseSrParamInitializer.WEIGHT_KEY);
        INDArray summed = weighted.sum(0);
        weightGrad.assign(isNchw() ? summed : summed.permute(2, 0, 1));
        gradient.setGradientFor(WiseSrParamInitializer.WEIGHT_KEY, weightGrad);

        // dx[n,c,h,w] = eps[n,c] * K[c,h,w]
        INDArray epsilonOut = workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, dataType, x.shape(), 'c');
        INDArray kernel = fullMapKernel(getParamWithNoise(WiseSrParamInitializer.WEIGHT_KEY, true, workspaceMgr));
        Nd4j.exec(new MulOp(new INDArray[]{asMapShape(eps), kernel}, new INDArray[]{epsilonOut}));

        weightNoiseParams.clear();
        epsilonOut = backpropDropOutIfPresent(epsilonOut);
        return new Pair<>(gradient, epsilonOut);
    }

    private boolean isNchw() {
        return layerConf().getDataFormat() == CNN2DFormat.NCHW;
    }

    /** The input, cast to the network's type, after checking rank, channels and map size against the config. */
    private INDArray validatedInput() {
        WiseSrLayer conf = layerConf();
        boolean nchw = isNchw();
        long[] expected = nchw
                ? new long[]{-1, conf.getNIn(), conf.getInputHeight(), conf.getInputWidth()}
                : new long[]{-1, conf.getInputHeight(), conf.getInputWidth(), conf.getNIn()};
        String expectedText = nchw
                ? "[minibatch, " + conf.getNIn() + ", " + conf.getInputHeight() + ", " + conf.getInputWidth() + "] (NCHW)"
                : "[minibatch, " + conf.getInputHeight() + ", " + conf.getInputWidth() + ", " + conf.getNIn() + "] (NHWC)";
        if (input.rank() != 4) {
            throw new DL4JInvalidInputException("WiseSrLayer expects a rank 4 feature map " + expectedText
                    + " but got rank " + input.rank() + " with shape " + Arrays.toString(input.shape())
                    + ". Connect it to a convolutional feature map, not to a flattened or pooled vector. " + layerId());
        }
        for (int d = 1; d < 4; d++) {
            if (input.size(d) != expected[d]) {
                long channelsLast = input.size(3);
                long channelsFirst = input.size(1);
                boolean looksSwapped = nchw
                        ? channelsLast == conf.getNIn() && channelsFirst != conf.getNIn()
                        : channelsFirst == conf.getNIn() && channelsLast != conf.getNIn();
                String hint = looksSwapped
                        ? " The data format looks swapped (NCHW vs NHWC): feed the format the network was built"
                                + " with."
                        : " The network was built for another input size or channel count: rebuild it (or call"
                                + " WiseSrNet.attach again) with the input type of the images you feed.";
                throw new DL4JInvalidInputException("WiseSrLayer expects input " + expectedText + " but got "
                        + Arrays.toString(input.shape()) + "." + hint + " " + layerId());
            }
        }
        return input.castTo(dataType);
    }

    /** avgpool p x p, stride p, 'valid'; the input itself when p = 1. */
    private INDArray pooled(INDArray x, LayerWorkspaceMgr workspaceMgr, ArrayType arrayType) {
        int p = layerConf().getPoolSize();
        if (p == 1) {
            return x;
        }
        long n = x.size(0);
        long c = layerConf().getNIn();
        long kH = layerConf().getKernelHeight();
        long kW = layerConf().getKernelWidth();
        INDArray out = workspaceMgr.createUninitialized(arrayType, dataType,
                isNchw() ? new long[]{n, c, kH, kW} : new long[]{n, kH, kW, c});
        Pooling2DConfig config = Pooling2DConfig.builder()
                .kH(p).kW(p).sH(p).sW(p).pH(0).pW(0)
                .paddingMode(PaddingMode.VALID)
                .isNHWC(!isNchw())
                .build();
        Nd4j.exec(new AvgPooling2D(x, out, config));
        return out;
    }

    /** W [C, kH, kW] in the layout of one pooled example: [1, C, kH, kW] (NCHW) or [1, kH, kW, C] (NHWC). */
    private INDArray spatialWeights(boolean training, LayerWorkspaceMgr workspaceMgr) {
        INDArray w = getParamWithNoise(WiseSrParamInitializer.WEIGHT_KEY, training, workspaceMgr);
        if (isNchw()) {
            return w.reshape('c', 1, w.size(0), w.size(1), w.size(2));
        }
        return w.permute(1, 2, 0).dup('c').reshape('c', 1, w.size(1), w.size(2), w.size(0));
    }

    /** out[n,c] = sum over the map of pooled * weights. */
    private void weightedSum(INDArray pooled, INDArray weights, INDArray out, LayerWorkspaceMgr workspaceMgr,
            ArrayType arrayType) {
        INDArray product = workspaceMgr.createUninitialized(arrayType, dataType, pooled.shape());
        Nd4j.exec(new MulOp(new INDArray[]{pooled, weights}, new INDArray[]{product}));
        if (isNchw()) {
            product.sum(out, 2, 3);
        } else {
            product.sum(out, 1, 2);
        }
    }

    /** eps [N, C] as [N, C, 1, 1] (NCHW) or [N, 1, 1, C] (NHWC), for broadcasting over the map. */
    private INDArray asMapShape(INDArray eps) {
        long n = eps.size(0);
        long c = eps.size(1);
        INDArray contiguous = eps.ordering() == 'c' && eps.isView() ? eps.dup('c') : eps;
        return isNchw() ? contiguous.reshape('c', n, c, 1, 1) : contiguous.reshape('c', n, 1, 1, c);
    }

    /**
     * The effective kernel over the full input map: W spread over its p x p windows, divided by p*p, zero on rows
     * and columns dropped by 'valid' pooling. Shape [1, C, H, W] (NCHW) or [1, H, W, C] (NHWC).
     */
    private INDArray fullMapKernel(INDArray w) {
        WiseSrLayer conf = layerConf();
        int p = conf.getPoolSize();
        long c = conf.getNIn();
        long kH = conf.getKernelHeight();
        long kW = conf.getKernelWidth();
        long h = conf.getInputHeight();
        long wd = conf.getInputWidth();
        INDArray spread;
        if (p == 1) {
            spread = w;
        } else {
            INDArray window = Nd4j.valueArrayOf(new long[]{1, 1, p, 1, p}, 1.0 / (p * p), dataType);
            INDArray expanded = Nd4j.createUninitialized(dataType, c, kH, p, kW, p);
            Nd4j.exec(new MulOp(new INDArray[]{w.reshape('c', c, kH, 1, kW, 1), window}, new INDArray[]{expanded}));
            spread = expanded.reshape('c', c, kH * p, kW * p);
        }
        INDArray full;
        if (kH * p == h && kW * p == wd) {
            full = spread;
        } else {
            full = Nd4j.zeros(dataType, c, h, wd);
            full.get(NDArrayIndex.all(), NDArrayIndex.interval(0, kH * p), NDArrayIndex.interval(0, kW * p))
                    .assign(spread);
        }
        if (isNchw()) {
            return full.reshape('c', 1, c, h, wd);
        }
        return full.permute(1, 2, 0).dup('c').reshape('c', 1, h, wd, c);
    }
}
