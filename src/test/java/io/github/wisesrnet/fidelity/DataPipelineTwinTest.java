package io.github.wisesrnet.fidelity;

import io.github.wisesrnet.TorchPython;
import io.github.wisesrnet.data.Augmentation;
import io.github.wisesrnet.data.ImageFolderData;
import io.github.wisesrnet.data.ImageOptions;
import io.github.wisesrnet.data.TestImages;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.shade.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The library's image pipeline (OpenCV through JavaCV: decoding, resizing, colour order, caffe preprocessing, the
 * paper's augmentation) against PIL and PyTorch ({@code src/test/python/twin_pipeline.py}) on the same Intel
 * files. Decoding, colour order and caffe must agree to the JPEG decoders' rounding (measured: identical); resizing
 * is within 3 levels of PIL's BOX filter on average (OpenCV's INTER_AREA, which the library uses to shrink, averages
 * areas as BOX does; measured 2.5); each augmentation
 * alone gives the same distribution of image means and spreads over many draws as the PyTorch twin's. Measured
 * values go to {@code target/fidelity/data-pipeline.txt}. Needs a Python with PyTorch and torchvision and the Intel
 * images; skips, saying which is missing, without them.
 */
class DataPipelineTwinTest {

    private static final Path INTEL = TestImages.INTEL;
    private static final Path DIR = Path.of("target/fidelity/data-pipeline");
    private static final int PER_CLASS = 10;
    private static final int SIZE = 48;
    private static final int NATIVE = 150;
    private static final int REPEATS = 30;
    private static final Map<String, Augmentation> ALONE = new LinkedHashMap<>();

    static {
        Augmentation none = Augmentation.none();
        ALONE.put("rotation", none.withRotationDegrees(360));
        ALONE.put("shift", none.withShift(0.1, 0.1));
        ALONE.put("zoom", none.withZoom(0.2));
        ALONE.put("flips", none.withHorizontalFlip(true).withVerticalFlip(true));
        ALONE.put("channel", none.withChannelShift(50));
        ALONE.put("brightness", none.withBrightness(0.0, 1.2));
        ALONE.put("paper", Augmentation.paper());
    }

    @BeforeAll
    static void runTheTwin() throws IOException, InterruptedException {
        TorchPython python = TorchPython.find("torch", "torchvision").orElse(null);
        assumeTrue(python != null, "data pipeline twin skipped: " + TorchPython.whyMissing());
        assumeTrue(Files.isDirectory(INTEL.resolve("train")),
                "data pipeline twin skipped: the Intel images are not at " + INTEL.toAbsolutePath());
        Files.createDirectories(DIR);
        Map<String, Object> spec = new LinkedHashMap<>();
        spec.put("root", INTEL.resolve("test").toAbsolutePath().toString());
        spec.put("augmentRoot", INTEL.resolve("train").toAbsolutePath().toString());
        spec.put("perClass", PER_CLASS);
        spec.put("size", SIZE);
        spec.put("native", NATIVE);
        spec.put("repeats", REPEATS);
        spec.put("seed", 1);
        Map<String, Object> augmentations = new LinkedHashMap<>();
        ALONE.forEach((name, a) -> augmentations.put(name, Map.of("rotation", a.rotationDegrees(),
                "shift", a.widthShift(), "zoom", a.zoom(), "flips", a.horizontalFlip(),
                "channel", a.channelShift(), "brightness", List.of(a.brightnessMin(), a.brightnessMax()))));
        spec.put("augmentations", augmentations);
        Files.writeString(DIR.resolve("case.json"), new ObjectMapper().writeValueAsString(spec),
                StandardCharsets.UTF_8);
        Process process = new ProcessBuilder(python.executable(), "src/test/python/twin_pipeline.py",
                DIR.toString()).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(10, TimeUnit.MINUTES) || process.exitValue() != 0) {
            throw new IllegalStateException("the data pipeline twin failed:\n" + output);
        }
    }

    @Test
    void decodingColourOrderAndCaffeAgreeWithPil() throws IOException {
        INDArray mine = images(Path.of("test"), NATIVE, Augmentation.none(), 0).getFeatures();
        INDArray theirs = Nd4j.createFromNpyFile(DIR.resolve("native.npy").toFile()).castTo(mine.dataType());
        INDArray mask = Nd4j.createFromNpyFile(DIR.resolve("native_mask.npy").toFile());
        assertEquals(theirs.size(0), mine.size(0), "both sides list the same files");
        double sum = 0;
        double max = 0;
        int compared = 0;
        for (int i = 0; i < mine.size(0); i++) {
            if (mask.getDouble(i) == 0) {
                continue; // not 150x150: the library resizes it
            }
            INDArray diff = Nd4j.math().abs(mine.get(NDArrayIndex.point(i)).sub(theirs.get(NDArrayIndex.point(i))));
            sum += diff.meanNumber().doubleValue();
            max = Math.max(max, diff.maxNumber().doubleValue());
            compared++;
        }
        double mean = sum / compared;
        record("native %dx%d, %d images: mean |OpenCV - PIL| %.3f, max %.0f (pixel levels, after caffe)", NATIVE,
                NATIVE, compared, mean, max);
        // Two JPEG decoders differ by their IDCT's rounding: a level here and there. A wrong channel order or mean
        // moves every pixel by tens of levels.
        assertTrue(compared >= 50, "compared " + compared);
        assertTrue(mean < 0.5, "mean difference " + mean);
        assertTrue(max <= 16, "max difference " + max);
    }

    @Test
    void resizingAveragesAreasAsPilsBoxFilterDoes() throws IOException {
        INDArray mine = images(Path.of("test"), SIZE, Augmentation.none(), 0).getFeatures();
        Map<String, Double> meanDiff = new LinkedHashMap<>();
        for (String filter : List.of("BOX", "BILINEAR", "BICUBIC", "LANCZOS", "NEAREST")) {
            INDArray theirs = Nd4j.createFromNpyFile(DIR.resolve("resized_" + filter + ".npy").toFile())
                    .castTo(mine.dataType());
            meanDiff.put(filter, Nd4j.math().abs(mine.sub(theirs)).meanNumber().doubleValue());
        }
        StringBuilder sb = new StringBuilder();
        meanDiff.forEach((f, d) -> sb.append(String.format(" %s %.2f", f, d)));
        record("resize %d -> %d, mean |library - PIL| by PIL filter (levels):%s", NATIVE, SIZE, sb);
        // OpenCV's INTER_AREA and PIL's BOX both average the source area of each output pixel; at 150 -> 48 (not a
        // whole ratio) they differ by their rounding and weights, about 2.5 levels of 255 on average (measured). A
        // resize without antialiasing, as PIL's NEAREST or OpenCV's INTER_LINEAR when shrinking, is 5 times further.
        assertTrue(meanDiff.get("BOX") < 3.0, sb.toString());
        assertTrue(meanDiff.get("NEAREST") > 4 * meanDiff.get("BOX"), sb.toString());
    }

    @Test
    void eachAugmentationAloneHasTheTwinsDistribution() throws IOException {
        for (Map.Entry<String, Augmentation> e : ALONE.entrySet()) {
            double[][] mine = new double[REPEATS * PER_CLASS * 6][];
            int k = 0;
            for (int epoch = 0; epoch < REPEATS; epoch++) {
                INDArray x = images(Path.of("train"), SIZE, e.getValue(), epoch).getFeatures();
                for (int i = 0; i < x.size(0); i++) {
                    INDArray flat = x.get(NDArrayIndex.point(i)).reshape(-1);
                    mine[k++] = new double[] {flat.meanNumber().doubleValue(), flat.stdNumber().doubleValue()};
                }
            }
            double[][] theirs = Nd4j.createFromNpyFile(DIR.resolve("aug_" + e.getKey() + ".npy").toFile())
                    .toDoubleMatrix();
            Path fill0 = DIR.resolve("aug_" + e.getKey() + "_fill0.npy");
            String zeroFill = Files.exists(fill0)
                    ? "; torchvision, corners 0: " + describe(Nd4j.createFromNpyFile(fill0.toFile()).toDoubleMatrix())
                    : "";
            record("%-10s library: %s; PyTorch twin: %s%s", e.getKey(), describe(mine), describe(theirs), zeroFill);
            for (int stat = 0; stat < 2; stat++) {
                double a = mean(mine, stat);
                double b = mean(theirs, stat);
                double sa = sd(mine, stat);
                double sb = sd(theirs, stat);
                // Same images, 1,800 draws each: the means of the statistics agree within 2 levels, their spreads
                // within 10%.
                assertTrue(Math.abs(a - b) < 2.0, e.getKey() + " stat " + stat + ": " + a + " vs " + b);
                assertTrue(Math.abs(sa - sb) < 0.1 * Math.max(sa, sb) + 0.5,
                        e.getKey() + " stat " + stat + " spread: " + sa + " vs " + sb);
            }
        }
    }

    private static String describe(double[][] s) {
        return String.format("image mean %.1f (sd %.1f), image sd %.1f (sd %.1f)", mean(s, 0), sd(s, 0), mean(s, 1),
                sd(s, 1));
    }

    private static double mean(double[][] s, int column) {
        double sum = 0;
        for (double[] row : s) {
            sum += row[column];
        }
        return sum / s.length;
    }

    private static double sd(double[][] s, int column) {
        double m = mean(s, column);
        double sum = 0;
        for (double[] row : s) {
            sum += (row[column] - m) * (row[column] - m);
        }
        return Math.sqrt(sum / (s.length - 1));
    }

    /** The first PER_CLASS images of each class of a split, at {@code size}, caffe, augmented for {@code epoch}. */
    private static DataSet images(Path split, int size, Augmentation augmentation, int epoch) {
        ImageOptions options = ImageOptions.of(size, size).withAugmentation(augmentation).withMaxPerClass(PER_CLASS)
                .withWorkers(1);
        DataSetIterator it = split.toString().equals("test")
                ? ImageFolderData.testOnly(INTEL, options).test(64)
                : ImageFolderData.trainTest(INTEL, options).train(64, 1, epoch);
        return PyTorchTwinStepTest.all(it);
    }

    private static synchronized void record(String format, Object... args) throws IOException {
        String line = String.format(format, args);
        System.out.println(line);
        Files.writeString(DIR.resolveSibling("data-pipeline.txt"), line + System.lineSeparator(),
                StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }
}
