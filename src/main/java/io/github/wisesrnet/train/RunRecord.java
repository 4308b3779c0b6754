package io.github.wisesrnet.train;

import io.github.wisesrnet.Head;
import io.github.wisesrnet.data.DataSpec;
import org.nd4j.shade.jackson.databind.ObjectMapper;
import org.nd4j.shade.jackson.databind.SerializationFeature;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The JSON record kept beside a run's checkpoints: how it was trained and what each epoch measured, so that a run can
 * be resumed, evaluated and reported on later.
 *
 * @param runName      the run's name, for logs (the command line uses the checkpoint folder's name, or "unsaved")
 * @param head         the attached head
 * @param backbone     the backbone's command-line name ({@code Backbone.cliName()}), e.g. "resnet50"
 * @param height       input height in pixels
 * @param width        input width in pixels
 * @param channels     input channels
 * @param format       feature layout, "NCHW" or "NHWC"
 * @param data         the data set's description ({@code ClassificationData.description()})
 * @param dataSpec     how to load the same data again; null when the run was started from Java with its own
 *                     {@code ClassificationData}
 * @param classNames   class names, index = label
 * @param config       the training configuration (for a resumed run, the latest one)
 * @param parameters   total parameters of the network
 * @param epochs       metrics of each finished epoch, in order; null is read as empty
 * @param skippedFiles data files that could not be read and were skipped, with reasons; null is read as empty
 * @param command      the command line that started the run, or null
 * @param createdAt    when the run started, as an ISO-8601 instant (e.g. "2024-05-01T12:00:00Z")
 */
public record RunRecord(String runName, Head head, String backbone, int height, int width, int channels,
        String format, String data, DataSpec dataSpec, List<String> classNames, TrainingConfig config,
        long parameters, List<EpochMetrics> epochs, List<String> skippedFiles, String command, String createdAt) {

    /** File name of the record in a checkpoint folder. */
    public static final String FILE_NAME = "run.json";

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /**
     * Copies the lists; null {@code epochs} and {@code skippedFiles} become empty, {@code classNames} must not be null.
     */
    public RunRecord {
        epochs = epochs == null ? new ArrayList<>() : new ArrayList<>(epochs);
        skippedFiles = skippedFiles == null ? List.of() : List.copyOf(skippedFiles);
        classNames = List.copyOf(classNames);
    }

    /** This record with one more epoch. */
    RunRecord withEpoch(EpochMetrics metrics) {
        List<EpochMetrics> more = new ArrayList<>(epochs);
        more.add(metrics);
        return new RunRecord(runName, head, backbone, height, width, channels, format, data, dataSpec, classNames,
                config, parameters, more, skippedFiles, command, createdAt);
    }

    /** This record continued with another configuration (a resumed run with more epochs). */
    public RunRecord withConfig(TrainingConfig newConfig) {
        return new RunRecord(runName, head, backbone, height, width, channels, format, data, dataSpec, classNames,
                newConfig, parameters, epochs, skippedFiles, command, createdAt);
    }

    /**
     * Whether a new epoch would be the run's best by {@link EpochMetrics#best} (validation top-1 when the epochs
     * have a validation split, else test top-1; earlier epochs win ties). True for the first epoch.
     */
    boolean isNewBest(EpochMetrics metrics) {
        return EpochMetrics.best(withEpoch(metrics).epochs()) == metrics;
    }

    /**
     * Writes this record as indented JSON to {@code file}, creating its folder and replacing an earlier record; written
     * to a temporary file first, so the file is always whole.
     *
     * @throws IOException if the file cannot be written
     */
    public void write(Path file) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        JSON.writeValue(tmp.toFile(), this);
        Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    /**
     * Reads a record written by {@link #write}.
     *
     * @throws IOException if there is no file at {@code file} or it cannot be read as a run record
     */
    public static RunRecord read(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IOException("No run record at " + file + ": expected the " + FILE_NAME
                    + " written beside a checkpoint by 'train' or 'compare'.");
        }
        return JSON.readValue(file.toFile(), RunRecord.class);
    }
}
