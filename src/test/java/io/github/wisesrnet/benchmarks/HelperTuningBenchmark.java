package io.github.wisesrnet.benchmarks;

import io.github.wisesrnet.Head;
import io.github.wisesrnet.cpu.OneDnnHelpers;
import io.github.wisesrnet.cpu.TuningSteps;
import io.github.wisesrnet.TestNets;
import io.github.wisesrnet.WiseSrNet;
import io.github.wisesrnet.backbones.Backbone;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * What {@link OneDnnHelpers#tune} gains: a training step of the same network with DL4J's helpers as DL4J sets them
 * up, with the batch-norm stats helper only, with the ReLU layer only, with the forward cache only, and with all
 * three (what the command line sets up);
 * interleaved in one process, medians and ratios to DL4J's setup. Then the peak memory of ResNet50 with and without
 * the forward cache, each in its own JVM.
 *
 * <p>Run: {@code mvn test -Pbenchmark -Dtest=HelperTuningBenchmark} (about 6 minutes).
 */
@Tag("benchmark")
class HelperTuningBenchmark {

    private static final int WARMUP = 2;
    private static final int ROUNDS = Integer.getInteger("wisesrnet.tuning.rounds", 7);

    private record Variant(String name, Consumer<ComputationGraph> setUp) {
    }

    /** Each variant starts from a clone of the tuned network (a clone has DL4J's own helpers and no cache). */
    private static final List<Variant> VARIANTS = List.of(
            new Variant("DL4J's helpers as DL4J sets them up", net -> { }),
            new Variant("batch-norm stats helper", TuningSteps::installBatchNormStatsHelper),
            new Variant("ReLU layer without copies", TuningSteps::installReluLayers),
            new Variant("forward cache", OneDnnHelpers::enableForwardCache),
            new Variant("all three (the command line's setup: tune + forward cache)", net -> {
                OneDnnHelpers.tune(net);
                OneDnnHelpers.enableForwardCache(net);
            }));

    @Test
    void trainingStepByTuning() throws Exception {
        OneDnnHelpers.useByDefault();
        assumeTrue(OneDnnHelpers.active(), "needs the oneDNN ND4J binary with helpers on: "
                + OneDnnHelpers.describe());
        BenchmarkTable table = new BenchmarkTable("network", "setup", "train step median ms", "vs DL4J's setup",
                "per-round ratios");
        measure(table, "ResNet50 224x224, batch 8", Backbone.RESNET50, 224, 8);
        measure(table, "small-cnn 64x64, batch 70", Backbone.SMALL_CNN, 64, 70);
        table.write("helper-tuning", "Training step with DL4J's helpers as set up by DL4J and by OneDnnHelpers.tune",
                "Machine: " + BenchmarkTable.machine() + ", " + OneDnnHelpers.describe() + ". Wise-SrNet head, float,"
                        + " SGD as the network is built; " + ROUNDS + " interleaved rounds after " + WARMUP
                        + " warm-up steps per setup; medians, ratio per round to DL4J's setup."
                        + " Command: mvn test -Pbenchmark -Dtest=HelperTuningBenchmark#trainingStepByTuning");
    }

    private static void measure(BenchmarkTable table, String label, Backbone backbone, int size, int batch) {
        ComputationGraph tuned = WiseSrNet.attach(backbone.featureExtractor(size, size, 3), 6);
        ComputationGraph[] nets = new ComputationGraph[VARIANTS.size()];
        for (int i = 0; i < nets.length; i++) {
            nets[i] = tuned.clone();
            VARIANTS.get(i).setUp().accept(nets[i]);
        }
        Nd4j.getRandom().setSeed(1);
        INDArray x = Nd4j.rand(DataType.FLOAT, batch, 3, size, size).muli(255).subi(120);
        INDArray y = TestNets.labels(batch, 6, DataType.FLOAT);
        for (ComputationGraph net : nets) {
            for (int i = 0; i < WARMUP; i++) {
                net.fit(new INDArray[]{x}, new INDArray[]{y});
            }
        }
        double[][] ms = new double[nets.length][ROUNDS];
        for (int r = 0; r < ROUNDS; r++) {
            for (int k = 0; k < nets.length; k++) {
                int i = (k + r) % nets.length;
                long t0 = System.nanoTime();
                nets[i].fit(new INDArray[]{x}, new INDArray[]{y});
                ms[i][r] = (System.nanoTime() - t0) / 1e6;
            }
        }
        for (int i = 0; i < nets.length; i++) {
            double[] ratios = new double[ROUNDS];
            StringBuilder perRound = new StringBuilder();
            for (int r = 0; r < ROUNDS; r++) {
                ratios[r] = ms[i][r] / ms[0][r];
                perRound.append(perRound.length() == 0 ? "" : " ").append(String.format(Locale.ROOT, "%.2f",
                        ratios[r]));
            }
            assertTrue(BenchmarkTable.median(ms[i]) > 0);
            table.add(label, VARIANTS.get(i).name(), BenchmarkTable.median(ms[i]), BenchmarkTable.median(ratios),
                    perRound);
        }
    }

    /** Peak memory of ResNet50 (224x224, batch 8, Wise-SrNet) with and without the forward cache, one JVM each. */
    @Test
    void resnet50PeakMemoryWithAndWithoutForwardCache() throws Exception {
        OneDnnHelpers.useByDefault();
        assumeTrue(OneDnnHelpers.active(), "needs the oneDNN ND4J binary with helpers on: "
                + OneDnnHelpers.describe());
        BenchmarkTable table = new BenchmarkTable("forward cache", "peak resident MB", "peak Java heap MB",
                "resident vs without");
        double without = 0;
        for (String mode : List.of("no-forward-cache", "forward-cache")) {
            HeadMemoryProbe.Result result = HeadMemoryProbe.runInOwnJvm(Head.WISE_SRNET.name(), "3", mode);
            long residentKb = result.residentKb();
            long heapKb = result.heapKb();
            assumeTrue(residentKb > 0, "peak resident size needs Linux /proc/self/status");
            if (without == 0) {
                without = residentKb;
            }
            table.add(mode.equals("forward-cache") ? "on (library default)" : "off", residentKb / 1024, heapKb / 1024,
                    residentKb / without);
        }
        table.write("helper-tuning-memory", "ResNet50 at 224x224, batch 8: peak memory with and without the forward"
                        + " cache",
                "Machine: " + BenchmarkTable.machine() + ", " + OneDnnHelpers.describe() + ". Wise-SrNet head, each"
                        + " setup in its own JVM (-Xmx6g): 3 training steps and one inference pass; peak resident size"
                        + " (Linux VmHWM) and peak Java heap. Command: mvn test -Pbenchmark"
                        + " -Dtest=HelperTuningBenchmark#resnet50PeakMemoryWithAndWithoutForwardCache");
    }
}
