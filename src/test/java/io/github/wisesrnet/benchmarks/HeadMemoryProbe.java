package io.github.wisesrnet.benchmarks;

import io.github.wisesrnet.Head;
import io.github.wisesrnet.WiseSrNet;
import io.github.wisesrnet.backbones.Backbone;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Run in its own JVM by {@link WholeNetworkBenchmark}: builds ResNet50 (224x224) with one head, runs training steps
 * and an inference pass on a batch of 8, then prints the process's peak resident size (Linux {@code VmHWM}) and
 * the Java heap's peak, so that each head's memory is measured without the other network in the process.
 *
 * <p>Arguments: head name, training steps, and optionally {@code no-forward-cache} (the network without
 * {@link io.github.wisesrnet.OneDnnHelpers#enableForwardCache}, for {@link HelperTuningBenchmark}).
 */
public final class HeadMemoryProbe {

    static final String RESULT_PREFIX = "HEAD_MEMORY ";

    private HeadMemoryProbe() {
    }

    public static void main(String[] args) throws Exception {
        Head head = Head.fromName(args[0]);
        int steps = Integer.parseInt(args[1]);
        InputType input = InputType.convolutional(224, 224, 3);
        ComputationGraph net = WiseSrNet.attach(Backbone.RESNET50.featureExtractor(224, 224, 3), 6, head, input);
        if (args.length > 2) {
            if (net.getConfiguration().getCacheMode() == org.deeplearning4j.nn.conf.CacheMode.NONE) {
                throw new IllegalStateException("the library did not enable the forward cache (are the oneDNN"
                        + " helpers on?)");
            }
            if (args[2].equals("no-forward-cache")) {
                net.setCacheMode(org.deeplearning4j.nn.conf.CacheMode.NONE);
            }
        }
        Nd4j.getRandom().setSeed(1);
        INDArray x = Nd4j.rand(DataType.FLOAT, 8, 3, 224, 224).muli(255).subi(120);
        INDArray y = Nd4j.zeros(DataType.FLOAT, 8, 6);
        for (int i = 0; i < 8; i++) {
            y.putScalar(i, i % 6, 1.0);
        }
        for (int i = 0; i < steps; i++) {
            net.fit(new INDArray[]{x}, new INDArray[]{y});
        }
        net.outputSingle(false, x);
        long heapPeak = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP) {
                heapPeak += pool.getPeakUsage().getUsed();
            }
        }
        System.out.println(RESULT_PREFIX + net.numParams() + " " + peakResidentKb() + " " + heapPeak / 1024);
    }

    /** Peak resident set size in kB from /proc/self/status, or -1 where that file does not exist. */
    static long peakResidentKb() throws Exception {
        Path status = Path.of("/proc/self/status");
        if (!Files.exists(status)) {
            return -1;
        }
        for (String line : Files.readAllLines(status)) {
            if (line.startsWith("VmHWM:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        return -1;
    }
}
