package io.github.wisesrnet.data;

import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;

import java.util.List;

/**
 * A labelled image data set with a train and a test split, as the trainer sees it. Implemented by image folders
 * on disk ({@link ImageFolderData}) and by generated images ({@link SpatialPatternData}).
 */
public interface ClassificationData {

    /** Class names, index = label index. */
    List<String> classNames();

    /** Number of classes: the size of {@link #classNames()}. */
    default int numClasses() {
        return classNames().size();
    }

    /** Number of training images, without those held out for validation. */
    int trainSize();

    /** Number of test images. */
    int testSize();

    /** Image height in pixels the iterators produce. */
    int height();

    /** Image width in pixels the iterators produce. */
    int width();

    /** Image channels the iterators produce (3 for image folders). */
    int channels();

    /** Layout of the features the iterators produce. */
    CNN2DFormat format();

    /**
     * Training batches, with augmentation if configured, in an order shuffled from {@code seed} and the epoch:
     * the same seed and epoch give the same batches. Labels are one-hot [batch, numClasses].
     */
    DataSetIterator train(int batchSize, long seed, int epoch);

    /** Test batches in a fixed order, never augmented. */
    DataSetIterator test(int batchSize);

    /** Images held out from the training images to choose the best epoch; 0 when there is no validation split. */
    default int validationSize() {
        return 0;
    }

    /**
     * Validation batches in a fixed order, never augmented.
     *
     * @throws IllegalStateException if there is no validation split ({@link #validationSize()} is 0)
     */
    default DataSetIterator validation(int batchSize) {
        throw new IllegalStateException("This data set has no validation split.");
    }

    /**
     * How pixel values became the features the iterators produce; {@link Preprocessing#UNIT} (values in [0, 1]) for
     * generated images. Used to show images as they were.
     */
    default Preprocessing preprocessing() {
        return Preprocessing.UNIT;
    }

    /** A short description for logs and run records, e.g. the folder or the generator's settings. */
    String description();

    /** Files that could not be read and were skipped, with the reason, for the run summary. */
    List<String> skippedFiles();
}
