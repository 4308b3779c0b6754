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
import org.nd4j.linalg.api.ops.impl.broadcast.BroadcastMulOp;
import org.nd4j.linalg.api.ops.impl.transforms.pairwise.arithmetic.MulOp;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.util.Arrays;

/**
 * Runtime of {@link WiseSrLayer}. The head is linear in the feature map: with {@code K}, W spread over its pooling
 * windows divided by p*p and 0 on the rows and columns that 'valid' pooling drops (the size of one example's map),
 * forward and backward are broadcast multiplies and sums over the map, ND4J ops only (runs on every backend):
 * <ul>
 *   <li>forward: {@code out = sum_hw(x * K) + b};</li>
 *   <li>backward: {@code dK = sum_n(eps * x)}, then {@code dW} = dK summed over each window / p*p;
 *       {@code db = sum_n(eps)}; {@code dx = eps * K}.</li>
 * </ul>
 * Working from K rather than average-pooling first measured faster inside training workspaces (HeadCostBenchmark:
 * libnd4j's pooling op costs more than a broadcast multiply over the whole map).
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
        INDArray kernel = fullMapKernel(getParamWithNoise(WiseSrParamInitializer.WEIGHT_KEY, training, workspaceMgr));
        INDArray map = asRows(x);
        INDArray product = workspaceMgr.createUninitialized(ArrayType.FF_WORKING_MEM, dataType, map.shape());
        // out[n,c] = sum_s x[n,c,s] * K[c,s]: one broadcast multiply and one sum over the map
        Nd4j.getExecutioner().exec(new BroadcastMulOp(map, kernelRows(kernel), product, 1, 2));
        product.sum(out, isNchw() ? 2 : 1);
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

        // dK[c,s] = sum_n eps[n,c] * x[n,c,s]; dW = dK summed over each pooling window / p^2
        INDArray map = asRows(x);
        INDArray weighted = workspaceMgr.createUninitialized(ArrayType.BP_WORKING_MEM, dataType, map.shape());
        INDArray contiguousEps = contiguous(eps);
        Nd4j.getExecutioner().exec(new BroadcastMulOp(map, contiguousEps, weighted, 0, isNchw() ? 1 : 2));
        INDArray weightGrad = gradientViews.get(WiseSrParamInitializer.WEIGHT_KEY);
        weightGrad.assign(windowSums(weighted.sum(0)));
        gradient.setGradientFor(WiseSrParamInitializer.WEIGHT_KEY, weightGrad);

        // dx[n,c,h,w] = eps[n,c] * K[c,h,w]
        INDArray epsilonOut = workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, dataType, x.shape(), 'c');
        INDArray kernel = fullMapKernel(getParamWithNoise(WiseSrParamInitializer.WEIGHT_KEY, true, workspaceMgr));
        Nd4j.exec(new MulOp(new INDArray[]{asMapShape(contiguousEps), kernel}, new INDArray[]{epsilonOut}));

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

    /** The map with its spatial axes flattened: [N, C, H*W] (NCHW) or [N, H*W, C] (NHWC). */
    private INDArray asRows(INDArray x) {
        long n = x.size(0);
        long c = layerConf().getNIn();
        long s = layerConf().getInputHeight() * layerConf().getInputWidth();
        INDArray rows = contiguous(x);
        return isNchw() ? rows.reshape('c', n, c, s) : rows.reshape('c', n, s, c);
    }

    /** The full-map kernel [1, C, H, W] / [1, H, W, C] as [C, H*W] / [H*W, C], matching {@link #asRows}. */
    private INDArray kernelRows(INDArray kernel) {
        long c = layerConf().getNIn();
        long s = layerConf().getInputHeight() * layerConf().getInputWidth();
        return isNchw() ? kernel.reshape('c', c, s) : kernel.reshape('c', s, c);
    }

    /**
     * Gradient of the full-map kernel ([C, H*W] or [H*W, C]) to the gradient of W [C, kH, kW]: each pooling window
     * summed and divided by p*p; rows and columns dropped by 'valid' pooling do not contribute.
     */
    private INDArray windowSums(INDArray kernelGrad) {
        WiseSrLayer conf = layerConf();
        int p = conf.getPoolSize();
        long c = conf.getNIn();
        long h = conf.getInputHeight();
        long w = conf.getInputWidth();
        long kH = conf.getKernelHeight();
        long kW = conf.getKernelWidth();
        INDArray chw = isNchw() ? kernelGrad.reshape('c', c, h, w)
                : kernelGrad.reshape('c', h, w, c).permute(2, 0, 1);
        INDArray covered = chw.get(NDArrayIndex.all(), NDArrayIndex.interval(0, kH * p),
                NDArrayIndex.interval(0, kW * p)).dup('c');
        if (p == 1) {
            return covered;
        }
        return covered.reshape('c', c, kH, p, kW, p).sum(2, 4).divi(p * p);
    }

    /** The array itself when it is a dense 'c'-order array (so reshapes are views), else a 'c' copy. */
    private static INDArray contiguous(INDArray a) {
        return a.ordering() == 'c' && !a.isView() ? a : a.dup('c');
    }

    /** Contiguous eps [N, C] as [N, C, 1, 1] (NCHW) or [N, 1, 1, C] (NHWC), for broadcasting over the map. */
    private INDArray asMapShape(INDArray eps) {
        long n = eps.size(0);
        long c = eps.size(1);
        return isNchw() ? eps.reshape('c', n, c, 1, 1) : eps.reshape('c', n, 1, 1, c);
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
