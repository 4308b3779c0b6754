package io.github.wisesrnet.benchmarks;

import io.github.wisesrnet.Head;
import io.github.wisesrnet.cpu.OneDnnHelpers;
import io.github.wisesrnet.WiseSrNet;
import io.github.wisesrnet.backbones.Backbone;
import io.github.wisesrnet.app.report.Csv;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.WorkspaceMode;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Fastest CPU setup: a ResNet50 training step (224x224, batch 8, Wise-SrNet head) and an inference pass with the
 * ND4J binary this run loaded, in several DL4J setups, interleaved in one process: DL4J's oneDNN layer helpers on
 * (the library's default) and off (DL4J M2.1's default), NCHW vs NHWC, workspaces ENABLED vs NONE.
 *
 * <p>The binary is chosen by Maven; run once per binary and the rows add up in one table:
 * <pre>
 * for e in -onednn -onednn-avx2 -onednn-avx512 "" -avx2 -avx512; do
 *   mvn test -Pbenchmark -Dtest=CpuSetupBenchmark -Dnd4j.extension=$e; done
 * </pre>
 * Results: target/benchmarks/cpu-setup.md and .csv; the rows of every run are kept in cpu-setup-runs.csv (delete it
 * to start over).
 */
@Tag("benchmark")
class CpuSetupBenchmark {

    private static final int SIZE = 224;
    private static final int BATCH = 8;
    private static final int CLASSES = 6;
    private static final int WARMUP = Integer.getInteger("wisesrnet.cpu.warmup", 1);
    private static final int ROUNDS = Integer.getInteger("wisesrnet.cpu.rounds", 3);
    private static final String[] HEADER = {"ND4J binary (nd4j.extension)", "setup", "layer helpers",
            "train step median ms", "inference median ms", "train step vs library default (same binary)",
            "train steps (ms)"};

    record Setup(String name, boolean helpers, CNN2DFormat format, WorkspaceMode workspaces) {
    }

    @Test
    void resnet50StepPerSetup() throws Exception {
        String extension = System.getProperty("nd4j.extension", "?");
        String binary = (extension.isEmpty() ? "plain" : extension) + " (" + OneDnnHelpers.describe()
                .replace(", oneDNN layer helpers on", "").replace(", oneDNN layer helpers off", "")
                .replace(", oneDNN layer helpers n/a", "") + ")";
        List<Setup> setups = new ArrayList<>();
        setups.add(new Setup("library default: helpers on, NCHW, workspaces ENABLED", true, CNN2DFormat.NCHW,
                WorkspaceMode.ENABLED));
        if (OneDnnHelpers.oneDnnAvailable()) { // without oneDNN, no helper is created either way
            setups.add(new Setup("DL4J default: helpers off, NCHW, workspaces ENABLED", false, CNN2DFormat.NCHW,
                    WorkspaceMode.ENABLED));
        }
        setups.add(new Setup("helpers on, NHWC, workspaces ENABLED", true, CNN2DFormat.NHWC, WorkspaceMode.ENABLED));
        setups.add(new Setup("helpers on, NCHW, workspaces NONE", true, CNN2DFormat.NCHW, WorkspaceMode.NONE));

        List<ComputationGraph> nets = new ArrayList<>();
        List<INDArray> inputs = new ArrayList<>();
        List<String> helperState = new ArrayList<>();
        for (Setup s : setups) {
            if (s.helpers()) {
                OneDnnHelpers.enable();
            } else {
                OneDnnHelpers.disable();
            }
            helperState.add(OneDnnHelpers.active() ? "on" : OneDnnHelpers.oneDnnAvailable() ? "off" : "n/a");
            InputType.InputTypeConvolutional in = (InputType.InputTypeConvolutional) InputType.convolutional(SIZE,
                    SIZE, 3, s.format());
            ComputationGraph net = WiseSrNet.attach(Backbone.RESNET50.featureExtractor(in, 1L), CLASSES, Head.WISE_SRNET,
                    in);
            OneDnnHelpers.enableForwardCache(net); // the command line's setup: tune (by attach) + forward cache
            net.getConfiguration().setTrainingWorkspaceMode(s.workspaces());
            net.getConfiguration().setInferenceWorkspaceMode(s.workspaces());
            nets.add(net);
            Nd4j.getRandom().setSeed(1);
            inputs.add(s.format() == CNN2DFormat.NCHW ? Nd4j.rand(DataType.FLOAT, BATCH, 3, SIZE, SIZE)
                    : Nd4j.rand(DataType.FLOAT, BATCH, SIZE, SIZE, 3));
        }
        OneDnnHelpers.enable();
        INDArray labels = Nd4j.zeros(DataType.FLOAT, BATCH, CLASSES);
        for (int i = 0; i < BATCH; i++) {
            labels.putScalar(i, i % CLASSES, 1.0);
        }
        for (int w = 0; w < WARMUP; w++) {
            for (int i = 0; i < nets.size(); i++) {
                nets.get(i).fit(new INDArray[]{inputs.get(i)}, new INDArray[]{labels});
                nets.get(i).outputSingle(false, inputs.get(i));
            }
        }
        double[][] train = new double[nets.size()][ROUNDS];
        double[][] infer = new double[nets.size()][ROUNDS];
        for (int r = 0; r < ROUNDS; r++) {
            for (int k = 0; k < nets.size(); k++) {
                int i = (k + r) % nets.size();
                long t0 = System.nanoTime();
                nets.get(i).fit(new INDArray[]{inputs.get(i)}, new INDArray[]{labels});
                long t1 = System.nanoTime();
                nets.get(i).outputSingle(false, inputs.get(i));
                long t2 = System.nanoTime();
                train[i][r] = (t1 - t0) / 1e6;
                infer[i][r] = (t2 - t1) / 1e6;
                assertTrue(Double.isFinite(nets.get(i).score()), setups.get(i).name() + " gave a non-finite loss");
            }
        }
        double reference = BenchmarkTable.median(train[0]);
        List<String> rows = new ArrayList<>();
        for (int i = 0; i < setups.size(); i++) {
            double t = BenchmarkTable.median(train[i]);
            rows.add(Csv.record(List.of(binary, setups.get(i).name(), helperState.get(i), fmt(t),
                    fmt(BenchmarkTable.median(infer[i])), String.format(Locale.ROOT, "%.2f", t / reference),
                    join(train[i]))));
        }
        writeTables(rows);
    }

    /** Appends this run's rows to cpu-setup-runs.csv and rewrites cpu-setup.md/.csv from all rows. */
    private static void writeTables(List<String> rows) throws Exception {
        Path dir = Path.of("target", "benchmarks");
        Files.createDirectories(dir);
        Path csv = dir.resolve("cpu-setup-runs.csv");
        if (!Files.exists(csv)) {
            Files.writeString(csv, Csv.record(List.of(HEADER)));
        }
        Files.writeString(csv, String.join("", rows), StandardOpenOption.APPEND);
        BenchmarkTable table = new BenchmarkTable(HEADER);
        List<String> lines = Files.readAllLines(csv);
        for (String line : lines.subList(1, lines.size())) {
            table.add((Object[]) splitCsv(line));
        }
        table.write("cpu-setup", "ResNet50 224x224 batch 8 (Wise-SrNet head): CPU setups",
                "Machine: " + BenchmarkTable.machine() + ". Per binary, " + ROUNDS + " interleaved rounds after "
                        + WARMUP + " warm-up step(s) per setup; medians. Command: mvn test -Pbenchmark"
                        + " -Dtest=CpuSetupBenchmark -Dnd4j.extension=EXT (one run per binary).");
    }

    private static String fmt(double ms) {
        return String.format(Locale.ROOT, "%.0f", ms);
    }

    private static String join(double[] values) {
        StringBuilder sb = new StringBuilder();
        for (double v : values) {
            sb.append(sb.length() == 0 ? "" : " ").append(fmt(v));
        }
        return sb.toString();
    }

    /** Reads one record written by {@link Csv#record} (quoted fields, doubled quotes inside them). */
    private static String[] splitCsv(String line) {
        List<String> cells = new ArrayList<>();
        StringBuilder cell = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < line.length(); i++) {
            char ch = line.charAt(i);
            if (ch == '"' && quoted && i + 1 < line.length() && line.charAt(i + 1) == '"') {
                cell.append('"');
                i++;
            } else if (ch == '"') {
                quoted = !quoted;
            } else if (ch == ',' && !quoted) {
                cells.add(cell.toString());
                cell.setLength(0);
            } else {
                cell.append(ch);
            }
        }
        cells.add(cell.toString());
        return cells.toArray(new String[0]);
    }
}
