package io.github.wisesrnet.app.cli;

import io.github.wisesrnet.train.Checkpoints;
import io.github.wisesrnet.train.RunRecord;
import org.deeplearning4j.nn.graph.ComputationGraph;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A saved model given on the command line: a checkpoint zip, or a checkpoint folder (its best.zip is used), with
 * the run record beside it.
 */
record ModelArgument(Path zip, RunRecord record) {

    static ModelArgument resolve(Path path) throws IOException {
        Path zip = Files.isDirectory(path) ? path.resolve(Checkpoints.BEST) : path;
        if (!Files.isRegularFile(zip)) {
            throw new IllegalArgumentException("No model at " + path + ": give a checkpoint zip (best.zip, last.zip)"
                    + " or the folder that holds them (a folder is read through its best.zip).");
        }
        Path recordFile = zip.toAbsolutePath().getParent().resolve(RunRecord.FILE_NAME);
        if (!Files.isRegularFile(recordFile)) {
            throw new IllegalArgumentException("No " + RunRecord.FILE_NAME + " beside " + zip + ": the run record says"
                    + " how the model's inputs are prepared (size, preprocessing, classes).");
        }
        RunRecord record;
        try {
            record = RunRecord.read(recordFile);
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException(recordFile + " is not a run record written by wise-srnet ("
                    + e.getMessage() + ").", e);
        }
        return new ModelArgument(zip, record);
    }

    /** The saved network; a clear error for a file that is not a DL4J ComputationGraph zip. */
    ComputationGraph load() {
        try {
            return Checkpoints.load(zip);
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException(zip + " is not a model saved by wise-srnet: it holds no DL4J"
                    + " ComputationGraph (ModelSerializer's configuration and parameters). Give a best.zip or last.zip"
                    + " written by 'wise-srnet train' or 'compare'.", e);
        }
    }

    /** Whether this is the run's best checkpoint (else the last). */
    boolean isBest() {
        return zip.getFileName().toString().equals(Checkpoints.BEST);
    }
}
