package io.github.wisesrnet.benchmarks;

import io.github.wisesrnet.Head;
import io.github.wisesrnet.TestNets;
import io.github.wisesrnet.WiseSrNet;
import io.github.wisesrnet.backbones.Backbone;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import io.github.wisesrnet.cpu.OneDnnHelpers;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

/**
 * Run in its own JVM by {@link WholeNetworkBenchmark}: builds ResNet50 (224x224) with one head, runs training steps
 * and an inference pass on a batch of 8, then prints the process's peak resident size (Linux {@code VmHWM}) and
 * the Java heap's peak, so that each head's memory is measured without the other network in the process.
 *
 * <p>Arguments: head name, training steps, and optionally {@code no-forward-cache} (the network without
 * {@link io.github.wisesrnet.cpu.OneDnnHelpers#enableForwardCache}, for {@link HelperTuningBenchmark}).
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
        OneDnnHelpers.enableForwardCache(net); // the command line's setup: tune (by attach) + forward cache
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
        INDArray y = TestNets.labels(8, 6, DataType.FLOAT);
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

    /** What one probe run printed: the network's parameter count, peak resident kB (-1 if unknown), peak heap kB. */
    record Result(long parameters, long residentKb, long heapKb) {
    }

    /**
     * Runs the probe in its own JVM (-Xmx6g, the test's class path, the oneDNN helpers as the library's default
     * unless -D{@value OneDnnHelpers#DISABLE_PROPERTY} says otherwise) with these arguments, and reads its result.
     */
    static Result runInOwnJvm(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                .toString(), "-Xmx6g", "-cp", System.getProperty("java.class.path"), "-D"
                + OneDnnHelpers.DISABLE_PROPERTY + "=" + System.getProperty(OneDnnHelpers.DISABLE_PROPERTY, "false"),
                HeadMemoryProbe.class.getName()));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String result = null;
        try (BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream()))) {
            for (String line = out.readLine(); line != null; line = out.readLine()) {
                if (line.startsWith(RESULT_PREFIX)) {
                    result = line.substring(RESULT_PREFIX.length());
                }
            }
        }
        String what = "memory probe " + String.join(" ", args);
        assertEquals(0, process.waitFor(), what + " failed");
        assertNotNull(result, what + " printed no result");
        String[] parts = result.trim().split(" ");
        return new Result(Long.parseLong(parts[0]), Long.parseLong(parts[1]), Long.parseLong(parts[2]));
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
