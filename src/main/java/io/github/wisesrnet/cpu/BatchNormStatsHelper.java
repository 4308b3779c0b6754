package io.github.wisesrnet.cpu;

import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.normalization.BatchNormalizationHelper;
import org.deeplearning4j.nn.params.BatchNormalizationParamInitializer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.api.ops.impl.transforms.pairwise.arithmetic.AddOp;
import org.nd4j.linalg.api.ops.impl.transforms.pairwise.arithmetic.MulOp;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Collections;
import java.util.Map;

/**
 * Batch normalization on NCHW float maps for DL4J's {@code BatchNormalization} layer, in place of DL4J's oneDNN
 * helper ({@code MKLDNNBatchNormHelper}), which it matches except in how it reduces:
 * <ul>
 *   <li>Forward, training: the batch mean and variance come from ND4J's {@code moments} op, which gives the same
 *       values (bit for bit) as DL4J's separate mean and variance reductions in a third of the time; the
 *       normalization itself is the same {@code batchnorm} op (oneDNN).</li>
 *   <li>Backward: the closed form {@code dx = gamma/s * (g - mean(g) - xhat * mean(g * xhat))},
 *       {@code dgamma = sum(g * xhat)}, {@code dbeta = sum(g)} (per channel; {@code s} the batch standard deviation,
 *       {@code xhat} the normalized input), written as {@code dx = k1 g + k2 x + k3} with per-channel constants: two
 *       channel sums and four element-wise passes. ND4J's {@code batchnorm_bp} computes the same with oneDNN's
 *       fixed-statistics backward plus a correction of several more passes, including three reductions over the
 *       non-channel axes. Results agree to float rounding (the sums are taken in another order).</li>
 * </ul>
 * {@link OneDnnHelpers#tune} installs it on NCHW layers that have DL4J's oneDNN helper; other data types, ranks or
 * formats return {@code null}, which makes DL4J use its built-in code. By itself it makes a training step 13-20%
 * shorter (docs/benchmarks.md, Helper tuning).
 */
final class BatchNormStatsHelper implements BatchNormalizationHelper {

    private static final int[] NCHW_NON_CHANNEL_AXES = {0, 2, 3};

    /** The last training batch's mean and variance [C], read by the layer to update its running estimates. */
    private INDArray meanCache;
    private INDArray varCache;

    @Override
    public boolean checkSupported(double eps, boolean fixedGammaBeta) {
        return !fixedGammaBeta;
    }

    @Override
    public boolean checkSupported() {
        return true;
    }

    @Override
    public INDArray preOutput(INDArray x, boolean training, long[] shape, INDArray gamma, INDArray beta, INDArray mean,
                              INDArray var, double decay, double eps, CNN2DFormat format,
                              LayerWorkspaceMgr workspaceMgr) {
        if (!supported(x, format) || gamma == null || beta == null) {
            return null;
        }
        INDArray m;
        INDArray v;
        if (training) {
            batchStatistics(x);
            m = meanCache;
            v = varCache;
        } else {
            m = mean.reshape(mean.length());
            v = var.reshape(var.length());
        }
        INDArray out = workspaceMgr.createUninitialized(ArrayType.ACTIVATIONS, DataType.FLOAT, x.shape(), 'c');
        Nd4j.exec(DynamicCustomOp.builder("batchnorm")
                .addInputs(x, m, v, gamma.reshape(gamma.length()), beta.reshape(beta.length()))
                .addOutputs(out).addIntegerArguments(1, 1, 1).addFloatingPointArguments(eps).build());
        return out;
    }

    /** The batch's per-channel mean and (biased) variance into {@link #meanCache} and {@link #varCache}. */
    private void batchStatistics(INDArray x) {
        long channels = x.size(1);
        if (meanCache == null || meanCache.length() != channels) {
            try (MemoryWorkspace ignored = Nd4j.getMemoryManager().scopeOutOfWorkspaces()) {
                meanCache = Nd4j.createUninitialized(DataType.FLOAT, channels);
                varCache = Nd4j.createUninitialized(DataType.FLOAT, channels);
            }
        }
        Nd4j.exec(DynamicCustomOp.builder("moments").addInputs(x).addOutputs(meanCache, varCache)
                .addIntegerArguments(NCHW_NON_CHANNEL_AXES).build());
    }

    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray input, INDArray epsilon, long[] shape, INDArray gamma,
                                                     INDArray beta, INDArray dGammaView, INDArray dBetaView,
                                                     double eps, CNN2DFormat format, LayerWorkspaceMgr workspaceMgr) {
        if (!supported(input, format) || meanCache == null || gamma == null || dGammaView == null) {
            return null;
        }
        INDArray x = dense(input);
        INDArray g = dense(epsilon.castTo(DataType.FLOAT));
        long channels = x.size(1);
        double perChannel = (double) x.length() / channels;

        INDArray dBeta = dBetaView.reshape(channels);
        INDArray dGamma = dGammaView.reshape(channels);
        INDArray sumGx = Nd4j.createUninitialized(DataType.FLOAT, channels);
        INDArray product = workspaceMgr.createUninitialized(ArrayType.BP_WORKING_MEM, DataType.FLOAT, x.shape(), 'c');
        sumOverChannels(g, dBeta);
        Nd4j.exec(new MulOp(g, x, product));
        sumOverChannels(product, sumGx);

        // per channel: 1/s, dgamma = (sum(g x) - mean sum(g)) / s, then dx = k1 g + k2 x + k3
        INDArray invStd = varCache.add(eps);
        org.nd4j.linalg.ops.transforms.Transforms.pow(invStd, -0.5, false);
        dGamma.assign(sumGx.subi(meanCache.mul(dBeta)).muli(invStd));
        INDArray k1 = gamma.reshape(channels).mul(invStd);
        INDArray k2 = k1.mul(invStd).muli(dGamma).muli(-1.0 / perChannel);
        INDArray k3 = k1.mul(dBeta).muli(-1.0 / perChannel).subi(k2.mul(meanCache));

        INDArray dx = workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, DataType.FLOAT, x.shape(), 'c');
        Nd4j.exec(new MulOp(new INDArray[]{g, perChannelView(k1)}, new INDArray[]{dx}));
        Nd4j.exec(new MulOp(new INDArray[]{x, perChannelView(k2)}, new INDArray[]{product}));
        Nd4j.exec(new AddOp(new INDArray[]{dx, product}, new INDArray[]{dx}));
        Nd4j.exec(new AddOp(new INDArray[]{dx, perChannelView(k3)}, new INDArray[]{dx}));

        Gradient gradient = new DefaultGradient();
        gradient.setGradientFor(BatchNormalizationParamInitializer.GAMMA, dGammaView);
        gradient.setGradientFor(BatchNormalizationParamInitializer.BETA, dBetaView);
        return new Pair<>(gradient, dx);
    }

    @Override
    public INDArray getMeanCache(DataType dataType) {
        return meanCache;
    }

    @Override
    public INDArray getVarCache(DataType dataType) {
        return varCache;
    }

    @Override
    public Map<String, Long> helperMemoryUse() {
        return Collections.emptyMap();
    }

    private static boolean supported(INDArray x, CNN2DFormat format) {
        return x.dataType() == DataType.FLOAT && x.rank() == 4 && format == CNN2DFormat.NCHW;
    }

    /** Sums of {@code a} [N, C, H, W] over everything but the channel, into {@code out} [C]. */
    private static void sumOverChannels(INDArray a, INDArray out) {
        Nd4j.exec(DynamicCustomOp.builder("reduce_sum").addInputs(a).addOutputs(out)
                .addIntegerArguments(NCHW_NON_CHANNEL_AXES).build());
    }

    /** A per-channel vector [C] shaped [1, C, 1, 1], to broadcast over an NCHW map. */
    private static INDArray perChannelView(INDArray v) {
        return v.reshape(1, v.length(), 1, 1);
    }

    private static INDArray dense(INDArray a) {
        return a.ordering() == 'c' && !a.isView() ? a : a.dup('c');
    }
}
