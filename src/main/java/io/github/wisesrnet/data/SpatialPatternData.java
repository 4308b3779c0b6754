package io.github.wisesrnet.data;

import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * The generated {@link SpatialPatternDataSet} as a train/test {@link ClassificationData}, held in memory. Class
 * names are the board cells ("r0c0", "r0c1", ...). Pixel values are already in [0, 1]; no augmentation (it would
 * move patterns between cells).
 */
public final class SpatialPatternData implements ClassificationData {

    private final SpatialPatternDataSet generator;
    private final DataSet train;
    private final DataSet validation;
    private final DataSet test;
    private final CNN2DFormat format;
    private final List<String> classNames;
    private final long seed;

    /**
     * Generates both splits now, in memory, each from its own seed derived from {@code seed}.
     *
     * @param generator the images' generator
     * @param trainSize training images, at least 1
     * @param testSize  test images, at least 1
     * @param seed      seed of the generated images (the training order comes from {@link #train})
     * @param format    feature layout of the batches (the generator's are NCHW)
     * @throws IllegalArgumentException if a split size is below 1
     */
    public SpatialPatternData(SpatialPatternDataSet generator, int trainSize, int testSize, long seed,
            CNN2DFormat format) {
        if (trainSize < 1 || testSize < 1) {
            throw new IllegalArgumentException("train and test sizes must be at least 1, got " + trainSize + " and "
                    + testSize);
        }
        this.generator = generator;
        this.seed = seed;
        this.format = format;
        // Different seeds for the two splits so that no test image repeats a training image.
        this.train = toFormat(generator.generate(trainSize, seed * 2 + 1));
        this.validation = null;
        this.test = toFormat(generator.generate(testSize, seed * 2 + 2));
        int grid = (int) Math.round(Math.sqrt(generator.numClasses()));
        List<String> names = new ArrayList<>();
        for (int r = 0; r < grid; r++) {
            for (int c = 0; c < grid; c++) {
                names.add("r" + r + "c" + c);
            }
        }
        this.classNames = Collections.unmodifiableList(names);
    }

    private SpatialPatternData(SpatialPatternData all, DataSet train, DataSet validation) {
        this.generator = all.generator;
        this.seed = all.seed;
        this.format = all.format;
        this.classNames = all.classNames;
        this.train = train;
        this.validation = validation;
        this.test = all.test;
    }

    /**
     * The same data with a validation split held out of the training images, per class: the first
     * {@code round(n * fraction)} images of each class in generation order (which is random for the seed; at least
     * one, at most n - 1 for classes with two or more images).
     *
     * @param fraction in [0, 1); 0 returns this data unchanged
     */
    public SpatialPatternData withValidation(double fraction) {
        Splits.requireValidationFraction(fraction);
        if (fraction == 0) {
            return this;
        }
        int[] labels = train.getLabels().argMax(1).toIntVector();
        List<Long> kept = new ArrayList<>();
        List<Long> held = new ArrayList<>();
        for (int c = 0; c < classNames.size(); c++) {
            List<Long> ofClass = new ArrayList<>();
            for (int i = 0; i < labels.length; i++) {
                if (labels[i] == c) {
                    ofClass.add((long) i);
                }
            }
            int nVal = Splits.heldOut(ofClass.size(), fraction);
            held.addAll(ofClass.subList(0, nVal));
            kept.addAll(ofClass.subList(nVal, ofClass.size()));
        }
        if (kept.isEmpty() || held.isEmpty()) {
            throw new IllegalArgumentException("A validation fraction of " + fraction + " leaves no training or no"
                    + " validation image of " + train.numExamples() + ".");
        }
        java.util.Collections.sort(kept);
        java.util.Collections.sort(held);
        return new SpatialPatternData(this, select(train, kept), select(train, held));
    }

    private static DataSet select(DataSet data, List<Long> indices) {
        long[] idx = indices.stream().mapToLong(Long::longValue).toArray();
        return new DataSet(data.getFeatures().get(NDArrayIndex.indices(idx)).dup('c'),
                data.getLabels().get(NDArrayIndex.indices(idx)).dup('c'));
    }

    @Override
    public int validationSize() {
        return validation == null ? 0 : validation.numExamples();
    }

    @Override
    public DataSetIterator validation(int batchSize) {
        if (validation == null) {
            throw new IllegalStateException("This data set has no validation split.");
        }
        return batches(validation, batchSize);
    }

    private DataSet toFormat(DataSet nchw) {
        if (format == CNN2DFormat.NCHW) {
            return nchw;
        }
        return new DataSet(nchw.getFeatures().permute(0, 2, 3, 1).dup('c'), nchw.getLabels());
    }

    @Override
    public List<String> classNames() {
        return classNames;
    }

    @Override
    public int trainSize() {
        return train.numExamples();
    }

    @Override
    public int testSize() {
        return test.numExamples();
    }

    @Override
    public int height() {
        return generator.size();
    }

    @Override
    public int width() {
        return generator.size();
    }

    @Override
    public int channels() {
        return generator.channels();
    }

    @Override
    public CNN2DFormat format() {
        return format;
    }

    @Override
    public DataSetIterator train(int batchSize, long shuffleSeed, int epoch) {
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < train.numExamples(); i++) {
            order.add(i);
        }
        Collections.shuffle(order, new Random(shuffleSeed * 1_000_003L + epoch));
        long[] indices = order.stream().mapToLong(Integer::longValue).toArray();
        INDArray features = train.getFeatures().get(NDArrayIndex.indices(indices)).dup('c');
        INDArray labels = train.getLabels().get(NDArrayIndex.indices(indices)).dup('c');
        return batches(new DataSet(features, labels), batchSize);
    }

    @Override
    public DataSetIterator test(int batchSize) {
        return batches(test, batchSize);
    }

    private DataSetIterator batches(DataSet data, int batchSize) {
        return new BatchListIterator(data.batchBy(batchSize), classNames);
    }

    @Override
    public String description() {
        return "generated spatial patterns (" + generator.size() + "x" + generator.size() + "x"
                + generator.channels() + ", " + numClasses() + " classes = board cells, train " + trainSize()
                + (validation == null ? "" : ", validation " + validationSize() + " (held out of train per class)")
                + ", test " + testSize() + ", seed " + seed + ")";
    }

    @Override
    public List<String> skippedFiles() {
        return List.of();
    }
}
