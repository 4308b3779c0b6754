package io.github.wisesrnet.train;

import io.github.wisesrnet.app.compare.Comparison;
import io.github.wisesrnet.app.compare.ModelFactory;
import io.github.wisesrnet.Head;
import io.github.wisesrnet.backbones.Backbone;
import io.github.wisesrnet.data.SpatialPatternData;
import io.github.wisesrnet.data.SpatialPatternDataSet;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A loss that stops being finite stops the run with a clear error and leaves the last good checkpoint intact. */
class DivergenceTest {

    private static final SpatialPatternData DATA = new SpatialPatternData(
            new SpatialPatternDataSet(20, 1, 2, 4, false), 64, 32, 5, CNN2DFormat.NCHW);

    @Test
    void aNonFiniteLossStopsTheRunNamingTheEpochAndKeepsTheCheckpointOfTheEpochBefore(@TempDir Path dir)
            throws Exception {
        TrainingConfig sane = new TrainingConfig(1, 16, Optimizer.SGD, 0.01, 0.9, 0.94, 2, 3, null, null, null, null);
        new Comparison(Backbone.TINY, List.of(Head.WISE_SRNET), sane, dir, false, "test", null)
                .run(DATA, ProgressReporter.NONE);
        Checkpoints checkpoints = new Checkpoints(dir.resolve("wise-srnet"));
        byte[] last = Files.readAllBytes(checkpoints.last());
        byte[] best = Files.readAllBytes(checkpoints.best());

        // Resume with a learning rate so large that SGD overflows in the next epoch.
        TrainingConfig exploding = new TrainingConfig(3, 16, Optimizer.SGD, 1e30, 0.9, 0.94, 2, 3, null, null, null,
                null);
        RunRecord record = RunRecord.read(checkpoints.record());
        var net = exploding.applyTo(Checkpoints.load(checkpoints.last()));
        net.getConfiguration().setEpochCount(1); // the rebuilt graph starts counting again
        TrainingDivergedException e = assertThrows(TrainingDivergedException.class,
                () -> new Trainer(exploding, ProgressReporter.NONE).train(net, DATA, record.withConfig(exploding),
                        checkpoints));
        assertEquals(2, e.epoch());
        assertTrue(e.getMessage().contains("diverged in epoch 2") && e.getMessage().contains("--lr")
                && e.getMessage().contains("checkpoints of epoch 1"), e.getMessage());
        assertArrayEquals(last, Files.readAllBytes(checkpoints.last()), "last.zip changed");
        assertArrayEquals(best, Files.readAllBytes(checkpoints.best()), "best.zip changed");
        assertEquals(1, RunRecord.read(checkpoints.record()).epochs().size());
        assertFalse(Files.exists(checkpoints.dir().resolve("best.zip.tmp")));
    }
}
