package io.github.wisesrnet.benchmarks;

import io.github.wisesrnet.layers.WiseSrLayer;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.DepthwiseConvolution2D;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Sgd;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Head cost: forward + backward time of WiseSrLayer vs GlobalPoolingLayer(AVG) vs DL4J's SubsamplingLayer(AVG) +
 * DepthwiseConvolution2D composition, float, on the paper's map sizes. Variants run interleaved in one process,
 * after warm-up, in repeated rounds; the table reports medians and ratios to GAP.
 *
 * <p>Run: {@code mvn test -Pbenchmark -Dtest=HeadCostBenchmark}. Results: target/benchmarks/head-cost.md and .csv.
 */
@Tag("benchmark")
class HeadCostBenchmark {

    private static final int WARMUP = 5;
    private static final int ROUNDS = 15;
    private static final int ITERATIONS_PER_ROUND = 5;

    /** One head as a chain of DL4J layers, run forward and backward without a network around it. */
    record Variant(String name, List<Layer> layers) {
        void forwardBackward(INDArray input, LayerWorkspaceMgr mgr) {
            INDArray x = input;
            for (Layer l : layers) {
                l.setInput(x, mgr);
                x = l.activate(true, mgr);
            }
            // [N, C] for GAP and WiseSrLayer, [N, C, 1, 1] for the depthwise output (its flatten is a free reshape)
            INDArray eps = Nd4j.onesLike(x);
            for (int i = layers.size() - 1; i >= 0; i--) {
                eps = layers.get(i).backpropGradient(eps, mgr).getSecond();
            }
        }
    }

    private static Layer instantiate(org.deeplearning4j.nn.conf.layers.Layer conf, InputType input) {
        conf.setNIn(input, false);
        NeuralNetConfiguration nnc = new NeuralNetConfiguration.Builder().dataType(DataType.FLOAT)
                .updater(new Sgd(0.1)).layer(conf).build();
        long n = conf.initializer().numParams(nnc);
        INDArray params = n == 0 ? null : Nd4j.create(DataType.FLOAT, 1, n);
        Layer layer = nnc.getLayer().instantiate(nnc, List.of(), 0, params, true, DataType.FLOAT);
        if (n > 0) {
            layer.setBackpropGradientsViewArray(Nd4j.create(DataType.FLOAT, 1, n));
        }
        return layer;
    }

    private static List<Variant> variants(long c, long h, long w) {
        InputType map = InputType.convolutional(h, w, c);
        int p = WiseSrLayer.paperPoolSize(h, w);
        InputType pooled = InputType.convolutional(h / p, w / p, c);
        List<Variant> list = new ArrayList<>();
        list.add(new Variant("GAP (GlobalPoolingLayer AVG)",
                List.of(instantiate(new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), map))));
        list.add(new Variant("WiseSrLayer (p=" + p + ")",
                List.of(instantiate(new WiseSrLayer.Builder().inputType(map).build(), map))));
        list.add(new Variant("SubsamplingLayer + DepthwiseConvolution2D", List.of(
                instantiate(new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.AVG).kernelSize(p, p)
                        .stride(p, p).convolutionMode(ConvolutionMode.Truncate).build(), map),
                instantiate(new DepthwiseConvolution2D.Builder((int) (h / p), (int) (w / p))
                        .convolutionMode(ConvolutionMode.Truncate).nIn(c).build(), pooled))));
        return list;
    }

    @Test
    void headCost() throws Exception {
        long[][] shapes = {{64, 2048, 7, 7}, {16, 2048, 16, 16}, {64, 1024, 7, 7}};
        BenchmarkTable table = new BenchmarkTable("input [N, C, H, W]", "head", "median ms (fwd+bwd)",
                "ratio to GAP");
        LayerWorkspaceMgr mgr = LayerWorkspaceMgr.noWorkspaces();
        for (long[] s : shapes) {
            INDArray input = Nd4j.rand(DataType.FLOAT, s);
            List<Variant> variants = variants(s[1], s[2], s[3]);
            for (Variant v : variants) {
                for (int i = 0; i < WARMUP; i++) {
                    v.forwardBackward(input, mgr);
                }
            }
            double[][] perRound = new double[variants.size()][ROUNDS];
            for (int r = 0; r < ROUNDS; r++) {
                for (int k = 0; k < variants.size(); k++) {
                    int idx = (k + r) % variants.size(); // rotate the order every round
                    long start = System.nanoTime();
                    for (int i = 0; i < ITERATIONS_PER_ROUND; i++) {
                        variants.get(idx).forwardBackward(input, mgr);
                    }
                    perRound[idx][r] = (System.nanoTime() - start) / 1e6 / ITERATIONS_PER_ROUND;
                }
            }
            double gap = BenchmarkTable.median(perRound[0]);
            for (int k = 0; k < variants.size(); k++) {
                double median = BenchmarkTable.median(perRound[k]);
                assertTrue(median > 0);
                table.add(java.util.Arrays.toString(s), variants.get(k).name(), median, median / gap);
            }
        }
        table.write("head-cost", "Head cost: forward + backward, float",
                "Machine: " + BenchmarkTable.machine() + ". " + ROUNDS + " interleaved rounds of "
                        + ITERATIONS_PER_ROUND + " iterations after " + WARMUP + " warm-up iterations; medians."
                        + " Command: mvn test -Pbenchmark -Dtest=HeadCostBenchmark");
    }
}
