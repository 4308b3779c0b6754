package io.github.wisesrnet.app.cli;

import io.github.wisesrnet.data.DataSpec;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import picocli.CommandLine.Option;

import java.nio.file.Path;

/** Where the images come from: a folder of class sub-folders, or (default) the generated spatial data set. */
final class DataOptions {

    @Option(names = "--data", paramLabel = "DIR", description = "Image folders: DIR/train/<class>/*, DIR/test/<class>/*"
            + " (or DIR/<class>/* with --test-fraction). Default: the generated spatial data set.")
    Path data;

    @Option(names = "--test-fraction", paramLabel = "F", description = "Split DIR/<class>/* into train and test by"
            + " this fraction (stratified, seeded) when DIR has no train/ and test/ folders.")
    Double testFraction;

    @Option(names = "--val-fraction", paramLabel = "F", defaultValue = "0",
            description = "Hold out this fraction of each class's training images (seeded) as a validation split that"
                    + " chooses the best epoch and best.zip; the report then quotes the test top-1 of that epoch."
                    + " 0 (default): no validation split; the best epoch is chosen on the test split, and labelled so.")
    double valFraction;

    @Option(names = "--size", paramLabel = "PIXELS", description = "Input size (square). Default: 32 for generated"
            + " data, 96 for images.")
    Integer size;

    @Option(names = "--height", paramLabel = "PIXELS", description = "Input height (overrides --size).")
    Integer height;

    @Option(names = "--width", paramLabel = "PIXELS", description = "Input width (overrides --size).")
    Integer width;

    @Option(names = "--format", paramLabel = "NCHW|NHWC", defaultValue = "NCHW",
            description = "Data layout. Default: ${DEFAULT-VALUE}.")
    CNN2DFormat format;

    @Option(names = "--preprocessing", paramLabel = "MODE",
            description = "Image preprocessing: caffe (the paper's: BGR, minus ImageNet means), unit ([0,1]),"
                    + " symmetric or tf ([-1,1]), torch ([0,1], then ImageNet mean and std per channel). Default:"
                    + " caffe; with --weights, the backbone's Keras mode (resnet50 caffe, inception-v3 and xception"
                    + " tf, densenet torch).")
    String preprocessing;

    @Option(names = "--no-augment", description = "Train without the paper's augmentation.")
    boolean noAugment;

    @Option(names = "--max-per-class", paramLabel = "N", defaultValue = "0",
            description = "Use at most N images per class and split (0 = all), for quick runs.")
    int maxPerClass;

    @Option(names = "--workers", paramLabel = "N", description = "Image decoding threads. Default: all cores.")
    Integer workers;

    @Option(names = "--strict", description = "Fail on the first unreadable image instead of skipping it.")
    boolean strict;

    @Option(names = "--grid", paramLabel = "N", defaultValue = "3",
            description = "Generated data: N x N board, one class per cell. Default: ${DEFAULT-VALUE}.")
    int grid;

    @Option(names = "--train-size", paramLabel = "N", defaultValue = "1800",
            description = "Generated data: training images. Default: ${DEFAULT-VALUE}.")
    int trainSize;

    @Option(names = "--test-size", paramLabel = "N", defaultValue = "450",
            description = "Generated data: test images. Default: ${DEFAULT-VALUE}.")
    int testSize;

    boolean images() {
        return data != null;
    }

    int height() {
        return height != null ? height : size != null ? size : images() ? 96 : 32;
    }

    int width() {
        return width != null ? width : size != null ? size : images() ? 96 : 32;
    }

    int workers() {
        return workers != null ? workers : Runtime.getRuntime().availableProcessors();
    }

    /** The data set's description; {@code defaultPreprocessing} applies when --preprocessing is not given. */
    DataSpec spec(long seed, String defaultPreprocessing) {
        if (!images() && testFraction != null) {
            throw new IllegalArgumentException("--test-fraction needs --data DIR.");
        }
        String mode = preprocessing != null ? preprocessing : defaultPreprocessing;
        return new DataSpec(data, testFraction, height(), width(), format, mode, !noAugment, maxPerClass,
                strict, grid, trainSize, testSize, seed, valFraction);
    }
}
