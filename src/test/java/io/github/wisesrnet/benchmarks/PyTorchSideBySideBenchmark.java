package io.github.wisesrnet.benchmarks;

import io.github.wisesrnet.TorchPython;

import io.github.wisesrnet.Head;
import io.github.wisesrnet.deploy.OnnxClassifier;
import io.github.wisesrnet.deploy.OnnxExport;
import io.github.wisesrnet.inference.InferenceFolding;
import io.github.wisesrnet.cpu.OneDnnHelpers;
import io.github.wisesrnet.TestNets;
import io.github.wisesrnet.WiseSrNet;
import io.github.wisesrnet.backbones.Backbone;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The same ResNet50 training step and inference pass in this library and in PyTorch, on the same CPU, interleaved in
 * one run: the Keras-faithful ResNet50 here, torchvision's ResNet50 there (the same architecture), each with the GAP
 * head and with a Wise-SrNet head; 224x224, batch 8, float, SGD with Nesterov momentum 0.9, the same number of
 * threads (PyTorch's set explicitly: it picks 1 thread on these machines by itself). PyTorch runs in a Python worker
 * process ({@code benchmarks/pytorch_resnet50_worker.py}) that times its own calls, so process round trips are not
 * counted. Without {@code python3} with {@code torch} and {@code torchvision} (Debian: {@code apt-get install
 * python3-torch python3-torchvision}) the benchmark says so and reports this library alone. This library's inference
 * is timed twice: the trained network, and its {@link InferenceFolding} copy (batch norms folded into the
 * convolutions; PyTorch's side is its plain eval mode, unfolded), and a third time as the network exported to ONNX
 * ({@link OnnxExport}) run by ONNX Runtime ({@link OnnxClassifier}), after checking that its outputs equal DL4J's.
 *
 * <p>Run: {@code mvn test -Pbenchmark -Dtest=PyTorchSideBySideBenchmark}; results in target/benchmarks/side-by-side.md.
 */
@Tag("benchmark")
class PyTorchSideBySideBenchmark {

    private static final int BATCH = 8;
    private static final int SIZE = 224;
    private static final int WARMUP = 2;
    private static final int ROUNDS = Integer.getInteger("wisesrnet.sidebyside.rounds", 7);
    private static final int THREADS = Integer.getInteger("wisesrnet.sidebyside.threads",
            Runtime.getRuntime().availableProcessors());

    /** One network to time: a training step and an inference pass, each returning milliseconds. */
    private interface Variant extends AutoCloseable {
        String framework();

        Head head();

        double trainStep() throws IOException;

        double inference() throws IOException;

        /** An inference pass of the {@link InferenceFolding folded} copy, or NaN where there is none. */
        default double foldedInference() {
            return Double.NaN;
        }

        /** An inference pass of the network exported to ONNX, run by ONNX Runtime, or NaN where there is none. */
        default double onnxInference() {
            return Double.NaN;
        }

        @Override
        default void close() throws IOException {
        }
    }

    private record Dl4jVariant(Head head, ComputationGraph net, ComputationGraph folded, OnnxClassifier onnx,
            INDArray x, INDArray y) implements Variant {
        @Override
        public String framework() {
            return "this library (DL4J 1.0.0-M2.1)";
        }

        @Override
        public double trainStep() {
            long start = System.nanoTime();
            net.fit(new INDArray[]{x}, new INDArray[]{y});
            return (System.nanoTime() - start) / 1e6;
        }

        @Override
        public double inference() {
            long start = System.nanoTime();
            net.outputSingle(false, x);
            return (System.nanoTime() - start) / 1e6;
        }

        @Override
        public double foldedInference() {
            long start = System.nanoTime();
            folded.outputSingle(false, x);
            return (System.nanoTime() - start) / 1e6;
        }

        @Override
        public double onnxInference() {
            long start = System.nanoTime();
            onnx.output(x);
            return (System.nanoTime() - start) / 1e6;
        }

        @Override
        public void close() {
            onnx.close();
        }
    }

    /** torchvision's ResNet50 in a Python worker process, which times its own calls. */
    private static final class TorchVariant implements Variant {
        private final Head head;
        private final Process process;
        private final BufferedWriter in;
        private final BufferedReader out;
        private final String version;

        TorchVariant(Head head, Path script, String version) throws IOException {
            this.head = head;
            this.version = version;
            process = new ProcessBuilder(python, script.toString()).redirectError(ProcessBuilder.Redirect.INHERIT)
                    .start();
            in = new BufferedWriter(new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8));
            out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
            String ready = send("setup " + (head == Head.GAP ? "gap" : "wise-srnet") + " " + BATCH + " " + SIZE + " "
                    + THREADS);
            assertTrue(ready.startsWith("ready "), ready);
        }

        private String send(String command) throws IOException {
            in.write(command);
            in.newLine();
            in.flush();
            String answer = out.readLine();
            if (answer == null) {
                throw new IOException("The PyTorch worker stopped (see its error output above)");
            }
            return answer;
        }

        private double timed(String command) throws IOException {
            String answer = send(command);
            assertTrue(answer.startsWith("ms "), answer);
            return Double.parseDouble(answer.substring(3));
        }

        @Override
        public String framework() {
            return "PyTorch " + version;
        }

        @Override
        public Head head() {
            return head;
        }

        @Override
        public double trainStep() throws IOException {
            return timed("train");
        }

        @Override
        public double inference() throws IOException {
            return timed("infer");
        }

        @Override
        public void close() throws IOException {
            try {
                send("quit");
            } catch (IOException ignored) {
                // already gone
            }
            process.destroy();
        }
    }

    @Test
    void resnet50StepAndInferenceAgainstPyTorch() throws Exception {
        OneDnnHelpers.useByDefault();
        String torchVersion = torchVersion();
        List<Variant> variants = new ArrayList<>();
        ComputationGraph features = Backbone.RESNET50.featureExtractor(SIZE, SIZE, 3);
        Nd4j.getRandom().setSeed(1);
        INDArray x = Nd4j.rand(DataType.FLOAT, BATCH, 3, SIZE, SIZE).muli(255).subi(120);
        INDArray y = TestNets.labels(BATCH, 6, DataType.FLOAT);
        for (Head head : List.of(Head.GAP, Head.WISE_SRNET)) {
            ComputationGraph net = WiseSrNet.attach(features, 6, head);
            OneDnnHelpers.enableForwardCache(net); // the command line's setup: tune (by attach) + forward cache
            OnnxClassifier onnx = OnnxClassifier.of(OnnxExport.of(net).toBytes(), THREADS);
            INDArray expected = net.outputSingle(false, x);
            assertTrue(expected.equalsWithEps(onnx.output(x), 1e-4), "ONNX Runtime computes what DL4J computes");
            variants.add(new Dl4jVariant(head, net, InferenceFolding.fold(net), onnx, x, y));
        }
        Path script = null;
        if (torchVersion != null) {
            script = workerScript();
            for (Head head : List.of(Head.GAP, Head.WISE_SRNET)) {
                variants.add(new TorchVariant(head, script, torchVersion));
            }
        }
        try {
            for (Variant v : variants) {
                for (int i = 0; i < WARMUP; i++) {
                    v.trainStep();
                    v.inference();
                    v.foldedInference();
                    v.onnxInference();
                }
            }
            double[][] train = new double[variants.size()][ROUNDS];
            double[][] infer = new double[variants.size()][ROUNDS];
            double[][] folded = new double[variants.size()][ROUNDS];
            double[][] onnx = new double[variants.size()][ROUNDS];
            for (int r = 0; r < ROUNDS; r++) {
                for (int k = 0; k < variants.size(); k++) {
                    int i = (k + r) % variants.size(); // rotate the order every round
                    train[i][r] = variants.get(i).trainStep();
                    infer[i][r] = variants.get(i).inference();
                    folded[i][r] = variants.get(i).foldedInference();
                    onnx[i][r] = variants.get(i).onnxInference();
                }
            }
            write(variants, train, infer, folded, onnx, torchVersion);
        } finally {
            for (Variant v : variants) {
                v.close();
            }
            if (script != null) {
                Files.deleteIfExists(script);
            }
        }
    }

    private static void write(List<Variant> variants, double[][] train, double[][] infer, double[][] folded,
            double[][] onnx, String torchVersion) throws IOException {
        BenchmarkTable table = new BenchmarkTable("framework", "head", "train step median ms", "images/s (train)",
                "inference median ms", "images/s (inference)", "train images/s vs PyTorch",
                "inference images/s vs PyTorch", "folded inference median ms", "folded inference images/s vs PyTorch",
                "ONNX Runtime inference median ms", "ONNX Runtime images/s", "ONNX Runtime images/s vs PyTorch",
                "train steps (ms)", "inference passes (ms)", "folded inference passes (ms)",
                "ONNX Runtime passes (ms)");
        int torchOffset = variants.size() / 2;
        for (int k = 0; k < variants.size(); k++) {
            Variant v = variants.get(k);
            double t = BenchmarkTable.median(train[k]);
            double i = BenchmarkTable.median(infer[k]);
            assertTrue(t > 0 && i > 0);
            double f = BenchmarkTable.median(folded[k]);
            double o = BenchmarkTable.median(onnx[k]);
            String trainRatio = "";
            String inferRatio = "";
            String foldedRatio = "";
            String onnxRatio = "";
            if (torchVersion != null && k < torchOffset) {
                // images/s ratio = PyTorch's time / this library's time, same head
                trainRatio = String.format(java.util.Locale.ROOT, "%.2f",
                        BenchmarkTable.median(train[k + torchOffset]) / t);
                inferRatio = String.format(java.util.Locale.ROOT, "%.2f",
                        BenchmarkTable.median(infer[k + torchOffset]) / i);
                foldedRatio = String.format(java.util.Locale.ROOT, "%.2f",
                        BenchmarkTable.median(infer[k + torchOffset]) / f);
                onnxRatio = String.format(java.util.Locale.ROOT, "%.2f",
                        BenchmarkTable.median(infer[k + torchOffset]) / o);
            }
            boolean hasFolded = !Double.isNaN(f);
            boolean hasOnnx = !Double.isNaN(o);
            table.add(v.framework(), v.head().name(), t, BATCH * 1000 / t, i, BATCH * 1000 / i, trainRatio,
                    inferRatio, hasFolded ? String.format(java.util.Locale.ROOT, "%.1f", f) : "", foldedRatio,
                    hasOnnx ? String.format(java.util.Locale.ROOT, "%.1f", o) : "",
                    hasOnnx ? String.format(java.util.Locale.ROOT, "%.1f", BATCH * 1000 / o) : "", onnxRatio,
                    join(train[k]), join(infer[k]), hasFolded ? join(folded[k]) : "", hasOnnx ? join(onnx[k]) : "");
        }
        table.write("side-by-side", "ResNet50 at " + SIZE + "x" + SIZE + ", batch " + BATCH + ": this library and"
                        + " PyTorch on the same CPU",
                "Machine: " + BenchmarkTable.machine() + ", " + OneDnnHelpers.describe() + ". " + THREADS
                        + " threads in both; ONNX Runtime " + onnxRuntimeVersion() + " on the exported network"
                        + " (OnnxClassifier: graph optimization level ALL_OPT, " + THREADS + " intra-op threads,"
                        + " sequential execution). " + ROUNDS + " interleaved rounds after " + WARMUP
                        + " warm-up steps;"
                        + " medians. " + (torchVersion == null ? "PyTorch not found (python3 with torch and"
                        + " torchvision; Debian: apt-get install python3-torch python3-torchvision): this library"
                        + " alone. " : "") + "Command: mvn test -Pbenchmark -Dtest=PyTorchSideBySideBenchmark");
    }

    private static String onnxRuntimeVersion() {
        String version = ai.onnxruntime.OrtEnvironment.class.getPackage().getImplementationVersion();
        return version != null ? version : "(version not in its jar's manifest)";
    }

    private static String join(double[] values) {
        StringBuilder sb = new StringBuilder();
        for (double v : values) {
            sb.append(sb.length() == 0 ? "" : " ").append(Math.round(v));
        }
        return sb.toString();
    }

    /**
     * PyTorch's version, or null (with the reason printed) when no Python with torch and torchvision is found
     * ({@link TorchPython}).
     */
    private static String torchVersion() {
        java.util.Optional<TorchPython> found = TorchPython.find("torch", "torchvision");
        if (found.isEmpty()) {
            System.out.println("PyTorch not available (" + TorchPython.whyMissing() + "): reporting this library alone");
            return null;
        }
        python = found.get().executable();
        return found.get().torchVersion();
    }

    /** The Python that has PyTorch (set by {@link #torchVersion()}). */
    private static String python = "python3";

    private static Path workerScript() throws IOException {
        Path script = Files.createTempFile("pytorch_resnet50_worker", ".py");
        try (InputStream in = PyTorchSideBySideBenchmark.class.getResourceAsStream(
                "/benchmarks/pytorch_resnet50_worker.py")) {
            assertTrue(in != null, "worker script missing from the test resources");
            Files.copy(in, script, StandardCopyOption.REPLACE_EXISTING);
        }
        return script;
    }
}
