package io.github.wisesrnet.train;

import io.github.wisesrnet.cpu.OneDnnHelpers;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * A run's checkpoint folder: {@code last.zip} (after every epoch, with updater state, for resuming), {@code best.zip}
 * (the best epoch so far, by validation top-1 when there is a validation split, else test top-1) and {@code run.json} ({@link RunRecord}).
 *
 * @param dir the folder; created when the first checkpoint is saved
 */
public record Checkpoints(Path dir) {

    /** File name of the checkpoint after the latest epoch. */
    public static final String LAST = "last.zip";
    /** File name of the checkpoint of the best epoch so far. */
    public static final String BEST = "best.zip";

    /** The checkpoint after the latest epoch, with updater state; it may not exist yet. */
    public Path last() {
        return dir.resolve(LAST);
    }

    /** The checkpoint of the best epoch so far; it may not exist yet. */
    public Path best() {
        return dir.resolve(BEST);
    }

    /** The run record ({@value RunRecord#FILE_NAME}); it may not exist yet. */
    public Path record() {
        return dir.resolve(RunRecord.FILE_NAME);
    }

    /** Whether the folder holds both {@code last.zip} and the run record, so that the run can be resumed. */
    public boolean canResume() {
        return Files.isRegularFile(last()) && Files.isRegularFile(record());
    }

    /** Saves after an epoch: always {@code last.zip}; {@code best.zip} too when {@code isBest}; then the record. */
    void save(ComputationGraph net, RunRecord record, boolean isBest) throws IOException {
        Files.createDirectories(dir);
        Path tmp = dir.resolve(LAST + ".tmp");
        ModelSerializer.writeModel(net, tmp.toFile(), true);
        Files.move(tmp, last(), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        if (isBest) {
            // Copied to a temporary name, then moved: best.zip is always a whole file, never a half-copied one.
            Path bestTmp = dir.resolve(BEST + ".tmp");
            Files.copy(last(), bestTmp, StandardCopyOption.REPLACE_EXISTING);
            Files.move(bestTmp, best(), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        }
        record.write(record());
    }

    /** Loads a saved network (with its updater state). */
    public static ComputationGraph load(Path zip) throws IOException {
        if (!Files.isRegularFile(zip)) {
            throw new IOException("No model file at " + zip);
        }
        ComputationGraph net = ModelSerializer.restoreComputationGraph(zip.toFile(), true);
        OneDnnHelpers.tuneIfRequested(net);
        return net;
    }
}
