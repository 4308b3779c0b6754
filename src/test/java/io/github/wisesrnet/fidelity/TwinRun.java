package io.github.wisesrnet.fidelity;

import io.github.wisesrnet.TorchPython;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.shade.jackson.databind.ObjectMapper;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One step-for-step run: the same starting weights, batches and recipe trained here and by the PyTorch twin
 * ({@code src/test/python/twin_steps.py}), and what each ended with.
 *
 * @param dl4jLosses   the loss of every step here (the score of the batch before its update)
 * @param torchLosses  the loss of every step in the twin
 * @param dl4jFinal    every parameter and batch-norm statistic here after the last step, by "vertex.key"
 * @param torchFinal   the same in the twin (DL4J's layouts)
 * @param dl4jEval     softmax outputs on the held-out batch here, eval mode
 * @param torchEval    the same in the twin
 * @param reference    the twin's reference run (double precision, perturbed start), or null when not asked for
 */
record TwinRun(double[] dl4jLosses, double[] torchLosses, Map<String, INDArray> dl4jFinal,
        Map<String, INDArray> torchFinal, INDArray dl4jEval, INDArray torchEval, TwinRun reference) {

    /**
     * The twin trained again in double precision from weights changed by a relative {@code perturbation} (0: not
     * changed). Against the twin's own run it measures how far this network carries differences of rounding size:
     * some networks (ResNet50 on batches of 4) multiply them by ~100 per step, so that two exact implementations part
     * after a few steps, and a comparison has to be read against that.
     */
    record Reference(double perturbation) {
    }

    /** The twin's script, from the project's sources (tests run from the project folder). */
    static final Path SCRIPT = Path.of("src/test/python/twin_steps.py");

    /** The conventions the twin follows where the frameworks differ (see the script's documentation). */
    record Conventions(String nesterov, String runningVariance) {
        /** The paper's Keras code's, which DL4J shares. */
        static final Conventions KERAS = new Conventions("keras", "biased");
        /** PyTorch's own: torch.optim.SGD(nesterov=True) and BatchNorm2d's unbiased running variance. */
        static final Conventions PYTORCH = new Conventions("pytorch", "unbiased");
    }

    /** Learning-rate schedule of both sides: the recipe's step decay, on epochs of {@code stepsPerEpoch} steps. */
    record Recipe(double learningRate, double momentum, double decayRate, int decayEveryEpochs, int stepsPerEpoch) {
    }

    /**
     * Writes the case, trains {@code net} here on {@code order}'s batches (updating the epoch count every
     * {@code recipe.stepsPerEpoch()} steps, as the trainer does), runs the twin on the same files and reads back.
     * {@code net} must carry the recipe's updater already.
     */
    static TwinRun run(TorchPython python, Path dir, ComputationGraph net, INDArray x, INDArray y, int[][] order,
            INDArray xEval, Recipe recipe, Conventions conventions, Reference reference)
            throws IOException, InterruptedException {
        Files.createDirectories(dir.resolve("params"));
        Map<String, Object> spec = new LinkedHashMap<>();
        spec.put("dtype", net.params().dataType().name().toLowerCase());
        spec.put("threads", 1);
        spec.put("recipe", recipe);
        spec.put("conventions", Map.of("nesterov", conventions.nesterov(),
                "running_var", conventions.runningVariance()));
        spec.put("vertices", TwinGraph.describe(net));
        if (reference != null) {
            spec.put("reference", reference);
        }
        Files.writeString(dir.resolve("case.json"), new ObjectMapper().writerWithDefaultPrettyPrinter()
                .writeValueAsString(spec), StandardCharsets.UTF_8);
        for (Map.Entry<String, INDArray> p : TwinGraph.parameters(net).entrySet()) {
            write(p.getValue(), dir.resolve("params").resolve(p.getKey() + ".npy"));
        }
        write(x, dir.resolve("x.npy"));
        write(y, dir.resolve("y.npy"));
        write(Nd4j.createFromArray(order), dir.resolve("order.npy"));
        write(xEval, dir.resolve("x_eval.npy"));

        // The twin needs only the files above: it trains on one core while DL4J trains here.
        Process process = new ProcessBuilder(python.executable(), SCRIPT.toString(), dir.toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("twin.log").toFile()).start();
        long start = System.nanoTime();
        double[] losses = new double[order.length];
        for (int step = 0; step < order.length; step++) {
            net.fit(new DataSet(rows(x, order[step]), rows(y, order[step])));
            losses[step] = net.score();
            if ((step + 1) % recipe.stepsPerEpoch() == 0) {
                net.incrementEpochCount();
            }
        }
        Map<String, INDArray> dl4jFinal = new LinkedHashMap<>();
        TwinGraph.parameters(net).forEach((k, v) -> dl4jFinal.put(k, v.dup()));
        INDArray dl4jEval = net.outputSingle(false, xEval).dup();
        long trained = System.nanoTime();
        if (!process.waitFor(10, TimeUnit.MINUTES) || process.exitValue() != 0) {
            process.destroyForcibly();
            throw new IllegalStateException("the PyTorch twin failed:\n" + Files.readString(dir.resolve("twin.log")));
        }
        System.out.printf("%s: DL4J %.1f s, then waited %.1f s for the PyTorch twin%n", dir.getFileName(),
                (trained - start) / 1e9, (System.nanoTime() - trained) / 1e9);
        write(Nd4j.createFromArray(losses), dir.resolve("dl4j_losses.npy"));
        Map<String, INDArray> torchFinal = new LinkedHashMap<>();
        for (String key : dl4jFinal.keySet()) {
            torchFinal.put(key, read(dir.resolve("final").resolve(key + ".npy")));
        }
        double[] torchLosses = read(dir.resolve("losses.npy")).toDoubleVector();
        INDArray torchEval = read(dir.resolve("eval.npy"));
        TwinRun referenceRun = null;
        if (reference != null) { // the reference against the twin, in the same record shape
            Map<String, INDArray> referenceFinal = new LinkedHashMap<>();
            for (String key : dl4jFinal.keySet()) {
                referenceFinal.put(key, read(dir.resolve("final_reference").resolve(key + ".npy")));
            }
            referenceRun = new TwinRun(read(dir.resolve("losses_reference.npy")).toDoubleVector(), torchLosses,
                    referenceFinal, torchFinal, read(dir.resolve("eval_reference.npy")), torchEval, null);
        }
        TwinRun result = new TwinRun(losses, torchLosses, dl4jFinal, torchFinal, dl4jEval, torchEval, referenceRun);
        StringBuilder table = new StringBuilder("parameter\trelative difference\tlargest |value| in the twin\n");
        result.parameterDifferences().forEach((key, d) -> table.append(key).append('\t').append(String.format("%.2e",
                d)).append('\t').append(String.format("%.2e", torchFinal.get(key).amaxNumber().doubleValue()))
                .append('\n'));
        Files.writeString(dir.resolve("parameters.txt"), table, StandardCharsets.UTF_8);
        return result;
    }

    /** |DL4J - twin| / |twin| of every step's loss. */
    double[] lossDifferences() {
        double[] out = new double[dl4jLosses.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = Math.abs(dl4jLosses[i] - torchLosses[i]) / Math.abs(torchLosses[i]);
        }
        return out;
    }

    /** Largest loss difference over steps {@code [from, to)}. */
    double maxLossDifference(int from, int to) {
        double[] d = lossDifferences();
        double max = 0;
        for (int i = from; i < to; i++) {
            max = Math.max(max, d[i]);
        }
        return max;
    }

    /** Per parameter: max |DL4J - twin| over its entries, relative to its largest magnitude in the twin. */
    Map<String, Double> parameterDifferences() {
        Map<String, Double> out = new LinkedHashMap<>();
        dl4jFinal.forEach((key, mine) -> {
            INDArray theirs = torchFinal.get(key).reshape(mine.shape()).castTo(DataType.DOUBLE);
            double scale = Math.max(theirs.amaxNumber().doubleValue(), 1e-6);
            out.put(key, mine.castTo(DataType.DOUBLE).sub(theirs).amaxNumber().doubleValue() / scale);
        });
        return out;
    }

    /** The parameter whose relative difference is largest, with that difference. */
    Map.Entry<String, Double> worstParameter() {
        return parameterDifferences().entrySet().stream().max(Map.Entry.comparingByValue()).orElseThrow();
    }

    /** Largest |DL4J - twin| of the eval-mode softmax outputs. */
    double evalDifference() {
        INDArray theirs = torchEval.reshape(dl4jEval.shape()).castTo(DataType.DOUBLE);
        return dl4jEval.castTo(DataType.DOUBLE).sub(theirs).amaxNumber().doubleValue();
    }

    /**
     * Steps whose loss difference exceeds both {@code floor} and {@code factor} times the envelope: the largest
     * difference between the twin and its reference up to that step (how far the twin's own rounding-sized change
     * had travelled by then; the running maximum, because a single step's difference swings by orders of magnitude
     * around its trend). Empty when the run is within the envelope.
     */
    List<Integer> stepsOutsideEnvelope(double floor, double factor) {
        double[] d = lossDifferences();
        double[] reach = reference.lossDifferences();
        List<Integer> out = new java.util.ArrayList<>();
        double envelope = 0;
        for (int i = 0; i < d.length; i++) {
            envelope = Math.max(envelope, reach[i]);
            if (d[i] > Math.max(floor, factor * envelope)) {
                out.add(i + 1);
            }
        }
        return out;
    }

    /** One line: the loss differences at a few steps, the worst parameter and the eval difference. */
    String summary() {
        double[] d = lossDifferences();
        StringBuilder sb = new StringBuilder("loss rel. diff");
        for (int step : List.of(0, 9, 19, 20, 29, 39, 40, d.length - 1)) {
            if (step < d.length) {
                sb.append(String.format(" s%d %.1e", step + 1, d[step]));
            }
        }
        Map.Entry<String, Double> worst = worstParameter();
        String out = sb + String.format("; max over steps %.1e; worst parameter %s %.1e; eval outputs %.1e",
                maxLossDifference(0, d.length), worst.getKey(), worst.getValue(), evalDifference());
        return reference == null ? out : out + " | twin against its reference (" + reference.summary() + ")";
    }

    /** The examples {@code rows} of {@code array} (any rank), in that order. */
    static INDArray rows(INDArray array, int[] rows) {
        long[] shape = array.shape().clone();
        shape[0] = rows.length;
        return array.dup('c').reshape(array.size(0), -1).getRows(rows).reshape('c', shape);
    }

    private static void write(INDArray array, Path file) throws IOException {
        Nd4j.writeAsNumpy(array.dup('c'), file.toFile());
    }

    private static INDArray read(Path file) {
        File f = file.toFile();
        if (!f.isFile()) {
            throw new IllegalStateException("the PyTorch twin did not write " + file);
        }
        return Nd4j.createFromNpyFile(f);
    }
}
