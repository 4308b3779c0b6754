package io.github.wisesrnet.benchmarks;

import io.github.wisesrnet.cpu.OneDnnHelpers;
import io.github.wisesrnet.TestNets;
import io.github.wisesrnet.WiseSrNet;
import io.github.wisesrnet.backbones.Backbone;
import jdk.jfr.Configuration;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordingFile;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Where a ResNet50 training step and inference pass spend their time: Java Flight Recorder (the JDK's "profile"
 * settings) records the Wise-SrNet ResNet50 at 224x224, batch 8, for 8 training steps and, separately, 30 inference
 * passes, after 2 warm-up steps. The samples of the thread that runs the network (it waits inside the native call
 * while oneDNN's threads work) are grouped by the DL4J layer or vertex that made the call.
 *
 * <p>Run: {@code mvn test -Pbenchmark -Dtest=ResNet50ProfileBenchmark}. Results: target/benchmarks/resnet50-profile.md
 * and the two recordings (.jfr, for JDK Mission Control or {@code jfr print}).
 */
@Tag("benchmark")
class ResNet50ProfileBenchmark {

    private static final int BATCH = 8;
    private static final int TRAIN_STEPS = 8;
    private static final int INFERENCE_PASSES = 30;

    @Test
    void trainingStepAndInference() throws Exception {
        OneDnnHelpers.useByDefault();
        ComputationGraph net = WiseSrNet.attach(Backbone.RESNET50.featureExtractor(224, 224, 3), 6);
        OneDnnHelpers.enableForwardCache(net); // the command line's setup: tune (by attach) + forward cache
        Nd4j.getRandom().setSeed(1);
        INDArray x = Nd4j.rand(DataType.FLOAT, BATCH, 3, 224, 224).muli(255).subi(120);
        INDArray y = TestNets.labels(BATCH, 6, DataType.FLOAT);
        for (int i = 0; i < 2; i++) {
            net.fit(new INDArray[]{x}, new INDArray[]{y});
            net.outputSingle(false, x);
        }
        Path dir = Files.createDirectories(Path.of("target", "benchmarks"));
        Path trainRecording = record(dir.resolve("resnet50-train.jfr"),
                () -> net.fit(new INDArray[]{x}, new INDArray[]{y}), TRAIN_STEPS);
        Path inferenceRecording = record(dir.resolve("resnet50-inference.jfr"), () -> net.outputSingle(false, x),
                INFERENCE_PASSES);

        Map<String, Integer> train = parts(trainRecording);
        Map<String, Integer> inference = parts(inferenceRecording);
        int trainTotal = train.values().stream().mapToInt(Integer::intValue).sum();
        int inferenceTotal = inference.values().stream().mapToInt(Integer::intValue).sum();
        assertTrue(trainTotal > 100 && inferenceTotal > 100, trainTotal + " / " + inferenceTotal + " samples");
        BenchmarkTable table = new BenchmarkTable("part", "training step (" + trainTotal + " samples)",
                "inference pass (" + inferenceTotal + " samples)");
        for (String part : PARTS) {
            table.add(part, percent(train.getOrDefault(part, 0), trainTotal),
                    percent(inference.getOrDefault(part, 0), inferenceTotal));
        }
        table.write("resnet50-profile", "Where a ResNet50 training step and inference pass spend their time",
                "Machine: " + BenchmarkTable.machine() + ", " + OneDnnHelpers.describe() + ". Wise-SrNet ResNet50,"
                        + " 224x224, batch " + BATCH + ", float; " + TRAIN_STEPS + " training steps and "
                        + INFERENCE_PASSES + " inference passes recorded after 2 warm-up steps (JFR 'profile'"
                        + " settings); samples of the network's thread by the DL4J layer that made the call."
                        + " Command: mvn test -Pbenchmark -Dtest=ResNet50ProfileBenchmark");
    }

    /**
     * oneDNN's own account (its verbose mode, one line per primitive executed with its time): one training step and
     * one inference pass of the same network in a child JVM ({@link OneDnnVerboseProbe}), grouped by primitive; the
     * rest of the wall time is spent outside oneDNN (ND4J ops, DL4J's graph, the updater, copies).
     */
    @Test
    void oneDnnPrimitives() throws Exception {
        assumeTrue(OneDnnHelpers.oneDnnAvailable(), "needs the oneDNN ND4J binary: " + OneDnnHelpers.describe());
        String javaCommand = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder pb = new ProcessBuilder(javaCommand, "-Xmx6g", "-cp", System.getProperty("java.class.path"),
                "-D" + OneDnnHelpers.DISABLE_PROPERTY + "=false", OneDnnVerboseProbe.class.getName())
                .redirectErrorStream(true);
        pb.environment().put("DNNL_VERBOSE", "1");
        Process process = pb.start();
        Map<String, double[]> train = new LinkedHashMap<>();
        Map<String, double[]> inference = new LinkedHashMap<>();
        double trainWall = 0;
        double inferenceWall = 0;
        Map<String, double[]> current = null;
        try (BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream()))) {
            for (String line = out.readLine(); line != null; line = out.readLine()) {
                if (line.startsWith(OneDnnVerboseProbe.TRAIN_MARK)) {
                    current = train;
                } else if (line.startsWith(OneDnnVerboseProbe.INFERENCE_MARK)) {
                    trainWall = Double.parseDouble(line.substring(OneDnnVerboseProbe.INFERENCE_MARK.length()));
                    current = inference;
                } else if (line.startsWith(OneDnnVerboseProbe.END_MARK)) {
                    inferenceWall = Double.parseDouble(line.substring(OneDnnVerboseProbe.END_MARK.length()));
                    current = null;
                } else if (current != null && line.startsWith("dnnl_verbose,exec,")) {
                    String[] f = line.split(",");
                    double[] entry = current.computeIfAbsent(primitiveGroup(f), k -> new double[2]);
                    entry[0] += Double.parseDouble(f[f.length - 1]);
                    entry[1]++;
                }
            }
        }
        assertEquals(0, process.waitFor(), "verbose probe failed");
        assertTrue(trainWall > 0 && inferenceWall > 0 && !train.isEmpty(), "no verbose output (DNNL_VERBOSE)");
        List<String> groups = new java.util.ArrayList<>(train.keySet());
        inference.keySet().stream().filter(g -> !groups.contains(g)).forEach(groups::add);
        groups.sort(java.util.Comparator.comparingDouble(g -> -train.getOrDefault(g, new double[2])[0]));
        BenchmarkTable table = new BenchmarkTable("oneDNN primitive", "training step ms (calls)",
                "inference pass ms (calls)");
        double trainOneDnn = 0;
        double inferenceOneDnn = 0;
        for (String g : groups) {
            double[] t = train.getOrDefault(g, new double[2]);
            double[] i = inference.getOrDefault(g, new double[2]);
            trainOneDnn += t[0];
            inferenceOneDnn += i[0];
            table.add(g, String.format(Locale.ROOT, "%.0f (%d)", t[0], (int) t[1]),
                    String.format(Locale.ROOT, "%.0f (%d)", i[0], (int) i[1]));
        }
        table.add("**all oneDNN primitives**", String.format(Locale.ROOT, "%.0f", trainOneDnn),
                String.format(Locale.ROOT, "%.0f", inferenceOneDnn));
        table.add("outside oneDNN (wall time minus the above)", String.format(Locale.ROOT, "%.0f",
                trainWall - trainOneDnn), String.format(Locale.ROOT, "%.0f", inferenceWall - inferenceOneDnn));
        table.add("**wall time**", String.format(Locale.ROOT, "%.0f", trainWall),
                String.format(Locale.ROOT, "%.0f", inferenceWall));
        table.write("resnet50-onednn", "ResNet50 training step and inference pass by oneDNN primitive",
                "Machine: " + BenchmarkTable.machine() + ", " + OneDnnHelpers.describe() + ". Wise-SrNet ResNet50,"
                        + " 224x224, batch 8, float; one step and one pass after 2 warm-up steps, in a JVM run with"
                        + " DNNL_VERBOSE=1 (which adds a little time of its own). Command: mvn test -Pbenchmark"
                        + " -Dtest=ResNet50ProfileBenchmark#oneDnnPrimitives");
    }

    /**
     * A verbose line's group: the primitive and its direction; reorders split into those of activations (plain NCHW
     * to and from the layouts oneDNN's kernels use) and of weights (formats with a blocked output-channel axis 'A').
     */
    private static String primitiveGroup(String[] f) {
        String primitive = f[3];
        String kind = f[5];
        if (primitive.equals("reorder")) {
            String[] mds = f[6].split(" ");
            boolean weights = false;
            for (String md : mds) {
                String[] parts = md.split(":");
                weights |= parts.length > 3 && !parts[3].isEmpty() && parts[3].charAt(0) == 'A';
            }
            return weights ? "reorder of weights" : "reorder of activations (NCHW <-> oneDNN layouts)";
        }
        if (primitive.equals("convolution")) {
            return kind.startsWith("forward") ? "convolution forward" : "convolution " + kind.replace('_', ' ');
        }
        if (primitive.equals("batch_normalization")) {
            return "batch normalization " + (kind.startsWith("forward") ? "forward" : "backward");
        }
        return primitive.replace('_', ' ');
    }

    private static final List<String> PARTS = List.of("convolution forward (oneDNN helper)",
            "convolution backward (oneDNN helper)", "batch normalization: batch statistics",
            "batch normalization: forward op (helper)", "batch normalization: backward op (helper)",
            "ReLU and residual additions", "copies between workspaces (leverageTo)", "updater",
            "everything else");

    private static Path record(Path file, Runnable call, int times) throws Exception {
        try (Recording recording = new Recording(Configuration.getConfiguration("profile"))) {
            recording.start();
            for (int i = 0; i < times; i++) {
                call.run();
            }
            recording.stop();
            recording.dump(file);
        }
        return file;
    }

    /** Samples of this thread per part of the network. */
    private static Map<String, Integer> parts(Path recording) throws Exception {
        long thread = Thread.currentThread().getId();
        Map<String, Integer> counts = new LinkedHashMap<>();
        for (RecordedEvent event : RecordingFile.readAllEvents(recording)) {
            String type = event.getEventType().getName();
            if (!type.equals("jdk.ExecutionSample") && !type.equals("jdk.NativeMethodSample")
                    || event.getThread("sampledThread") == null
                    || event.getThread("sampledThread").getJavaThreadId() != thread
                    || event.getStackTrace() == null) {
                continue;
            }
            counts.merge(part(event.getStackTrace().getFrames()), 1, Integer::sum);
        }
        return counts;
    }

    private static String part(List<RecordedFrame> frames) {
        String top = frames.isEmpty() ? "" : frames.get(0).getMethod().getName();
        for (RecordedFrame frame : frames) {
            String type = frame.getMethod().getType().getName();
            String method = frame.getMethod().getName();
            if (type.endsWith("MKLDNNConvHelper")) {
                return method.startsWith("backprop") ? PARTS.get(1) : PARTS.get(0);
            }
            if (type.endsWith("BatchNormStatsHelper")) {
                return method.startsWith("backprop") ? PARTS.get(4)
                        : method.equals("batchStatistics") ? PARTS.get(2) : PARTS.get(3);
            }
            if (type.endsWith("MKLDNNBatchNormHelper") || type.endsWith("normalization.BatchNormalization")) {
                if (method.startsWith("backprop")) {
                    return PARTS.get(4);
                }
                return top.equals("execSummaryStatsTad") || top.startsWith("execReduce") ? PARTS.get(2) : PARTS.get(3);
            }
            if (type.endsWith("ActivationLayer") || type.endsWith("ElementWiseVertex")) {
                return PARTS.get(5);
            }
            if (method.equals("leverageTo")) {
                return PARTS.get(6);
            }
            if (type.contains(".nn.updater.")) {
                return PARTS.get(7);
            }
        }
        return PARTS.get(8);
    }

    private static String percent(int count, int total) {
        return String.format(Locale.ROOT, "%.1f%%", 100.0 * count / total);
    }
}
