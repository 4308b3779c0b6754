package io.github.wisesrnet.train;

import io.github.wisesrnet.app.compare.Comparison;
import io.github.wisesrnet.app.compare.HeadResult;
import io.github.wisesrnet.Head;
import io.github.wisesrnet.backbones.Backbone;
import io.github.wisesrnet.data.SpatialPatternData;
import io.github.wisesrnet.data.SpatialPatternDataSet;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** train -> checkpoint -> resume -> evaluate on generated data; same seed gives the same numbers. */
class TrainingRoundTripTest {

    private static final SpatialPatternData DATA = new SpatialPatternData(
            new SpatialPatternDataSet(20, 1, 2, 4, false), 96, 48, 5, CNN2DFormat.NCHW);
    private static final TrainingConfig CONFIG = new TrainingConfig(3, 16, Optimizer.ADAM, 5e-3, 0.9, 0.94, 2, 11,
            io.github.wisesrnet.layers.HeadInit.PAPER, null, null, null);

    @Test
    void resumedRunEqualsAnUninterruptedRunAndCheckpointsReproduceTheRecord(@TempDir Path dir) throws Exception {
        Comparison straight = new Comparison(Backbone.TINY, List.of(Head.WISE_SRNET), CONFIG, dir.resolve("a"),
                false, "test", null);
        HeadResult full = straight.run(DATA, ProgressReporter.NONE).get(0);
        assertEquals(3, full.epochs().size());

        Comparison first = new Comparison(Backbone.TINY, List.of(Head.WISE_SRNET), CONFIG.withEpochs(2),
                dir.resolve("b"), false, "test", null);
        first.run(DATA, ProgressReporter.NONE);
        Comparison resumed = new Comparison(Backbone.TINY, List.of(Head.WISE_SRNET), CONFIG, dir.resolve("b"),
                true, "test", null);
        HeadResult continued = resumed.run(DATA, ProgressReporter.NONE).get(0);

        assertEquals(3, continued.epochs().size());
        for (int i = 0; i < 3; i++) {
            EpochMetrics a = full.epochs().get(i);
            EpochMetrics b = continued.epochs().get(i);
            assertEquals(a.trainLoss(), b.trainLoss(), 0.0, "train loss, epoch " + (i + 1));
            assertEquals(a.testTop1(), b.testTop1(), 0.0, "test top-1, epoch " + (i + 1));
            assertEquals(a.learningRate(), b.learningRate(), 0.0);
        }

        Checkpoints checkpoints = new Checkpoints(dir.resolve("b").resolve("wise-srnet"));
        assertTrue(Files.isRegularFile(checkpoints.best()));
        RunRecord record = RunRecord.read(checkpoints.record());
        assertEquals(3, record.epochs().size());
        assertEquals(DATA.classNames(), record.classNames());
        assertEquals(CONFIG, record.config());

        ComputationGraph last = Checkpoints.load(checkpoints.last());
        Trainer.Evaluated evaluated = Trainer.evaluate(last, DATA.test(16), DATA.classNames(), ProgressReporter.NONE);
        EpochMetrics lastEpoch = record.epochs().get(2);
        assertEquals(lastEpoch.testTop1(), evaluated.eval().accuracy(), 0.0);
        assertArrayEquals(lastEpoch.confusion(), evaluated.confusion());

        ComputationGraph best = Checkpoints.load(checkpoints.best());
        double bestRecorded = EpochMetrics.best(record.epochs()).testTop1();
        assertEquals(bestRecorded, Trainer.evaluate(best, DATA.test(16), DATA.classNames(), ProgressReporter.NONE)
                .eval().accuracy(), 0.0);
    }

    @Test
    void learningRateFollowsThePapersStaircase() {
        TrainingConfig paper = TrainingConfig.paper(10, 1);
        assertEquals(0.045, paper.learningRateAt(0), 1e-12);
        assertEquals(0.045, paper.learningRateAt(1), 1e-12);
        assertEquals(0.045 * 0.94, paper.learningRateAt(2), 1e-12);
        assertEquals(0.045 * 0.94 * 0.94, paper.learningRateAt(5), 1e-12);
        assertEquals(70, paper.batchSize());
    }
}
