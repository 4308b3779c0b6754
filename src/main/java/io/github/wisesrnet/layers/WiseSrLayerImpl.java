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
import org.nd4j.linalg.api.shape.Shape;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

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
 * everything after it works on the pooled [N, C, kH*kW] array; the backward pass reuses the P of the training
 * forward pass (small: 1/p^2 of the map) and writes dx. That is one read of the map forward and one write backward,
 * as for GAP (HeadCostBenchmark). NHWC has no such matrix and multiplies the map by K directly (broadcast multiply,
 * then a sum).
 * <p>E, and K computed as W E, grow with (H*W)^2, so maps above {@code MAX_MATRIX_POOLED_PIXELS} (16x16) take a
 * path that is linear in the map: P from ND4J's average-pooling op and dx from its backward op, or, on NCHW planes
 * above {@code MAX_POOLING_OP_PLANE_PIXELS} (112x112), P from one sum over the windows of a view of the map and dx
 * written band by band from K's distinct rows (p rows of each window are equal), without K.
 * <p>Pool size 1 (the DEPTHWISE heads) pools nothing: E would be the (H*W)^2 identity, so that case never builds it.
 * The head is {@code out = sum_s(x * W) + b}, {@code dW = sum_n(eps * x)}, {@code dx = eps * W}: broadcast multiplies
 * and sums on the map, linear in it on every map size.
 */
public class WiseSrLayerImpl extends BaseLayer<WiseSrLayer> {

    /** Largest map (H*W pixels) pooled with the matrix E; larger maps take the linear path (see the class). */
    static final long MAX_MATRIX_POOLED_PIXELS = 16 * 16;
    /**
     * System property that moves {@link #MAX_MATRIX_POOLED_PIXELS}, read when the layer is created: for
     * HeadCostBenchmark, which times both paths on the same maps. Not needed otherwise.
     */
    public static final String MAX_MATRIX_POOLED_PIXELS_PROPERTY = "wisesrnet.maxMatrixPooledPixels";
    /**
     * Largest value {@link #MAX_MATRIX_POOLED_PIXELS_PROPERTY} takes effect with: E and the matrix path's multiplies
     * grow with (H*W)^2, so no setting sends a larger map down that path (at 56x56, p = 2, E has 784 x 3136 values).
     */
    public static final long MAX_MATRIX_POOLED_PIXELS_CEILING = 56 * 56;
    /**
     * Largest NCHW plane (H*W pixels) given to ND4J's pooling ops, forward and backward. Above it oneDNN (2.3, in ND4J
     * M2.1) pools plain NCHW with its slow generic kernel: 3-4 ms forward for [2, 32, 220, 220] against 0.5 ms for
     * [4, 64, 112, 112] of the same size; summing the windows of a view takes 0.8 ms there (and is slower below).
     * Measured at 112x112 (ops faster) and 136x136 (sums faster).
     */
    static final long MAX_POOLING_OP_PLANE_PIXELS = 112 * 112;

    private final long maxMatrixPooledPixels = maxMatrixPooledPixels();

    /** The pooling matrix E [kH*kW, H*W], built once per layer (a constant of the configuration). */
    private INDArray pooling;

    /**
     * The pooled map of the last training forward pass and the input it came from: the backward pass reads it
     * instead of pooling the map again (one pass over the map fewer). It lives in the activations workspace, which
     * DL4J keeps open from a training forward pass to the end of its backward pass; {@link #pooledForBackward} checks that
     * it is still valid and belongs to the current input.
     */
    private INDArray trainingPooled;
    private INDArray trainingPooledInput;
    /** Backward passes that read the kept pooled map: for tests, since the reuse does not show in the results. */
    long keptPoolingReuses;

    /** Created by DL4J from the layer's configuration ({@link WiseSrLayer#instantiate}); not called directly. */
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
        // a training pass keeps the pooled map for its backward pass
        ArrayType pooledType = training ? ArrayType.ACTIVATIONS : ArrayType.FF_WORKING_MEM;
        trainingPooled = null;
        trainingPooledInput = null;
        if (unpooled()) {
            // pool size 1: the map itself is weighted (the pooling matrix would be the (H*W)^2 identity)
            weighRows(asRows(x), w, out, workspaceMgr);
        } else if (poolsWithOp() || isNchw()) {
            // pooled [N, C, j] (NCHW) or [N, j, C] (NHWC, pooling op only); out = sum_j(P * W)
            INDArray pooled = poolsWithOp() ? pooledByOp(x, pooledType, workspaceMgr)
                    : pooled(x, pooledType, workspaceMgr);
            keepIfTraining(training, pooled);
            weighRows(pooled, w, out, workspaceMgr);
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
            contiguousEps.sum(writableView(biasGrad, channels), 0);
            gradient.setGradientFor(WiseSrParamInitializer.BIAS_KEY, biasGrad);
        }

        INDArray weightGrad = gradientViews.get(WiseSrParamInitializer.WEIGHT_KEY);
        INDArray weightGradRows = writableView(weightGrad, channels, layerConf().getKernelHeight()
                * layerConf().getKernelWidth());
        INDArray epsilonOut;
        // the pooling backward op, except on large NCHW planes, where oneDNN's is slow: there by row bands
        if (unpooled()) {
            epsilonOut = backpropUnpooled(x, contiguousEps, weightGrad, workspaceMgr);
        } else if (poolsWithOp() && !largeNchwPlanes()) {
            epsilonOut = backpropByOp(x, contiguousEps, weightGradRows, workspaceMgr);
        } else {
            weightGradient(x, contiguousEps, weightGradRows, workspaceMgr);
            INDArray w = weightRows(getParamWithNoise(WiseSrParamInitializer.WEIGHT_KEY, true, workspaceMgr));
            epsilonOut = largeNchwPlanes() ? epsilonByRowBands(x, contiguousEps, w, workspaceMgr)
                    : epsilonByKernel(x, contiguousEps, w, workspaceMgr);
        }
        gradient.setGradientFor(WiseSrParamInitializer.WEIGHT_KEY, weightGrad);
        weightNoiseParams.clear();
        return new Pair<>(gradient, backpropDropOutIfPresent(epsilonOut));
    }

    /**
     * {@code out[n,c] = sum_j(rows[n,c,j] * W[c,j])}, one broadcast multiply and one sum: rows are [N, C, j] in NCHW
     * and [N, j, C] in NHWC (the pooled map, or with pool size 1 the map itself, as {@link #asRows} gives it).
     */
    private void weighRows(INDArray rows, INDArray weightRows, INDArray out, LayerWorkspaceMgr workspaceMgr) {
        INDArray product = workspaceMgr.createUninitialized(ArrayType.FF_WORKING_MEM, dataType, rows.shape(), 'c');
        INDArray w = isNchw() ? weightRows : transposedWeights(weightRows, ArrayType.FF_WORKING_MEM, workspaceMgr);
        Nd4j.getExecutioner().exec(new BroadcastMulOp(rows, w, product, 1, 2));
        product.sum(out, isNchw() ? 2 : 1);
    }

    /**
     * Pool size 1, backward, on the map's own shape (no reshaped outputs): {@code dW = sum_n(eps * x)} and
     * {@code dx = eps * W}. dx first holds {@code eps * x}, summed over the examples into dW, so no other array of the
     * map's size is made.
     */
    private INDArray backpropUnpooled(INDArray x, INDArray eps, INDArray weightGrad, LayerWorkspaceMgr workspaceMgr) {
        long n = x.size(0);
        long c = layerConf().getNIn();
        long h = layerConf().getInputHeight();
        long w = layerConf().getInputWidth();
        INDArray weights = contiguous(getParamWithNoise(WiseSrParamInitializer.WEIGHT_KEY, true, workspaceMgr));
        INDArray epsilonOut = workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, dataType, x.shape(), 'c');
        if (isNchw()) {
            Nd4j.getExecutioner().exec(new BroadcastMulOp(contiguous(x), eps, epsilonOut, 0, 1));
            epsilonOut.sum(weightGrad, 0);
            Nd4j.exec(new MulOp(new INDArray[]{eps.reshape('c', n, c, 1, 1), weights.reshape('c', 1, c, h, w)},
                    new INDArray[]{epsilonOut}));
        } else {
            Nd4j.getExecutioner().exec(new BroadcastMulOp(contiguous(x), eps, epsilonOut, 0, 3));
            INDArray kernelGrad = workspaceMgr.createUninitialized(ArrayType.BP_WORKING_MEM, dataType,
                    new long[]{h, w, c}, 'c');
            epsilonOut.sum(kernelGrad, 0);
            weightGrad.assign(kernelGrad.permute(2, 0, 1));
            INDArray channelsLast = transposedWeights(weightRows(weights), ArrayType.BP_WORKING_MEM, workspaceMgr);
            Nd4j.exec(new MulOp(new INDArray[]{eps.reshape('c', n, 1, 1, c), channelsLast.reshape('c', 1, h, w, c)},
                    new INDArray[]{epsilonOut}));
        }
        return epsilonOut;
    }

    /**
     * dW into {@code weightGradRows} [C, kH*kW], except on the pooling-op path: from the pooled map in NCHW, from the
     * map and E in NHWC.
     */
    private void weightGradient(INDArray x, INDArray eps, INDArray weightGradRows, LayerWorkspaceMgr workspaceMgr) {
        if (isNchw()) {
            // dW[c,j] = sum_n eps[n,c] * P[n,c,j]
            INDArray pooled = pooledForBackward(x, workspaceMgr);
            INDArray weighted = workspaceMgr.createUninitialized(ArrayType.BP_WORKING_MEM, dataType, pooled.shape());
            Nd4j.getExecutioner().exec(new BroadcastMulOp(pooled, eps, weighted, 0, 1));
            weighted.sum(weightGradRows, 0);
        } else {
            // dK[s,c] = sum_n eps[n,c] * x[n,s,c]; dW = (E dK)^T
            INDArray map = asRows(x);
            INDArray weighted = workspaceMgr.createUninitialized(ArrayType.BP_WORKING_MEM, dataType, map.shape());
            Nd4j.getExecutioner().exec(new BroadcastMulOp(map, eps, weighted, 0, 2));
            INDArray kernelGrad = weighted.sum(0);
            weightGradRows.assign(pooling().mmul(kernelGrad).transpose());
        }
    }

    /** {@code dx[n,c,s] = eps[n,c] * K[c,s]} with the full-map kernel K = W E (pooling-matrix path). */
    private INDArray epsilonByKernel(INDArray x, INDArray eps, INDArray weightRows, LayerWorkspaceMgr workspaceMgr) {
        INDArray kernel = fullMapKernel(weightRows, ArrayType.BP_WORKING_MEM, workspaceMgr);
        INDArray epsilonOut = workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, dataType, x.shape(), 'c');
        long n = x.size(0);
        long c = layerConf().getNIn();
        long s = layerConf().getInputHeight() * layerConf().getInputWidth();
        if (isNchw()) {
            Nd4j.exec(new MulOp(new INDArray[]{eps.reshape('c', n, c, 1), kernel.reshape('c', 1, c, s)},
                    new INDArray[]{writableView(epsilonOut, n, c, s)}));
        } else {
            Nd4j.exec(new MulOp(new INDArray[]{eps.reshape('c', n, 1, c), kernel.reshape('c', 1, s, c)},
                    new INDArray[]{writableView(epsilonOut, n, s, c)}));
        }
        return epsilonOut;
    }

    /**
     * Large maps: ND4J's average-pooling op (linear in the map; oneDNN's on a oneDNN build), or sums of the windows
     * of a view for NCHW planes where that op is slow; [N, C, kH*kW] in NCHW and [N, kH*kW, C] in NHWC.
     */
    private INDArray pooledByOp(INDArray x, ArrayType type, LayerWorkspaceMgr workspaceMgr) {
        WiseSrLayer conf = layerConf();
        long n = x.size(0);
        long c = conf.getNIn();
        long kH = conf.getKernelHeight();
        long kW = conf.getKernelWidth();
        if (largeNchwPlanes()) {
            return pooledByWindowSums(x, type, workspaceMgr).reshape('c', n, c, kH * kW);
        }
        INDArray pooled = workspaceMgr.createUninitialized(type, dataType, pooledMapShape(n), 'c');
        Nd4j.exec(DynamicCustomOp.builder("avgpool2d").addInputs(contiguous(x)).addOutputs(pooled)
                .addIntegerArguments(poolingArguments()).build());
        return isNchw() ? pooled.reshape('c', n, c, kH * kW) : pooled.reshape('c', n, kH * kW, c);
    }

    /**
     * Large maps (but not large NCHW planes), backward: {@code dW = sum_n(eps * P)}, then the gradient at the pooled
     * map, {@code dP = eps * W}, spread back over each window by ND4J's average-pooling backward op (zero on the rows
     * and columns that 'valid' pooling drops). Every step is linear in the map.
     */
    private INDArray backpropByOp(INDArray x, INDArray eps, INDArray weightGradRows, LayerWorkspaceMgr workspaceMgr) {
        WiseSrLayer conf = layerConf();
        long n = x.size(0);
        long c = conf.getNIn();
        long kH = conf.getKernelHeight();
        long kW = conf.getKernelWidth();
        long j = kH * kW;
        INDArray pooled = pooledForBackward(x, workspaceMgr);
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

    private void keepIfTraining(boolean training, INDArray pooled) {
        if (training) {
            trainingPooled = pooled;
            trainingPooledInput = input;
        }
    }

    /**
     * The pooled map for the backward pass: the one kept by the training forward pass if it was computed from the
     * current input (the same array: DL4J sets a new one for every forward pass) and its workspace has not been
     * closed or reset since ({@link #stillValid}); else pooled again, by the layer's path.
     */
    private INDArray pooledForBackward(INDArray x, LayerWorkspaceMgr workspaceMgr) {
        INDArray kept = trainingPooled;
        if (kept != null && trainingPooledInput == input && stillValid(kept)) {
            keptPoolingReuses++;
            return kept;
        }
        return poolsWithOp() ? pooledByOp(x, ArrayType.BP_WORKING_MEM, workspaceMgr)
                : pooled(x, ArrayType.BP_WORKING_MEM, workspaceMgr);
    }

    /**
     * Whether an array kept from an earlier call may still be read: not closed and, if it lives in a workspace, that
     * workspace is open and has not been reset or reopened since the array was made (same generation), the test of
     * ND4J's WorkspaceUtils.assertValidArray. {@code wasClosed()} alone does not say this: a workspace reuses its
     * memory on reset or close without closing the arrays in it.
     */
    static boolean stillValid(INDArray kept) {
        if (kept.wasClosed()) {
            return false;
        }
        if (!kept.isAttached()) {
            return true;
        }
        MemoryWorkspace workspace = kept.data().getParentWorkspace();
        return workspace != null && workspace.isScopeActive()
                && workspace.getGenerationId() == kept.data().getGenerationId();
    }

    @Override
    public void clear() {
        super.clear();
        trainingPooled = null;
        trainingPooledInput = null;
    }

    /**
     * On the linear path, NCHW planes above {@link #MAX_POOLING_OP_PLANE_PIXELS}, where oneDNN's pooling op is slow
     * both ways.
     */
    private boolean largeNchwPlanes() {
        WiseSrLayer conf = layerConf();
        return largeNchwPlanes(conf.getInputHeight(), conf.getInputWidth(), conf.getPoolSize(), maxMatrixPooledPixels,
                isNchw());
    }

    static boolean largeNchwPlanes(long height, long width, int poolSize, long maxMatrixPooledPixels, boolean nchw) {
        return poolsWithOp(height, width, poolSize, maxMatrixPooledPixels) && nchw
                && height * width > MAX_POOLING_OP_PLANE_PIXELS;
    }

    /**
     * {@code dx = eps * K} on large NCHW planes without K, each step with a long contiguous inner axis where it can: the
     * kernel's distinct rows [C, kH, W] (W [C, kH, kW] times 1/p^2 spread along the p columns of each window, zero on
     * the columns that 'valid' pooling drops; 1/p of K), times eps, written into the p rows of each band of dx viewed as
     * [N, C, kH, p, W]; zero on the rows that 'valid' pooling drops. The same products as {@code eps * K}, so the same
     * values bit for bit.
     */
    private INDArray epsilonByRowBands(INDArray x, INDArray eps, INDArray weightRows, LayerWorkspaceMgr workspaceMgr) {
        WiseSrLayer conf = layerConf();
        int p = conf.getPoolSize();
        long n = x.size(0);
        long c = conf.getNIn();
        long h = conf.getInputHeight();
        long w = conf.getInputWidth();
        long kH = conf.getKernelHeight();
        long kW = conf.getKernelWidth();
        INDArray spread = workspaceMgr.createUninitialized(ArrayType.BP_WORKING_MEM, dataType, new long[]{1, 1, 1, p},
                'c').assign(1.0 / (p * p));
        INDArray rows = workspaceMgr.createUninitialized(ArrayType.BP_WORKING_MEM, dataType, new long[]{c, kH, w}, 'c');
        INDArray rowWindows = kW * p == w ? rows
                : rows.get(NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.interval(0, kW * p));
        Nd4j.exec(new MulOp(new INDArray[]{weightRows.reshape('c', c, kH, kW, 1), spread},
                new INDArray[]{writableView(rowWindows, c, kH, kW, p)}));
        if (kW * p < w) {
            rows.get(NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.interval(kW * p, w)).assign(0);
        }
        // eps repeated over the p rows of a band (N*C*p values), so that one broadcast writes whole bands
        INDArray ones = workspaceMgr.createUninitialized(ArrayType.BP_WORKING_MEM, dataType, new long[]{1, 1, 1, p, 1},
                'c').assign(1.0);
        INDArray epsRows = workspaceMgr.createUninitialized(ArrayType.BP_WORKING_MEM, dataType,
                new long[]{n, c, 1, p, 1}, 'c');
        Nd4j.exec(new MulOp(new INDArray[]{eps.reshape('c', n, c, 1, 1, 1), ones}, new INDArray[]{epsRows}));

        INDArray epsilonOut = workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, dataType, x.shape(), 'c');
        INDArray bands = kH * p == h ? epsilonOut
                : epsilonOut.get(NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.interval(0, kH * p));
        Nd4j.exec(new MulOp(new INDArray[]{epsRows, rows.reshape('c', 1, c, kH, 1, w)},
                new INDArray[]{writableView(bands, n, c, kH, p, w)}));
        if (kH * p < h) {
            epsilonOut.get(NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.interval(kH * p, h)).assign(0);
        }
        return epsilonOut;
    }

    /**
     * NCHW planes above {@link #MAX_POOLING_OP_PLANE_PIXELS}: the map (without the rows and columns that 'valid'
     * pooling drops) viewed as [N*C, kH, p, kW, p], no copy, summed over the two p axes by one reduction, then divided
     * by p^2: [N*C, kH, kW], the same values as avgpool2d.
     */
    private INDArray pooledByWindowSums(INDArray x, ArrayType type, LayerWorkspaceMgr workspaceMgr) {
        WiseSrLayer conf = layerConf();
        int p = conf.getPoolSize();
        long planes = x.size(0) * conf.getNIn();
        INDArray map = contiguous(x).reshape('c', planes, conf.getInputHeight(), conf.getInputWidth());
        INDArray pooled = workspaceMgr.createUninitialized(type, dataType, new long[]{planes, conf.getKernelHeight(),
                conf.getKernelWidth()}, 'c');
        Nd4j.exec(DynamicCustomOp.builder("reduce_sum").addInputs(windows(map)).addOutputs(pooled)
                .addIntegerArguments(2, 4).build());
        return pooled.divi(p * p);
    }

    /**
     * Planes [X, H, W] without the rows and columns that 'valid' pooling drops, viewed (no copy) as their pooling
     * windows [X, kH, p, kW, p].
     */
    private INDArray windows(INDArray planes) {
        WiseSrLayer conf = layerConf();
        int p = conf.getPoolSize();
        long kH = conf.getKernelHeight();
        long kW = conf.getKernelWidth();
        INDArray used = kH * p == planes.size(1) && kW * p == planes.size(2) ? planes
                : planes.get(NDArrayIndex.all(), NDArrayIndex.interval(0, kH * p), NDArrayIndex.interval(0, kW * p));
        return used.reshape('c', planes.size(0), kH, p, kW, p);
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
     * (HeadCostBenchmark's map sweep chose the bound). A pool size of 1 pools nothing and takes neither path
     * ({@link #unpooled}).
     */
    boolean poolsWithOp() {
        WiseSrLayer conf = layerConf();
        return poolsWithOp(conf.getInputHeight(), conf.getInputWidth(), conf.getPoolSize(), maxMatrixPooledPixels);
    }

    static boolean poolsWithOp(long height, long width, int poolSize, long maxMatrixPooledPixels) {
        return poolSize > 1 && height * width > maxMatrixPooledPixels;
    }

    /** Pool size 1: the map is weighted as it is, no pooling matrix or op ({@link #weighRows}). */
    private boolean unpooled() {
        return layerConf().getPoolSize() == 1;
    }

    /** The matrix/op bound: {@link #MAX_MATRIX_POOLED_PIXELS}, or the property's value up to the ceiling. */
    static long maxMatrixPooledPixels() {
        return Math.min(Long.getLong(MAX_MATRIX_POOLED_PIXELS_PROPERTY, MAX_MATRIX_POOLED_PIXELS),
                MAX_MATRIX_POOLED_PIXELS_CEILING);
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

    /**
     * The array itself when its values are dense in 'c' order (so reshapes are views; a parameter is such a view of
     * the network's parameters), else a 'c' copy.
     */
    private static INDArray contiguous(INDArray a) {
        return a.ordering() == 'c' && Shape.hasDefaultStridesForShape(a) ? a : a.dup('c');
    }

    /**
     * {@code a} reshaped ('c' order) as a target to write into: always a view of {@code a}. ND4J's plain reshape
     * returns a copy when the strides do not allow a view, and writes into that copy would be lost; with
     * {@code enforceView} it throws instead.
     */
    static INDArray writableView(INDArray a, long... shape) {
        return a.reshape('c', true, shape);
    }

}
