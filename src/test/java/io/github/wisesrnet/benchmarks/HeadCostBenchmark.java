package io.github.wisesrnet.benchmarks;

import io.github.wisesrnet.layers.WiseSrLayer;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.DepthwiseConvolution2D;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.lossfunctions.LossFunctions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Sgd;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Head cost: forward + backward time of WiseSrLayer vs GlobalPoolingLayer(AVG) vs DL4J's SubsamplingLayer(AVG) +
 * DepthwiseConvolution2D composition, float, on the paper's map sizes, each in the same minimal graph. Variants run interleaved in one process,
 * after warm-up, in repeated rounds; the table reports medians and ratios to GAP.
 *
 * <p>Run: {@code mvn test -Pbenchmark -Dtest=HeadCostBenchmark}. Results: target/benchmarks/head-cost.md and .csv.
 */
@Tag("benchmark")
class HeadCostBenchmark {

    private static final int WARMUP = 5;
    private static final int ROUNDS = 15;
    private static final int ITERATIONS_PER_ROUND = 5;
    private static final int SWEEP_ROUNDS = Integer.getInteger("wisesrnet.sweep.rounds", 15);

    /**
     * One head inside a minimal graph, input -> head -> softmax output (10 classes), run the way training runs it:
     * {@code computeGradientAndScore} with DL4J's workspaces. The output layer is the same small cost for every head.
     */
    record Variant(String name, ComputationGraph net) {
        void forwardBackward() {
            net.computeGradientAndScore();
        }
    }

    private static Variant variant(String name, InputType map, INDArray input, INDArray labels,
            org.deeplearning4j.nn.conf.layers.Layer... head) {
        ComputationGraphConfiguration.GraphBuilder g = new NeuralNetConfiguration.Builder()
                .dataType(DataType.FLOAT).updater(new Sgd(0.01)).weightInit(WeightInit.XAVIER).graphBuilder()
                .addInputs("in");
        String previous = "in";
        for (int i = 0; i < head.length; i++) {
            g.addLayer("head" + i, head[i], previous);
            previous = "head" + i;
        }
        g.addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(10)
                .activation(Activation.SOFTMAX).build(), previous).setOutputs("out").setInputTypes(map);
        ComputationGraph net = new ComputationGraph(g.build());
        net.init();
        net.setInputs(input);
        net.setLabels(labels);
        return new Variant(name, net);
    }

    private static List<Variant> variants(long[] shape) {
        long c = shape[1];
        long h = shape[2];
        long w = shape[3];
        InputType map = InputType.convolutional(h, w, c);
        INDArray input = Nd4j.rand(DataType.FLOAT, shape);
        INDArray labels = Nd4j.zeros(DataType.FLOAT, shape[0], 10);
        labels.getColumn(0).assign(1);
        int p = WiseSrLayer.paperPoolSize(h, w);
        List<Variant> list = new ArrayList<>();
        list.add(variant("GAP (GlobalPoolingLayer AVG)", map, input, labels,
                new GlobalPoolingLayer.Builder(PoolingType.AVG).build()));
        list.add(variant("WiseSrLayer (p=" + p + ")", map, input, labels, new WiseSrLayer.Builder().build()));
        list.add(variant("SubsamplingLayer + DepthwiseConvolution2D", map, input, labels,
                new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.AVG).kernelSize(p, p).stride(p, p)
                        .convolutionMode(ConvolutionMode.Truncate).build(),
                new DepthwiseConvolution2D.Builder((int) (h / p), (int) (w / p))
                        .convolutionMode(ConvolutionMode.Truncate).build()));
        return list;
    }

    @Test
    void headCost() throws Exception {
        long[][] shapes = {{64, 2048, 7, 7}, {16, 2048, 16, 16}, {64, 1024, 7, 7}};
        BenchmarkTable table = new BenchmarkTable("input [N, C, H, W]", "head", "median ms (fwd+bwd)",
                "ratio to GAP");
        for (long[] s : shapes) {
            List<Variant> variants = variants(s);
            double[][] perRound = perRound(variants, ROUNDS, ITERATIONS_PER_ROUND);
            for (int k = 0; k < variants.size(); k++) {
                table.add(java.util.Arrays.toString(s), variants.get(k).name(), BenchmarkTable.median(perRound[k]),
                        medianRatio(perRound[k], perRound[0]));
            }
        }
        table.write("head-cost", "Head cost: forward + backward, float",
                "Machine: " + BenchmarkTable.machine() + ". Each head in a graph input -> head -> output(10),"
                        + " computeGradientAndScore with workspaces. " + ROUNDS + " interleaved rounds of "
                        + ITERATIONS_PER_ROUND + " iterations after " + WARMUP + " warm-up iterations; times are"
                        + " medians, ratios the median of the per-round ratios."
                        + " Command: mvn test -Pbenchmark -Dtest=HeadCostBenchmark#headCost");
    }

    /**
     * How the head's cost grows with the map: maps from 7x7 to 220x220 (channels and batch chosen so that each input
     * holds 3-6 M values), GAP against the layer as it runs (pooling matrix up to 16x16, ND4J's pooling op above),
     * against each of its two pooling paths forced, so the bound between them can be checked (the matrix path only up
     * to its ceiling, 56x56), and against the DEPTHWISE head (p = 1, unconstrained). Time and workspace memory per
     * input value show how each head grows with the map: constant per value means linear. The property
     * {@code wisesrnet.sweep.sides} (e.g. "56,112,220") keeps only maps of those sides.
     */
    @Test
    void mapSizeSweep() throws Exception {
        long[][] shapes = {{64, 2048, 7, 7}, {16, 2048, 14, 14}, {16, 512, 28, 28}, {8, 256, 56, 56},
                {4, 64, 112, 112}, {2, 32, 220, 220}};
        String sides = System.getProperty("wisesrnet.sweep.sides", "");
        BenchmarkTable table = new BenchmarkTable("input [N, C, H, W]", "p", "GAP ms", "WiseSrLayer ms",
                "ratio to GAP", "matrix path ratio", "pooling-op path ratio", "path used", "DEPTHWISE ms",
                "DEPTHWISE ratio to GAP", "ns per input value: GAP / WiseSrLayer / DEPTHWISE",
                "workspace bytes per input value: GAP / WiseSrLayer / DEPTHWISE");
        for (long[] s : shapes) {
            long h = s[2];
            long w = s[3];
            if (!sides.isEmpty() && !java.util.Arrays.asList(sides.split(",")).contains(Long.toString(h))) {
                continue;
            }
            InputType map = InputType.convolutional(h, w, s[1]);
            INDArray input = Nd4j.rand(DataType.FLOAT, s);
            INDArray labels = Nd4j.zeros(DataType.FLOAT, s[0], 10);
            labels.getColumn(0).assign(1);
            List<Supplier<Variant>> heads = List.of(
                    () -> variant("GAP", map, input, labels, new GlobalPoolingLayer.Builder(PoolingType.AVG).build()),
                    () -> variant("WiseSrLayer", map, input, labels, new WiseSrLayer.Builder().build()),
                    () -> variant("DEPTHWISE", map, input, labels, depthwiseHead()));
            List<Variant> variants = new ArrayList<>();
            heads.forEach(head -> variants.add(head.get()));
            boolean matrixAllowed = h * w <= io.github.wisesrnet.layers.WiseSrLayerImpl.MAX_MATRIX_POOLED_PIXELS_CEILING;
            if (matrixAllowed) {
                variants.add(withPoolingBound(Long.MAX_VALUE, () -> variant("matrix", map, input, labels,
                        new WiseSrLayer.Builder().build())));
            }
            variants.add(withPoolingBound(0, () -> variant("pooling op", map, input, labels,
                    new WiseSrLayer.Builder().build())));
            boolean op = io.github.wisesrnet.layers.LayerPaths.poolsWithOp(
                    (io.github.wisesrnet.layers.WiseSrLayerImpl) variants.get(1).net().getLayer("head0"));
            double[][] perRound = perRound(variants, SWEEP_ROUNDS, 3);
            variants.clear();
            double values = (double) s[0] * s[1] * h * w;
            String nsPerValue = String.format(java.util.Locale.ROOT, "%.2f / %.2f / %.2f",
                    BenchmarkTable.median(perRound[0]) * 1e6 / values, BenchmarkTable.median(perRound[1]) * 1e6 / values,
                    BenchmarkTable.median(perRound[2]) * 1e6 / values);
            StringBuilder bytesPerValue = new StringBuilder();
            for (Supplier<Variant> head : heads) {
                bytesPerValue.append(bytesPerValue.length() == 0 ? "" : " / ").append(String.format(
                        java.util.Locale.ROOT, "%.2f", workspaceBytes(head) / values));
            }
            table.add(java.util.Arrays.toString(s), WiseSrLayer.paperPoolSize(h, w),
                    BenchmarkTable.median(perRound[0]), BenchmarkTable.median(perRound[1]),
                    medianRatio(perRound[1], perRound[0]),
                    matrixAllowed ? medianRatio(perRound[3], perRound[0]) : "- (above the ceiling)",
                    medianRatio(perRound[perRound.length - 1], perRound[0]), op ? "pooling op" : "matrix",
                    BenchmarkTable.median(perRound[2]), medianRatio(perRound[2], perRound[0]), nsPerValue,
                    bytesPerValue.toString());
            System.gc();
        }
        table.write("head-cost-sweep", "Head cost by map size: forward + backward, float, ratio to GAP",
                "Machine: " + BenchmarkTable.machine() + ". Each head in a graph input -> head -> output(10),"
                        + " computeGradientAndScore with workspaces; " + SWEEP_ROUNDS + " interleaved rounds of 3"
                        + " iterations after " + WARMUP + " warm-up iterations; times are medians, ratios the median"
                        + " of the per-round ratios. Workspace bytes: the sizes of DL4J's workspaces after 3 steps of"
                        + " that head alone. Command: mvn test -Pbenchmark -Dtest=HeadCostBenchmark#mapSizeSweep");
    }

    /** The DEPTHWISE head (Head.DEPTHWISE): no pre-pooling, unconstrained whole-map depthwise kernel. */
    private static WiseSrLayer depthwiseHead() {
        return new WiseSrLayer.Builder().poolSize(1).nonNegative(false).build();
    }

    /**
     * Bytes of DL4J's workspaces on this thread after 3 forward + backward passes of one freshly built head: the
     * memory its graph needs per step (arrays outside workspaces, such as the pooling matrix, are not counted).
     */
    private static long workspaceBytes(Supplier<Variant> head) {
        Nd4j.getWorkspaceManager().destroyAllWorkspacesForCurrentThread();
        Variant variant = head.get();
        for (int i = 0; i < 3; i++) {
            variant.forwardBackward();
        }
        long bytes = 0;
        for (org.nd4j.linalg.api.memory.MemoryWorkspace ws : Nd4j.getWorkspaceManager()
                .getAllWorkspacesForCurrentThread()) {
            bytes += ws.getCurrentSize();
        }
        Nd4j.getWorkspaceManager().destroyAllWorkspacesForCurrentThread();
        return bytes;
    }

    /** Builds a variant with WiseSrLayer's matrix/op bound moved (read when the layer is created). */
    private static Variant withPoolingBound(long maxMatrixPixels, Supplier<Variant> build) {
        String key = io.github.wisesrnet.layers.WiseSrLayerImpl.MAX_MATRIX_POOLED_PIXELS_PROPERTY;
        System.setProperty(key, Long.toString(maxMatrixPixels));
        try {
            return build.get();
        } finally {
            System.clearProperty(key);
        }
    }

    /** Median over rounds of the per-round ratio a / b (same round, so drift of the machine cancels). */
    private static double medianRatio(double[] a, double[] b) {
        double[] ratios = new double[a.length];
        for (int r = 0; r < a.length; r++) {
            ratios[r] = a[r] / b[r];
        }
        return BenchmarkTable.median(ratios);
    }

    /** Milliseconds per forward + backward of each variant in each round, interleaved in rotating order. */
    private static double[][] perRound(List<Variant> variants, int rounds, int iterations) {
        for (Variant v : variants) {
            for (int i = 0; i < WARMUP; i++) {
                v.forwardBackward();
            }
        }
        double[][] perRound = new double[variants.size()][rounds];
        for (int r = 0; r < rounds; r++) {
            for (int k = 0; k < variants.size(); k++) {
                int idx = (k + r) % variants.size(); // rotate the order every round
                long start = System.nanoTime();
                for (int i = 0; i < iterations; i++) {
                    variants.get(idx).forwardBackward();
                }
                perRound[idx][r] = (System.nanoTime() - start) / 1e6 / iterations;
                assertTrue(perRound[idx][r] > 0);
            }
        }
        return perRound;
    }
}
