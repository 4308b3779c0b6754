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

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Two workers with DL4J's ParallelWrapper learn the spatial task as one does: Wise-SrNet reaches (nearly) 100%, GAP
 * stays at chance; the run record says how the run was trained, and the checkpoint evaluates to the recorded accuracy.
 */
class ParallelTrainingTest {

    private static final SpatialPatternData DATA = new SpatialPatternData(
            new SpatialPatternDataSet(24, 1, 2, 4, false), 800, 400, 1, CNN2DFormat.NCHW);

    @Test
    void twoWorkersLearnWhereThePatternIsWithWiseSrNetAndNotWithGap(@TempDir Path dir) throws Exception {
        TrainingConfig config = new TrainingConfig(5, 32, Optimizer.ADAM, 5e-3, 0.9, 1.0, 1, 123, HeadInit.PAPER,
                null, new ParallelTraining(2, 1), null);
        List<HeadResult> results = new Comparison(Backbone.TINY, List.of(Head.WISE_SRNET, Head.GAP), config, dir,
                false, "test", null).run(DATA, ProgressReporter.NONE);
        double wise = results.get(0).best().testTop1();
        double gap = results.get(1).best().testTop1();
        assertTrue(wise >= 0.95, "Wise-SrNet with 2 workers: " + wise);
        assertTrue(gap <= 0.25 + 0.10, "GAP with 2 workers: " + gap);
        for (HeadResult r : results) {
            for (EpochMetrics e : r.epochs()) {
                assertTrue(Double.isFinite(e.trainLoss()) && Double.isNaN(e.trainAccuracy()), e.toString());
            }
        }

        Checkpoints checkpoints = new Checkpoints(dir.resolve("wise-srnet"));
        RunRecord record = RunRecord.read(checkpoints.record());
        assertEquals(new ParallelTraining(2, 1), record.config().parallel());
        ComputationGraph last = Checkpoints.load(checkpoints.last());
        Trainer.Evaluated evaluated = Trainer.evaluate(last, DATA.test(100), DATA.classNames(),
                ProgressReporter.NONE);
        assertEquals(results.get(0).last().testTop1(), evaluated.eval().accuracy(), 1e-9);
    }

    @Test
    void impossibleSettingsAreRefused() {
        IllegalArgumentException one = assertThrows(IllegalArgumentException.class, () -> new ParallelTraining(1, 1));
        assertTrue(one.getMessage().contains("at least 2 workers"), one.getMessage());
        IllegalArgumentException zero = assertThrows(IllegalArgumentException.class,
                () -> new ParallelTraining(2, 0));
        assertTrue(zero.getMessage().contains("averaging frequency must be at least 1"), zero.getMessage());
    }
}
