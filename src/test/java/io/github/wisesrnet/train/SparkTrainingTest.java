package io.github.wisesrnet.train;

import io.github.wisesrnet.app.compare.Comparison;
import io.github.wisesrnet.app.compare.HeadResult;
import io.github.wisesrnet.Head;
import io.github.wisesrnet.backbones.Backbone;
import io.github.wisesrnet.data.SpatialPatternData;
import io.github.wisesrnet.data.SpatialPatternDataSet;
import io.github.wisesrnet.layers.HeadInit;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Training on a real Spark engine, {@code local[N]}: the Wise-SrNet head learns the spatial task and GAP stays at
 * chance, as on one machine; one Spark worker averaging after every batch computes what one machine computes; the
 * network (WiseSrLayer included) goes through Spark's serialization unchanged; checkpoints written after Spark
 * training evaluate to the recorded accuracy.
 */
class SparkTrainingTest {

    private static final SpatialPatternData DATA = new SpatialPatternData(
            new SpatialPatternDataSet(24, 1, 2, 4, false), 800, 400, 1, CNN2DFormat.NCHW);

    private static TrainingConfig config(int epochs, SparkTraining spark) {
        return new TrainingConfig(epochs, 32, Optimizer.ADAM, 5e-3, 0.9, 1.0, 1, 123, HeadInit.PAPER, null, null,
                spark);
    }

    @Test
    void twoSparkWorkersLearnWhereThePatternIsWithWiseSrNetAndNotWithGap(@TempDir Path dir) throws Exception {
        List<HeadResult> results = new Comparison(Backbone.TINY, List.of(Head.WISE_SRNET, Head.GAP),
                config(5, new SparkTraining("local[2]", 1, null)), dir, false, "test", null)
                .run(DATA, ProgressReporter.NONE);
        double wise = results.get(0).best().testTop1();
        double gap = results.get(1).best().testTop1();
        assertTrue(wise >= 0.95, "Wise-SrNet on Spark local[2]: " + wise);
        assertTrue(gap <= 0.25 + 0.10, "GAP on Spark local[2]: " + gap);

        Checkpoints checkpoints = new Checkpoints(dir.resolve("wise-srnet"));
        RunRecord record = RunRecord.read(checkpoints.record());
        assertEquals(new SparkTraining("local[2]", 1, null), record.config().spark());
        ComputationGraph last = Checkpoints.load(checkpoints.last());
        Trainer.Evaluated evaluated = Trainer.evaluate(last, DATA.test(100), DATA.classNames(),
                ProgressReporter.NONE);
        assertEquals(results.get(0).last().testTop1(), evaluated.eval().accuracy(), 1e-9);
    }

    /**
     * One Spark worker with one averaging per epoch (an averaging frequency above the epoch's batches) takes the same
     * steps as one machine: with the paper's SGD, the parameters and the momentum state after two epochs are equal
     * (measured: identical). With averaging after every batch, DL4J's Spark trainer deals the batches into splits at
     * random (seeded), so the order, and with it the result, differs as for a reshuffled epoch. (With Adam the first
     * epoch is identical too; later epochs drift slightly, as DL4J's Spark workers do not continue Adam's step counter
     * exactly: 1.6% of the largest parameter after two epochs.)
     */
    @Test
    void oneWorkerAveragingOncePerEpochMatchesOneMachineWithSgd(@TempDir Path dir) throws Exception {
        TrainingConfig sgd = new TrainingConfig(2, 32, Optimizer.SGD, 5e-3, 0.9, 0.94, 1, 123, HeadInit.PAPER, null,
                null, null);
        List<HeadResult> single = new Comparison(Backbone.TINY, List.of(Head.WISE_SRNET), sgd, dir.resolve("single"),
                false, "test", null).run(DATA, ProgressReporter.NONE);
        List<HeadResult> spark = new Comparison(Backbone.TINY, List.of(Head.WISE_SRNET),
                sgd.withSpark(new SparkTraining("local[1]", 1000, dir.resolve("export").toString())),
                dir.resolve("spark"), false, "test", null).run(DATA, ProgressReporter.NONE);
        ComputationGraph a = Checkpoints.load(new Checkpoints(dir.resolve("single").resolve("wise-srnet")).last());
        ComputationGraph b = Checkpoints.load(new Checkpoints(dir.resolve("spark").resolve("wise-srnet")).last());
        double scale = a.params().amaxNumber().doubleValue();
        double difference = a.params().sub(b.params()).amaxNumber().doubleValue();
        org.slf4j.LoggerFactory.getLogger(SparkTrainingTest.class).info(
                "one Spark worker vs one machine, SGD, 2 epochs: max parameter difference {} (largest parameter {})",
                difference, scale);
        assertTrue(difference <= ONE_WORKER_TOLERANCE * scale, "difference " + difference + ", scale " + scale);
        assertTrue(a.getUpdater().getStateViewArray().equalsWithEps(b.getUpdater().getStateViewArray(),
                ONE_WORKER_TOLERANCE), "the momentum state must come back from the worker");
        assertEquals(a.getIterationCount(), b.getIterationCount());
        assertEquals(single.get(0).last().testTop1(), spark.get(0).last().testTop1(), 1e-9);
        assertTrue(Files.isDirectory(dir.resolve("export")), "the export directory stays, emptied");
        try (var left = Files.list(dir.resolve("export"))) {
            assertEquals(0, left.count(), "no batch files are left behind");
        }
    }

    private static final double ONE_WORKER_TOLERANCE = 1e-6;

    /**
     * The network, WiseSrLayer included, goes through Spark's serialization unchanged: DL4J's Spark evaluation, which
     * broadcasts the configuration and parameters to the executors, gives the confusion matrix of a local evaluation,
     * and the parameters are the same before and after.
     */
    @Test
    void aWiseSrNetworkSurvivesTheRoundTripThroughSpark(@TempDir Path dir) throws Exception {
        new Comparison(Backbone.TINY, List.of(Head.WISE_SRNET), config(1, null), dir, false, "test", null)
                .run(DATA, ProgressReporter.NONE);
        ComputationGraph net = Checkpoints.load(new Checkpoints(dir.resolve("wise-srnet")).last());
        org.nd4j.linalg.api.ndarray.INDArray before = net.params().dup();
        List<org.nd4j.linalg.dataset.DataSet> batches = new java.util.ArrayList<>();
        DATA.test(50).forEachRemaining(batches::add);
        org.nd4j.evaluation.classification.Evaluation here = net.evaluate(DATA.test(50));
        try (SparkSession session = SparkSession.start(new SparkTraining("local[2]", 1, null), 1)) {
            org.deeplearning4j.spark.impl.graph.SparkComputationGraph sparkNet =
                    new org.deeplearning4j.spark.impl.graph.SparkComputationGraph(session.context(), net,
                            new org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingMaster.Builder(50)
                                    .build());
            org.nd4j.evaluation.classification.Evaluation onSpark = sparkNet.evaluate(
                    session.context().parallelize(batches, 2));
            assertEquals(here.getConfusionMatrix().toCSV(), onSpark.getConfusionMatrix().toCSV());
            assertTrue(here.accuracy() > 0.3, "a trained network, so that the comparison means something: "
                    + here.accuracy());
            assertEquals(before, sparkNet.getNetwork().params());
        }
        assertTrue(java.util.Arrays.stream(net.getLayers()).anyMatch(
                l -> l.conf().getLayer() instanceof io.github.wisesrnet.layers.WiseSrLayer),
                "the head is a WiseSrLayer");
    }

    /** Batches the executors cannot read (here: gone before they look) stop the run, naming the export directory. */
    @Test
    void unreadableBatchesNameTheExportDirectoryAndLeaveNoCheckpoint(@TempDir Path dir) {
        SparkSession.afterExport = folder -> {
            try (var files = Files.list(folder)) {
                files.forEach(f -> f.toFile().delete());
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        };
        try {
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> new Comparison(Backbone.TINY,
                    List.of(Head.WISE_SRNET), config(1, new SparkTraining("local[2]", 1, dir.resolve("export")
                    .toString())), dir.resolve("models"), false, "test", null).run(DATA, ProgressReporter.NONE));
            assertTrue(e.getMessage().contains("could not read the epoch's batches in " + dir.resolve("export"))
                    && e.getMessage().contains("every executor reads at the same path"), e.getMessage());
            assertTrue(!Files.exists(dir.resolve("models").resolve("wise-srnet").resolve("last.zip")),
                    "no checkpoint from a failed first epoch");
        } finally {
            SparkSession.afterExport = folder -> {
            };
        }
    }

    @Test
    void impossibleSettingsAreRefusedBeforeTraining(@TempDir Path dir) throws Exception {
        IllegalArgumentException none = assertThrows(IllegalArgumentException.class,
                () -> new SparkTraining("local[0]", 1, null));
        assertTrue(none.getMessage().contains("no worker threads"), none.getMessage());
        IllegalArgumentException garbage = assertThrows(IllegalArgumentException.class,
                () -> new SparkTraining("localhost:7077", 1, null));
        assertTrue(garbage.getMessage().contains("is not a Spark master URL"), garbage.getMessage());
        IllegalArgumentException cluster = assertThrows(IllegalArgumentException.class,
                () -> new SparkTraining("spark://localhost:7077", 1, null));
        assertTrue(cluster.getMessage().contains("needs an export directory that every executor can read"),
                cluster.getMessage());
        IllegalArgumentException uri = assertThrows(IllegalArgumentException.class,
                () -> new SparkTraining("local[2]", 1, "hdfs://namenode:8020/export"));
        assertTrue(uri.getMessage().contains("not a URI"), uri.getMessage());
        IllegalArgumentException unreachable = assertThrows(IllegalArgumentException.class,
                () -> new SparkTraining("spark://127.0.0.1:1", 1, dir.toString()).check());
        assertTrue(unreachable.getMessage().contains("Cannot reach the Spark master spark://127.0.0.1:1"),
                unreachable.getMessage());
        Path file = Files.writeString(dir.resolve("a-file"), "x");
        IllegalArgumentException unwritable = assertThrows(IllegalArgumentException.class,
                () -> new SparkTraining("local[2]", 1, file.resolve("export").toString()).check());
        assertTrue(unwritable.getMessage().contains("Cannot write to the Spark export directory"),
                unwritable.getMessage());
        IllegalArgumentException both = assertThrows(IllegalArgumentException.class,
                () -> config(1, new SparkTraining("local[2]", 1, null)).withParallel(new ParallelTraining(2, 1)));
        assertTrue(both.getMessage().contains("not both"), both.getMessage());
    }
}
