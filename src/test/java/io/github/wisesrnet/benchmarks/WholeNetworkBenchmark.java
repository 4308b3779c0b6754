package io.github.wisesrnet.benchmarks;

import io.github.wisesrnet.Head;
import io.github.wisesrnet.cpu.OneDnnHelpers;
import io.github.wisesrnet.TestNets;
import io.github.wisesrnet.WiseSrNet;
import io.github.wisesrnet.backbones.Backbone;
import org.bytedeco.javacpp.Pointer;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.List;
import java.util.Locale;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Whole network: the Keras-faithful ResNet50 at 224x224, batch 8, float, with the GAP head and with the Wise-SrNet
 * head (same backbone weights): one training step ({@code fit} on a fixed batch) and one inference pass, interleaved
 * rounds after warm-up; medians and the Wise-SrNet / GAP ratio. Memory: the process's resident size as JavaCPP
 * reports it ({@code Pointer.physicalBytes()}), highest value seen after each variant's calls.
 *
 * <p>Run: {@code mvn test -Pbenchmark -Dtest=WholeNetworkBenchmark}. Results: target/benchmarks/whole-network.md.
 */
@Tag("benchmark")
class WholeNetworkBenchmark {

    private static final int BATCH = 8;
    private static final int WARMUP = 2;
    private static final int ROUNDS = Integer.getInteger("wisesrnet.whole.rounds", 9);

    @Test
    void resnet50TrainingStepAndInference() throws Exception {
        InputType input = InputType.convolutional(224, 224, 3);
        ComputationGraph features = Backbone.RESNET50.featureExtractor(224, 224, 3);
        List<Head> heads = List.of(Head.GAP, Head.WISE_SRNET);
        ComputationGraph[] nets = new ComputationGraph[heads.size()];
        for (int i = 0; i < nets.length; i++) {
            nets[i] = WiseSrNet.attach(features, 6, heads.get(i), input);
            OneDnnHelpers.enableForwardCache(nets[i]); // the command line's setup: tune (by attach) + forward cache
        }
        Nd4j.getRandom().setSeed(1);
        INDArray x = Nd4j.rand(DataType.FLOAT, BATCH, 3, 224, 224).muli(255).subi(120);
        INDArray y = TestNets.labels(BATCH, 6, DataType.FLOAT);
        for (ComputationGraph net : nets) {
            for (int i = 0; i < WARMUP; i++) {
                net.fit(new INDArray[]{x}, new INDArray[]{y});
                net.outputSingle(false, x);
            }
        }
        double[][] train = new double[nets.length][ROUNDS];
        double[][] infer = new double[nets.length][ROUNDS];
        long[] peak = new long[nets.length];
        for (int r = 0; r < ROUNDS; r++) {
            for (int k = 0; k < nets.length; k++) {
                int i = (k + r) % nets.length;
                long t0 = System.nanoTime();
                nets[i].fit(new INDArray[]{x}, new INDArray[]{y});
                long t1 = System.nanoTime();
                nets[i].outputSingle(false, x);
                long t2 = System.nanoTime();
                train[i][r] = (t1 - t0) / 1e6;
                infer[i][r] = (t2 - t1) / 1e6;
                peak[i] = Math.max(peak[i], Pointer.physicalBytes());
            }
        }
        BenchmarkTable table = new BenchmarkTable("head", "parameters", "train step median ms", "images/s (train)",
                "inference median ms", "train step vs GAP", "inference vs GAP", "resident MB (max seen)",
                "train steps (ms)", "inference passes (ms)");
        double gapTrain = BenchmarkTable.median(train[0]);
        double gapInfer = BenchmarkTable.median(infer[0]);
        for (int i = 0; i < nets.length; i++) {
            double t = BenchmarkTable.median(train[i]);
            double f = BenchmarkTable.median(infer[i]);
            assertTrue(t > 0 && f > 0);
            table.add(heads.get(i).name(), String.format("%,d", nets[i].numParams()), t, BATCH * 1000.0 / t, f,
                    t / gapTrain, f / gapInfer, peak[i] / (1024 * 1024), rounds(train[i]), rounds(infer[i]));
        }
        table.write("whole-network", "ResNet50 at 224x224, batch 8: GAP vs Wise-SrNet head",
                "Machine: " + BenchmarkTable.machine() + ". " + ROUNDS + " interleaved rounds after " + WARMUP
                        + " warm-up steps per head; medians. Resident size is the whole process, so it includes both"
                        + " networks. Command: mvn test -Pbenchmark -Dtest=WholeNetworkBenchmark");
    }

    /**
     * Peak memory per head: each head's network in its own JVM ({@link HeadMemoryProbe}), 3 training steps and an
     * inference pass; peak resident size of the process and peak Java heap.
     */
    @Test
    void resnet50PeakMemoryPerHead() throws Exception {
        OneDnnHelpers.useByDefault(); // the children get the library's default unless the property says otherwise
        BenchmarkTable table = new BenchmarkTable("head", "parameters", "peak resident MB", "peak Java heap MB",
                "resident vs GAP");
        double gapResident = 0;
        for (Head head : List.of(Head.GAP, Head.WISE_SRNET)) {
            HeadMemoryProbe.Result result = HeadMemoryProbe.runInOwnJvm(head.name(), "3");
            long residentKb = result.residentKb();
            long heapKb = result.heapKb();
            assertTrue(residentKb != 0 && heapKb > 0);
            if (head == Head.GAP) {
                gapResident = residentKb;
            }
            table.add(head.name(), String.format("%,d", result.parameters()),
                    residentKb < 0 ? "n/a" : String.valueOf(residentKb / 1024), heapKb / 1024,
                    residentKb < 0 ? "n/a" : String.format(Locale.ROOT, "%.3f", residentKb / gapResident));
        }
        table.write("whole-network-memory", "ResNet50 at 224x224, batch 8: peak memory per head",
                "Machine: " + BenchmarkTable.machine() + ", " + OneDnnHelpers.describe() + ". Each head in its own"
                        + " JVM (-Xmx6g): 3 training steps and one inference pass; peak resident size (Linux VmHWM)"
                        + " and peak Java heap. Command: mvn test -Pbenchmark"
                        + " -Dtest=WholeNetworkBenchmark#resnet50PeakMemoryPerHead");
    }

    private static String rounds(double[] values) {
        StringBuilder sb = new StringBuilder();
        for (double v : values) {
            sb.append(sb.length() == 0 ? "" : " ").append(Math.round(v));
        }
        return sb.toString();
    }
}
