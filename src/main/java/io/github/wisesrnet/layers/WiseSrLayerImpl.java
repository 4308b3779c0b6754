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
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.api.ops.impl.broadcast.BroadcastMulOp;
import org.nd4j.linalg.api.ops.impl.transforms.pairwise.arithmetic.MulOp;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Arrays;

/**
 * Runtime of {@link WiseSrLayer}. The head is linear in the feature map. With {@code E} the pooling matrix
 * [kH*kW, H*W] ({@code E[j, s] = 1/p^2} when pixel s lies in pooling window j, 0 otherwise, so the rows and columns
 * that 'valid' pooling drops have no weight) and {@code W} as [C, kH*kW], ND4J ops only (runs on every backend):
 * <ul>
 *   <li>forward: pooled {@code P = x E^T} (per channel and example), {@code out = sum_j(P * W) + b};</li>
 *   <li>backward: {@code dW = sum_n(eps * P)}, {@code db = sum_n(eps)}, {@code dx = eps * K} with the full-map
 *       kernel {@code K = W E} [C, H*W].</li>
 * </ul>
 * In NCHW the map is a plain [N*C, H*W] matrix, so the pooling is one matrix multiply that reads the map once, and
 * everything after it works on the pooled [N, C, kH*kW] array; the backward pass recomputes P (one more read) and
 * writes dx. That is the same number of passes over the map as GAP's forward and backward (HeadCostBenchmark).
 * NHWC has no such matrix and multiplies the map by K directly (broadcast multiply, then a sum).
 */
public class WiseSrLayerImpl extends BaseLayer<WiseSrLayer> {

    /** Largest map (H*W pixels) pooled with the matrix E; larger maps use ND4J's pooling op (linear in H*W). */
    static final long MAX_MATRIX_POOLED_PIXELS = 16 * 16;
    /**
     * System property that moves that bound, read when the layer is created: for HeadCostBenchmark, which times both
     * paths on the same maps. Not needed otherwise.
     */
    public static final String MAX_MATRIX_POOLED_PIXELS_PROPERTY = "wisesrnet.maxMatrixPooledPixels";

    private final long maxMatrixPooledPixels = maxMatrixPooledPixels();

    /** The pooling matrix E [kH*kW, H*W], built once per layer (a constant of the configuration). */
    private INDArray pooling;

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
        long n = x.size(0);
        long c = layerConf().getNIn();
        INDArray out = workspaceMgr.createUninitialized(ArrayType.ACTIVATIONS, dataType, n, c);
        INDArray w = weightRows(getParamWithNoise(WiseSrParamInitializer.WEIGHT_KEY, training, workspaceMgr));
        if (poolsWithOp()) {
            // pooled [N, C, j] (NCHW) or [N, j, C] (NHWC); out = sum_j(P * W)
            INDArray pooled = pooledByOp(x, ArrayType.FF_WORKING_MEM, workspaceMgr);
            INDArray weighted = workspaceMgr.createUninitialized(ArrayType.FF_WORKING_MEM, dataType, pooled.shape());
            Nd4j.getExecutioner().exec(new BroadcastMulOp(pooled, isNchw() ? w : transposedWeights(w, ArrayType
                    .FF_WORKING_MEM, workspaceMgr), weighted, 1, 2));
            weighted.sum(out, isNchw() ? 2 : 1);
        } else if (isNchw()) {
            INDArray pooled = pooled(x, ArrayType.FF_WORKING_MEM, workspaceMgr);
            INDArray weighted = workspaceMgr.createUninitialized(ArrayType.FF_WORKING_MEM, dataType, pooled.shape());
            Nd4j.getExecutioner().exec(new BroadcastMulOp(pooled, w, weighted, 1, 2));
            weighted.sum(out, 2);
        } else {
            INDArray map = asRows(x);
            INDArray product = workspaceMgr.createUninitialized(ArrayType.FF_WORKING_MEM, dataType, map.shape());
            INDArray kernel = fullMapKernel(w, ArrayType.FF_WORKING_MEM, workspaceMgr);
            Nd4j.getExecutioner().exec(new BroadcastMulOp(map, kernel, product, 1, 2));
            product.sum(out, 1);
        }
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
        INDArray contiguousEps = contiguous(eps);

        Gradient gradient = new DefaultGradient();
        if (hasBias()) {
            INDArray biasGrad = gradientViews.get(WiseSrParamInitializer.BIAS_KEY);
            contiguousEps.sum(biasGrad.reshape(channels), 0);
            gradient.setGradientFor(WiseSrParamInitializer.BIAS_KEY, biasGrad);
        }

        INDArray weightGrad = gradientViews.get(WiseSrParamInitializer.WEIGHT_KEY);
        INDArray weightGradRows = weightGrad.reshape('c', channels, layerConf().getKernelHeight()
                * layerConf().getKernelWidth());
        if (poolsWithOp()) {
            INDArray epsilonOut = backpropByOp(x, contiguousEps, weightGradRows, workspaceMgr);
            gradient.setGradientFor(WiseSrParamInitializer.WEIGHT_KEY, weightGrad);
            weightNoiseParams.clear();
            return new Pair<>(gradient, backpropDropOutIfPresent(epsilonOut));
        }
        if (isNchw()) {
            // dW[c,j] = sum_n eps[n,c] * P[n,c,j]
            INDArray pooled = pooled(x, ArrayType.BP_WORKING_MEM, workspaceMgr);
            INDArray weighted = workspaceMgr.createUninitialized(ArrayType.BP_WORKING_MEM, dataType, pooled.shape());
            Nd4j.getExecutioner().exec(new BroadcastMulOp(pooled, contiguousEps, weighted, 0, 1));
            weighted.sum(weightGradRows, 0);
        } else {
            // dK[s,c] = sum_n eps[n,c] * x[n,s,c]; dW = (E dK)^T
            INDArray map = asRows(x);
            INDArray weighted = workspaceMgr.createUninitialized(ArrayType.BP_WORKING_MEM, dataType, map.shape());
            Nd4j.getExecutioner().exec(new BroadcastMulOp(map, contiguousEps, weighted, 0, 2));
            INDArray kernelGrad = weighted.sum(0);
            weightGradRows.assign(pooling().mmul(kernelGrad).transpose());
        }
        gradient.setGradientFor(WiseSrParamInitializer.WEIGHT_KEY, weightGrad);

        // dx[n,c,s] = eps[n,c] * K[c,s]
        INDArray w = weightRows(getParamWithNoise(WiseSrParamInitializer.WEIGHT_KEY, true, workspaceMgr));
        INDArray kernel = fullMapKernel(w, ArrayType.BP_WORKING_MEM, workspaceMgr);
        INDArray epsilonOut = workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, dataType, x.shape(), 'c');
        long n = x.size(0);
        long s = layerConf().getInputHeight() * layerConf().getInputWidth();
        if (isNchw()) {
            Nd4j.exec(new MulOp(new INDArray[]{contiguousEps.reshape('c', n, channels, 1),
                    kernel.reshape('c', 1, channels, s)}, new INDArray[]{epsilonOut.reshape('c', n, channels, s)}));
        } else {
            Nd4j.exec(new MulOp(new INDArray[]{contiguousEps.reshape('c', n, 1, channels),
                    kernel.reshape('c', 1, s, channels)}, new INDArray[]{epsilonOut.reshape('c', n, s, channels)}));
        }

        weightNoiseParams.clear();
        epsilonOut = backpropDropOutIfPresent(epsilonOut);
        return new Pair<>(gradient, epsilonOut);
    }

    /**
     * Large maps: ND4J's average-pooling op (linear in the map; oneDNN's on a oneDNN build), [N, C, kH*kW] in NCHW
     * and [N, kH*kW, C] in NHWC.
     */
    private INDArray pooledByOp(INDArray x, ArrayType type, LayerWorkspaceMgr workspaceMgr) {
        WiseSrLayer conf = layerConf();
        long n = x.size(0);
        long c = conf.getNIn();
        long kH = conf.getKernelHeight();
        long kW = conf.getKernelWidth();
        INDArray pooled = workspaceMgr.createUninitialized(type, dataType, pooledMapShape(n), 'c');
        Nd4j.exec(DynamicCustomOp.builder("avgpool2d").addInputs(contiguous(x)).addOutputs(pooled)
                .addIntegerArguments(poolingArguments()).build());
        return isNchw() ? pooled.reshape('c', n, c, kH * kW) : pooled.reshape('c', n, kH * kW, c);
    }

    /**
     * Large maps, backward: {@code dW = sum_n(eps * P)}, then the gradient at the pooled map, {@code dP = eps * W},
     * spread back over each window by ND4J's average-pooling backward op (zero on the rows and columns that 'valid'
     * pooling drops). Every step is linear in the map.
     */
    private INDArray backpropByOp(INDArray x, INDArray eps, INDArray weightGradRows, LayerWorkspaceMgr workspaceMgr) {
        WiseSrLayer conf = layerConf();
        long n = x.size(0);
        long c = conf.getNIn();
        long kH = conf.getKernelHeight();
        long kW = conf.getKernelWidth();
        long j = kH * kW;
        INDArray pooled = pooledByOp(x, ArrayType.BP_WORKING_MEM, workspaceMgr);
        INDArray weighted = workspaceMgr.createUninitialized(ArrayType.BP_WORKING_MEM, dataType, pooled.shape());
        INDArray w = weightRows(getParamWithNoise(WiseSrParamInitializer.WEIGHT_KEY, true, workspaceMgr));
        INDArray pooledGrad = workspaceMgr.createUninitialized(ArrayType.BP_WORKING_MEM, dataType, pooled.shape());
        if (isNchw()) {
            Nd4j.getExecutioner().exec(new BroadcastMulOp(pooled, eps, weighted, 0, 1));
            weighted.sum(weightGradRows, 0);
            Nd4j.exec(new MulOp(new INDArray[]{eps.reshape('c', n, c, 1), w.reshape('c', 1, c, j)},
                    new INDArray[]{pooledGrad}));
        } else {
            Nd4j.getExecutioner().exec(new BroadcastMulOp(pooled, eps, weighted, 0, 2));
            weightGradRows.assign(weighted.sum(0).transpose());
            INDArray wT = transposedWeights(w, ArrayType.BP_WORKING_MEM, workspaceMgr);
            Nd4j.exec(new MulOp(new INDArray[]{eps.reshape('c', n, 1, c), wT.reshape('c', 1, j, c)},
                    new INDArray[]{pooledGrad}));
        }
        INDArray epsilonOut = workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, dataType, x.shape(), 'c');
        Nd4j.exec(DynamicCustomOp.builder("avgpool2d_bp").addInputs(contiguous(x), pooledGrad.reshape('c',
                pooledMapShape(n))).addOutputs(epsilonOut).addIntegerArguments(poolingArguments()).build());
        return epsilonOut;
    }

    /** The pooled map as avgpool2d writes it: [N, C, kH, kW] (NCHW) or [N, kH, kW, C] (NHWC). */
    private long[] pooledMapShape(long n) {
        WiseSrLayer conf = layerConf();
        long c = conf.getNIn();
        long kH = conf.getKernelHeight();
        long kW = conf.getKernelWidth();
        return isNchw() ? new long[]{n, c, kH, kW} : new long[]{n, kH, kW, c};
    }

    /** avgpool2d's integer arguments: p x p window, stride p, no padding, 'valid', NCHW or NHWC. */
    private int[] poolingArguments() {
        int p = layerConf().getPoolSize();
        return new int[]{p, p, p, p, 0, 0, 1, 1, 0, 0, isNchw() ? 0 : 1};
    }

    /** W [C, j] as a contiguous [j, C] (NHWC's order). */
    private INDArray transposedWeights(INDArray weightRows, ArrayType type, LayerWorkspaceMgr workspaceMgr) {
        INDArray t = workspaceMgr.createUninitialized(type, dataType, new long[]{weightRows.size(1),
                weightRows.size(0)}, 'c');
        return t.assign(weightRows.transpose());
    }

    /**
     * Whether to pool with ND4J's pooling op rather than the pooling matrix E. E costs (H*W)^2 / p^2 memory and
     * time per channel, so it only pays on small maps, where one matrix multiply beats the pooling op's overhead
     * (HeadCostBenchmark's map sweep chose the bound). A pool size of 1 needs no pooling, so E (the identity) is
     * kept.
     */
    public boolean poolsWithOp() {
        WiseSrLayer conf = layerConf();
        return poolsWithOp(conf.getInputHeight(), conf.getInputWidth(), conf.getPoolSize(), maxMatrixPooledPixels);
    }

    static boolean poolsWithOp(long height, long width, int poolSize, long maxMatrixPooledPixels) {
        return poolSize > 1 && height * width > maxMatrixPooledPixels;
    }

    static long maxMatrixPooledPixels() {
        return Long.getLong(MAX_MATRIX_POOLED_PIXELS_PROPERTY, MAX_MATRIX_POOLED_PIXELS);
    }

    /** NCHW: the map average-pooled into W's windows, P = x E^T as [N, C, kH*kW] (one matrix multiply). */
    private INDArray pooled(INDArray x, ArrayType type, LayerWorkspaceMgr workspaceMgr) {
        long n = x.size(0);
        long c = layerConf().getNIn();
        long s = layerConf().getInputHeight() * layerConf().getInputWidth();
        long j = layerConf().getKernelHeight() * layerConf().getKernelWidth();
        INDArray rows = contiguous(x).reshape('c', n * c, s);
        INDArray pooled = workspaceMgr.createUninitialized(type, dataType, new long[]{n * c, j}, 'c');
        Nd4j.gemm(rows, pooling(), pooled, false, true, 1.0, 0.0);
        return pooled.reshape('c', n, c, j);
    }

    /** W [C, kH, kW] as [C, kH*kW]. */
    private INDArray weightRows(INDArray w) {
        return contiguous(w).reshape('c', layerConf().getNIn(), layerConf().getKernelHeight()
                * layerConf().getKernelWidth());
    }

    /** The full-map kernel K = W E: [C, H*W] in NCHW, [H*W, C] in NHWC (matching {@link #asRows}). */
    private INDArray fullMapKernel(INDArray weightRows, ArrayType type, LayerWorkspaceMgr workspaceMgr) {
        long c = layerConf().getNIn();
        long s = layerConf().getInputHeight() * layerConf().getInputWidth();
        if (isNchw()) {
            INDArray k = workspaceMgr.createUninitialized(type, dataType, new long[]{c, s}, 'c');
            Nd4j.gemm(weightRows, pooling(), k, false, false, 1.0, 0.0);
            return k;
        }
        INDArray k = workspaceMgr.createUninitialized(type, dataType, new long[]{s, c}, 'c');
        Nd4j.gemm(pooling(), weightRows, k, true, true, 1.0, 0.0);
        return k;
    }

    /**
     * E [kH*kW, H*W]: row j = window (i, k) of the 'valid' p x p pooling, 1/p^2 on its pixels. Built once, outside
     * any workspace, since it only depends on the configuration.
     */
    private INDArray pooling() {
        if (pooling == null || pooling.dataType() != dataType) {
            WiseSrLayer conf = layerConf();
            int p = conf.getPoolSize();
            long h = conf.getInputHeight();
            long w = conf.getInputWidth();
            long kH = conf.getKernelHeight();
            long kW = conf.getKernelWidth();
            double[][] e = new double[(int) (kH * kW)][(int) (h * w)];
            for (int i = 0; i < kH; i++) {
                for (int k = 0; k < kW; k++) {
                    for (int dy = 0; dy < p; dy++) {
                        for (int dx = 0; dx < p; dx++) {
                            e[(int) (i * kW + k)][(int) ((i * p + dy) * w + k * p + dx)] = 1.0 / (p * p);
                        }
                    }
                }
            }
            try (MemoryWorkspace ignored = Nd4j.getMemoryManager().scopeOutOfWorkspaces()) {
                pooling = Nd4j.create(e).castTo(dataType);
            }
        }
        return pooling;
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

    /** The array itself when it is a dense 'c'-order array (so reshapes are views), else a 'c' copy. */
    private static INDArray contiguous(INDArray a) {
        return a.ordering() == 'c' && !a.isView() ? a : a.dup('c');
    }

}
