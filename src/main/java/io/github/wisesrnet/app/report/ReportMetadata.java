package io.github.wisesrnet.app.report;

import org.nd4j.linalg.factory.Nd4j;

import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * How a comparison was run: everything a reader needs to understand and reproduce the report.
 *
 * @param title           report title
 * @param dataDescription the data set (folder or generator settings, sizes of the splits)
 * @param backbone        the backbone network, e.g. "ResNet50 (ImageNet weights, frozen up to res4)"
 * @param inputHeight     input image height in pixels
 * @param inputWidth      input image width in pixels
 * @param seed            random seed shared by all heads
 * @param epochs          epochs each head was trained for
 * @param batchSize       training batch size
 * @param optimizer       optimizer and schedule, e.g. "SGD momentum 0.9, lr 0.045 x 0.94 every 2 epochs"
 * @param command         the exact command line that produced the report
 * @param machine         cores, OS, Java and ND4J backend; see {@link #describeMachine()}
 * @param startedAt       when the comparison started
 * @param skippedFiles    data files that could not be read and were skipped, with reasons; may be empty, null is
 *                        taken as empty
 */
public record ReportMetadata(String title, String dataDescription, String backbone, int inputHeight, int inputWidth,
        long seed, int epochs, int batchSize, String optimizer, String command, String machine, Instant startedAt,
        List<String> skippedFiles) {

    /**
     * Checks that the text fields and {@code startedAt} are not null and that the input size, {@code epochs} and
     * {@code batchSize} are positive; copies {@code skippedFiles}, a null one as empty.
     *
     * @throws IllegalArgumentException if the input size, {@code epochs} or {@code batchSize} is not positive
     */
    public ReportMetadata {
        Objects.requireNonNull(title, "title");
        Objects.requireNonNull(dataDescription, "dataDescription");
        Objects.requireNonNull(backbone, "backbone");
        Objects.requireNonNull(optimizer, "optimizer");
        Objects.requireNonNull(command, "command");
        Objects.requireNonNull(machine, "machine");
        Objects.requireNonNull(startedAt, "startedAt");
        requirePositive("inputHeight", inputHeight);
        requirePositive("inputWidth", inputWidth);
        requirePositive("epochs", epochs);
        requirePositive("batchSize", batchSize);
        skippedFiles = skippedFiles == null ? List.of() : List.copyOf(skippedFiles);
    }

    private static void requirePositive(String name, int value) {
        if (value <= 0) {
            throw new IllegalArgumentException(name + " must be positive, got " + value);
        }
    }

    /**
     * Describes this machine: cores, OS, Java and ND4J backend, e.g. "16 cores, max heap 6.0 GB, Linux 6.1.0
     * (amd64), Java 17.0.15 (Debian), ND4J CpuBackend (NativeOpExecutioner; CPU binary generic x86-64 + oneDNN,
     * oneDNN layer helpers on)". Loads ND4J if it is not loaded yet;
     * if no backend can be loaded the text says so instead of failing.
     */
    public static String describeMachine() {
        Runtime runtime = Runtime.getRuntime();
        return String.format(Locale.ROOT, "%d cores, max heap %.1f GB, %s %s (%s), Java %s (%s), ND4J %s",
                runtime.availableProcessors(), runtime.maxMemory() / 1e9,
                System.getProperty("os.name"), System.getProperty("os.version"), System.getProperty("os.arch"),
                System.getProperty("java.version"), System.getProperty("java.vendor"), describeNd4j());
    }

    private static String describeNd4j() {
        try {
            return Nd4j.getBackend().getClass().getSimpleName()
                    + " (" + Nd4j.getExecutioner().getClass().getSimpleName() + "; "
                    + io.github.wisesrnet.cpu.OneDnnHelpers.describe() + ")";
        } catch (RuntimeException | LinkageError e) {
            return "backend unavailable (" + e.getClass().getSimpleName() + ": " + e.getMessage() + ")";
        }
    }
}
