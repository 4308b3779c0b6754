package io.github.wisesrnet.data;

import org.deeplearning4j.nn.conf.CNN2DFormat;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * How to load a data set, kept in run records so that a checkpoint can be evaluated or used for prediction with
 * the same inputs it was trained on.
 *
 * @param folder        image folders ({@code folder/train/<class>}, {@code folder/test/<class>}, or one folder split
 *                      by {@code testFraction}); null for the generated spatial data set
 * @param testFraction  fraction held out for testing when {@code folder} has no train/test split; null otherwise
 * @param height        input height
 * @param width         input width
 * @param format        NCHW or NHWC
 * @param preprocessing image preprocessing name (see {@code Preprocessing}); ignored for generated data
 * @param augment       the paper's augmentation on training images
 * @param maxPerClass   at most this many images per class and split, 0 = all
 * @param strict        fail on an unreadable image instead of skipping it
 * @param grid          generated data: board side (grid * grid classes)
 * @param trainSize     generated data: training images
 * @param testSize      generated data: test images
 * @param seed          seed for generated data and splits
 * @param valFraction   fraction of each class's training images held out for validation (choosing the best
 *                      epoch); null or 0 for none (run records written before this option read as none)
 */
public record DataSpec(Path folder, Double testFraction, int height, int width, CNN2DFormat format,
        String preprocessing, boolean augment, int maxPerClass, boolean strict, int grid, int trainSize, int testSize,
        long seed, Double valFraction) {

    /** Generated images keep their patterns this far from the border (beyond the tiny backbone's reach). */
    public static final int GENERATED_MARGIN = 4;
    /** Channels of the generated images (RGB). */
    public static final int GENERATED_CHANNELS = 3;

    /**
     * Checks the sizes and fractions; a null {@code format} becomes NCHW.
     *
     * @throws IllegalArgumentException if the input size is not positive, {@code testFraction} is not in (0, 1) or
     *                                  {@code valFraction} not in [0, 1)
     */
    public DataSpec {
        if (height < 1 || width < 1) {
            throw new IllegalArgumentException("Input size must be positive, got " + height + "x" + width);
        }
        if (testFraction != null && !(testFraction > 0 && testFraction < 1)) {
            throw new IllegalArgumentException("--test-fraction must be between 0 and 1, got " + testFraction);
        }
        if (format == null) {
            format = CNN2DFormat.NCHW;
        }
        if (valFraction != null && !(valFraction >= 0 && valFraction < 1)) {
            throw new IllegalArgumentException("--val-fraction must be in [0, 1), got " + valFraction);
        }
    }

    /** The validation fraction, 0 when none. */
    public double validationFraction() {
        return valFraction == null ? 0 : valFraction;
    }

    /** Loads only the test images of {@code folder} (for evaluation; see {@link ImageFolderData#testOnly}). */
    public ClassificationData loadTestOnly(int workers) {
        if (generated()) {
            return load(workers);
        }
        if (!Files.isDirectory(folder)) {
            throw new IllegalArgumentException("Data folder " + folder.toAbsolutePath() + " does not exist.");
        }
        return ImageFolderData.testOnly(folder, ImageFolders.options(this, workers));
    }

    /** Whether this describes the generated spatial data set ({@code folder} is null) rather than image folders. */
    public boolean generated() {
        return folder == null;
    }

    /** Loads the data with {@code workers} decoding threads (image folders only). */
    public ClassificationData load(int workers) {
        if (generated()) {
            if (height != width) {
                throw new IllegalArgumentException("Generated images are square; got " + height + "x" + width + ".");
            }
            return new SpatialPatternData(new SpatialPatternDataSet(height, GENERATED_CHANNELS, grid,
                    GENERATED_MARGIN, false), trainSize, testSize, seed, format).withValidation(validationFraction());
        }
        return ImageFolders.load(this, workers).withValidation(validationFraction(), seed);
    }
}
