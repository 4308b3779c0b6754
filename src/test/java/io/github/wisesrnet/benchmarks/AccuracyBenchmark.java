package io.github.wisesrnet.benchmarks;

import io.github.wisesrnet.data.TestImages;
import io.github.wisesrnet.Head;
import io.github.wisesrnet.cpu.OneDnnHelpers;
import io.github.wisesrnet.backbones.Backbone;
import io.github.wisesrnet.data.ClassificationData;
import io.github.wisesrnet.data.DataSpec;
import io.github.wisesrnet.app.compare.Comparison;
import io.github.wisesrnet.train.EpochMetrics;
import io.github.wisesrnet.app.compare.HeadResult;
import io.github.wisesrnet.train.ProgressReporter;
import io.github.wisesrnet.train.TrainingConfig;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Accuracy: GAP vs Wise-SrNet (and any other head of the paper) trained with the same backbone, initial weights,
 * seed, data order, augmentation and schedule, repeated over several seeds; mean and spread of the best and the final
 * test top-1, and learning curves. On the real Intel images and on the generated spatial data set.
 *
 * <p>Sized to run in about an hour on 2 cores by default; every setting is a system property:
 * {@code -Dwisesrnet.accuracy.seeds=1,2,3 -Dwisesrnet.accuracy.epochs=... -Dwisesrnet.accuracy.size=...
 * -Dwisesrnet.accuracy.backbone=small-cnn -Dwisesrnet.accuracy.heads=gap,wise-srnet}. Intel images are read from
 * {@code ../shared/datasets/intel-image-classification} ({@code -Dwisesrnet.intel.dir}); that test is skipped,
 * saying so, when they are absent.
 *
 * <p>Run: {@code mvn test -Pbenchmark -Dtest=AccuracyBenchmark}. Results: target/benchmarks/accuracy-*.md/.csv/.png.
 */
@Tag("benchmark")
class AccuracyBenchmark {

    private static final Logger log = LoggerFactory.getLogger(AccuracyBenchmark.class);

    static final Path INTEL = TestImages.INTEL;

    @Test
    void intelImages() throws Exception {
        assumeTrue(Files.isDirectory(INTEL.resolve("train")) && Files.isDirectory(INTEL.resolve("test")),
                "Intel images not found at " + INTEL.toAbsolutePath() + " (set -Dwisesrnet.intel.dir): skipped");
        int size = Integer.getInteger("wisesrnet.accuracy.size", 64);
        int epochs = Integer.getInteger("wisesrnet.accuracy.epochs", 10);
        Backbone backbone = Backbone.fromName(System.getProperty("wisesrnet.accuracy.backbone", "small-cnn"));
        DataSpec spec = new DataSpec(INTEL, null, size, size, CNN2DFormat.NCHW, "caffe", true, 0, false, 0, 0, 0, 0, null);
        study("accuracy-intel", "Intel images " + size + "x" + size + ", " + backbone.cliName(), backbone, spec,
                epochs, 70);
    }

    @Test
    void generatedSpatialData() throws Exception {
        int epochs = Integer.getInteger("wisesrnet.accuracy.generated.epochs", 6);
        DataSpec spec = new DataSpec(null, null, 32, 32, CNN2DFormat.NCHW, "unit", false, 0, false, 3, 1800, 450, 0, null);
        study("accuracy-generated", "Generated 3x3 spatial patterns 32x32, tiny", Backbone.TINY, spec, epochs, 32);
    }

    private static void study(String name, String title, Backbone backbone, DataSpec spec, int epochs, int batch)
            throws Exception {
        long[] seeds = Arrays.stream(System.getProperty("wisesrnet.accuracy.seeds", "1,2,3").split(","))
                .map(String::trim).mapToLong(Long::parseLong).toArray();
        List<Head> heads = new ArrayList<>();
        for (String h : System.getProperty("wisesrnet.accuracy.heads", "gap,wise-srnet").split(",")) {
            heads.add(Head.fromName(h.trim()));
        }
        SeedStudy study = new SeedStudy();
        ClassificationData data = null;
        for (long seed : seeds) {
            DataSpec seeded = new DataSpec(spec.folder(), spec.testFraction(), spec.height(), spec.width(),
                    spec.format(), spec.preprocessing(), spec.augment(), spec.maxPerClass(), spec.strict(),
                    spec.grid(), spec.trainSize(), spec.testSize(), seed, null);
            if (data == null || spec.generated()) { // image folders: decoded per batch, the same for every seed
                data = seeded.load(Runtime.getRuntime().availableProcessors());
            }
            TrainingConfig config = new TrainingConfig(epochs, batch, io.github.wisesrnet.train.Optimizer.SGD,
                    0.045, 0.9, 0.94, 2, seed, null, null, null, null);
            Comparison comparison = new Comparison(backbone, heads, config, null, false, "AccuracyBenchmark",
                    seeded);
            List<HeadResult> results = comparison.run(data, progress(seed));
            assertEquals(heads.size(), results.size());
            for (HeadResult r : results) {
                assertEquals(epochs, r.epochs().size());
                EpochMetrics last = r.epochs().get(epochs - 1);
                assertTrue(Double.isFinite(last.trainLoss()), r.head() + " diverged with seed " + seed);
                log.info("seed {} {}: best {} final {}", seed, r.head(), pct(r.best().testTop1()),
                        pct(last.testTop1()));
            }
            study.add(seed, results);
        }
        study.write(name, title, String.format(Locale.ROOT,
                "Data: %s. Backbone %s, input %dx%d, %d epochs, batch %d, the paper's SGD schedule (lr 0.045 x 0.94"
                        + " every 2 epochs, momentum 0.9), augmentation %s, heads trained one after the other from"
                        + " the same initial backbone weights. Machine: %s, %s. Command: mvn test -Pbenchmark"
                        + " -Dtest=AccuracyBenchmark#%s%s.",
                data.description(), backbone.cliName(), spec.height(), spec.width(), epochs, batch,
                spec.augment() ? "the paper's" : "none", BenchmarkTable.machine(), OneDnnHelpers.describe(),
                spec.generated() ? "generatedSpatialData" : "intelImages", propertiesUsed()));
    }

    private static String propertiesUsed() {
        StringBuilder sb = new StringBuilder();
        for (String key : System.getProperties().stringPropertyNames()) {
            if (key.startsWith("wisesrnet.accuracy.")) {
                sb.append(" -D").append(key).append('=').append(System.getProperty(key));
            }
        }
        return sb.toString();
    }

    private static String pct(double v) {
        return String.format(Locale.ROOT, "%.2f%%", 100 * v);
    }

    /** One log line per epoch, so that a long run shows where it is. */
    private static ProgressReporter progress(long seed) {
        return new ProgressReporter() {
            @Override
            public void epochFinished(EpochMetrics m) {
                log.info("seed {} epoch {}: train loss {} test top-1 {} ({} s, {} images/s)", seed, m.epoch(),
                        String.format(Locale.ROOT, "%.4f", m.trainLoss()), pct(m.testTop1()),
                        String.format(Locale.ROOT, "%.0f", m.seconds()),
                        String.format(Locale.ROOT, "%.0f", m.imagesPerSecond()));
            }
        };
    }
}
