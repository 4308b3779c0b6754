package io.github.wisesrnet.data;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.opencv.opencv_core.Mat;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.TreeSet;
import java.util.stream.IntStream;

/**
 * Labelled images from folders on disk, one sub-folder per class, loaded in parallel by {@link ImageBatchIterator}s.
 *
 * <p>Features are float {@code [n, 3, height, width]} (NCHW) or {@code [n, height, width, 3]} (NHWC): each image is
 * decoded to RGB (grayscale expanded, alpha dropped), resized to the configured size without cropping, augmented
 * (training only) and preprocessed ({@link ImageOptions}). Labels are one-hot float {@code [n, numClasses]}; class
 * names are the sorted class folder names.
 *
 * <p>Damaged files: when the data set is opened, every image file gets a structural check that reads only its ends
 * (empty, not an image, truncated; see {@link ImageFileCheck}), fast enough for any data set size (a full decode of
 * the 10,899 Intel images would take about 10 s of CPU). A file that passes it but still fails to decode is found
 * while loading; in both cases the file is skipped with a WARN naming it and listed in {@link #skippedFiles()}, or,
 * in strict mode, an exception names it. A file found while loading keeps its place in the order and the next image
 * of the order fills its slot each epoch, so batches stay full and runs reproducible. Files that are not images
 * (other extensions) are always skipped with a WARN and listed.
 */
public final class ImageFolderData implements ClassificationData {

    private static final Logger log = LoggerFactory.getLogger(ImageFolderData.class);
    private static final int SIZE_PROBES = 8;

    private final String source;
    private final List<String> classNames;
    private final List<LabelledImage> train;
    private final List<LabelledImage> test;
    private final List<LabelledImage> validation;
    private final ImageOptions options;
    private final SkipLog skipLog;
    private final String sourceSize;

    private ImageFolderData(String source, List<String> classNames, List<LabelledImage> train,
                            List<LabelledImage> test, ImageOptions options, List<String> skipped) {
        this(source, classNames, train, List.of(), test, options, skipped);
    }

    private ImageFolderData(String source, List<String> classNames, List<LabelledImage> train,
                            List<LabelledImage> validation, List<LabelledImage> test, ImageOptions options,
                            List<String> skipped) {
        this.source = source;
        this.classNames = List.copyOf(classNames);
        this.train = List.copyOf(train);
        this.validation = List.copyOf(validation);
        this.test = List.copyOf(test);
        this.options = options;
        this.skipLog = new SkipLog(skipped);
        this.sourceSize = probeSourceSize(this.train.isEmpty() ? this.test : this.train);
        log.info("Opened {}", description());
    }

    /**
     * Images laid out as {@code root/train/<class>/*} and {@code root/test/<class>/*}, the layout of the Intel
     * Image Classification copy. Both splits must have the same class folders.
     *
     * @throws IllegalArgumentException if root, train/ or test/ is missing, the class folders differ, a class has
     *                                  no usable image, or (strict) an image is damaged; the message names the path
     */
    public static ImageFolderData trainTest(Path root, ImageOptions options) {
        String expected = " Expected " + root.resolve("train").resolve("<class name>").resolve("<image>.jpg") + " and "
                + root.resolve("test").resolve("<class name>").resolve("<image>.jpg") + ", the same class folders in both.";
        if (!Files.isDirectory(root)) {
            throw new IllegalArgumentException("Image folder " + root
                    + (Files.exists(root) ? " is not a folder." : " does not exist.") + expected);
        }
        for (String split : List.of("train", "test")) {
            if (!Files.isDirectory(root.resolve(split))) {
                throw new IllegalArgumentException("Image folder " + root + " has no " + split + "/ folder ("
                        + root.resolve(split) + " is missing)." + expected
                        + " For a single folder of classes, use ImageFolderData.split.");
            }
        }
        ClassFolders trainFolders = ClassFolderScanner.scan(root.resolve("train"), options.maxPerClass(),
                options.strict());
        ClassFolders testFolders = ClassFolderScanner.scan(root.resolve("test"), options.maxPerClass(),
                options.strict());
        requireSameClasses(trainFolders, testFolders);
        List<String> skipped = new ArrayList<>(trainFolders.skipped());
        skipped.addAll(testFolders.skipped());
        return new ImageFolderData("image folders " + root.toAbsolutePath().normalize(), trainFolders.classNames(), labelled(trainFolders.images()),
                labelled(testFolders.images()), options, skipped);
    }

    /**
     * One folder of class sub-folders ({@code folder/<class>/*}) split into train and test per class (stratified):
     * in each class a seeded shuffle puts {@code round(n * testFraction)} images in test, at least one and at most
     * n - 1 when the class has two or more images (a class with one image goes to train). With
     * {@link ImageOptions#maxPerClass()} the cap applies before the split.
     *
     * @param testFraction fraction of each class for test, in (0, 1)
     * @param seed         seed of the split; the same seed gives the same split
     * @throws IllegalArgumentException if the folder is missing, has no class folders, a class has no usable image,
     *                                  the split leaves no test image, or (strict) an image is damaged
     */
    public static ImageFolderData split(Path folder, double testFraction, long seed, ImageOptions options) {
        if (!(testFraction > 0 && testFraction < 1)) {
            throw new IllegalArgumentException("testFraction must be in (0, 1), got " + testFraction);
        }
        ClassFolders folders = ClassFolderScanner.scan(folder, options.maxPerClass(), options.strict());
        List<LabelledImage> train = new ArrayList<>();
        List<LabelledImage> test = new ArrayList<>();
        for (int label = 0; label < folders.classNames().size(); label++) {
            List<Path> files = new ArrayList<>(folders.images().get(label));
            Collections.shuffle(files, new Random(Seeds.mix(seed, label)));
            int n = files.size();
            int nTest = Splits.heldOut(n, testFraction);
            for (int i = 0; i < n; i++) {
                (i < nTest ? test : train).add(new LabelledImage(files.get(i), label));
            }
        }
        if (test.isEmpty()) {
            throw new IllegalArgumentException("Splitting " + folder + " leaves no test image: every class folder "
                    + "has a single image. Add images, or use a root with train/ and test/ folders.");
        }
        Comparator<LabelledImage> byClassThenName = Comparator.comparingInt(LabelledImage::label)
                .thenComparing(image -> image.path().getFileName().toString());
        train.sort(byClassThenName);
        test.sort(byClassThenName);
        String source = "image folder " + folder.toAbsolutePath().normalize() + " split " + Math.round(100 * (1 - testFraction)) + "/"
                + Math.round(100 * testFraction) + " seed " + seed;
        return new ImageFolderData(source, folders.classNames(), train, test, options, folders.skipped());
    }

    /**
     * The same data with a validation split held out of the training images, per class (stratified): a seeded
     * shuffle of each class's training images puts {@code round(n * fraction)} of them in validation (at least one,
     * at most n - 1, for classes with two or more images). The test split is unchanged. The same seed gives the same
     * split; it does not depend on the seeds of training.
     *
     * @param fraction in [0, 1); 0 returns this data unchanged
     */
    public ImageFolderData withValidation(double fraction, long seed) {
        Splits.requireValidationFraction(fraction);
        if (fraction == 0) {
            return this;
        }
        List<LabelledImage> kept = new ArrayList<>();
        List<LabelledImage> held = new ArrayList<>();
        for (int label = 0; label < classNames.size(); label++) {
            int l = label;
            List<LabelledImage> images = new ArrayList<>(train.stream().filter(i -> i.label() == l).toList());
            Collections.shuffle(images, new Random(Seeds.mix(seed, VALIDATION_SALT, label)));
            int nVal = Splits.heldOut(images.size(), fraction);
            held.addAll(images.subList(0, nVal));
            kept.addAll(images.subList(nVal, images.size()));
        }
        if (held.isEmpty()) {
            throw new IllegalArgumentException("A validation fraction of " + fraction + " holds out no image: every"
                    + " class has fewer than 2 training images. Add images, or train without --val-fraction.");
        }
        Comparator<LabelledImage> byClassThenName = Comparator.comparingInt(LabelledImage::label)
                .thenComparing(image -> image.path().toString());
        kept.sort(byClassThenName);
        held.sort(byClassThenName);
        return new ImageFolderData(source + ", validation " + Math.round(100 * fraction) + "% of train per class seed "
                + seed, classNames, kept, held, test, options, skipLog.entries());
    }

    /**
     * Only the test images of a data folder, for evaluation: {@code root/test/<class>/*} when {@code root/test}
     * exists, else {@code root/<class>/*}, all of them. There is no training split.
     */
    public static ImageFolderData testOnly(Path root, ImageOptions options) {
        Path folder = Files.isDirectory(root.resolve("test")) ? root.resolve("test") : root;
        ClassFolders folders = ClassFolderScanner.scan(folder, options.maxPerClass(), options.strict());
        return new ImageFolderData("test images " + folder.toAbsolutePath().normalize(), folders.classNames(),
                List.of(), labelled(folders.images()), options, folders.skipped());
    }

    /** Salt that keeps the validation shuffle apart from the test split's. */
    private static final long VALIDATION_SALT = 0x76616C6964L;

    private static void requireSameClasses(ClassFolders train, ClassFolders test) {
        if (train.classNames().equals(test.classNames())) {
            return;
        }
        TreeSet<String> onlyTrain = new TreeSet<>(train.classNames());
        onlyTrain.removeAll(test.classNames());
        TreeSet<String> onlyTest = new TreeSet<>(test.classNames());
        onlyTest.removeAll(train.classNames());
        throw new IllegalArgumentException("Train and test have different classes: only in " + train.folder() + ": "
                + onlyTrain + ", only in " + test.folder() + ": " + onlyTest
                + ". Both need the same class folders; add or remove folders so they match.");
    }

    private static List<LabelledImage> labelled(List<List<Path>> imagesPerClass) {
        List<LabelledImage> out = new ArrayList<>();
        for (int label = 0; label < imagesPerClass.size(); label++) {
            for (Path file : imagesPerClass.get(label)) {
                out.add(new LabelledImage(file, label));
            }
        }
        return out;
    }

    /**
     * The size (height x width) of the first image of each of the first classes, e.g. "150x150"; "mixed sizes"
     * when they differ, "?" when they cannot be read.
     */
    private static String probeSourceSize(List<LabelledImage> images) {
        TreeSet<String> sizes = new TreeSet<>();
        int lastLabel = -1;
        for (LabelledImage image : images) {
            if (image.label() == lastLabel) {
                continue;
            }
            lastLabel = image.label();
            try (PointerScope scope = new PointerScope()) {
                Mat mat = ImageDecoder.decodeBgr(image.path());
                sizes.add(mat.rows() + "x" + mat.cols());
            } catch (IOException | RuntimeException e) {
                sizes.add("?");
            }
            if (lastLabel + 1 >= SIZE_PROBES) {
                break;
            }
        }
        return sizes.size() == 1 ? sizes.first() : "mixed sizes";
    }

    /** Training images in their unshuffled order (class, then file name), for tests. */
    List<LabelledImage> trainImages() {
        return train;
    }

    /** Test images in their order, for tests. */
    List<LabelledImage> testImages() {
        return test;
    }

    /** The options the images are loaded with. */
    public ImageOptions options() {
        return options;
    }

    @Override
    public List<String> classNames() {
        return classNames;
    }

    @Override
    public int trainSize() {
        return train.size();
    }

    @Override
    public int testSize() {
        return test.size();
    }

    @Override
    public int height() {
        return options.height();
    }

    @Override
    public int width() {
        return options.width();
    }

    /** Always 3: images are loaded as RGB. */
    @Override
    public int channels() {
        return 3;
    }

    @Override
    public CNN2DFormat format() {
        return options.format();
    }

    /**
     * Training batches: the order is a shuffle seeded by (seed, epoch), each image augmented with a random draw
     * seeded by (seed, epoch, image index). The same arguments give the same batches, whatever the number of workers.
     */
    @Override
    public ImageBatchIterator train(int batchSize, long seed, int epoch) {
        int[] order = IntStream.range(0, train.size()).toArray();
        shuffle(order, new Random(Seeds.mix(seed, epoch)));
        return new ImageBatchIterator(train, order, batchSize, classNames, options, options.augmentation(), seed,
                epoch, skipLog);
    }

    @Override
    public int validationSize() {
        return validation.size();
    }

    /** Validation batches in class order, then file-name order; never augmented. */
    @Override
    public ImageBatchIterator validation(int batchSize) {
        if (validation.isEmpty()) {
            throw new IllegalStateException("This data set has no validation split.");
        }
        int[] order = IntStream.range(0, validation.size()).toArray();
        return new ImageBatchIterator(validation, order, batchSize, classNames, options, Augmentation.none(), 0, 0,
                skipLog);
    }

    /** The validation images (empty without a validation split). */
    List<LabelledImage> validationImages() {
        return validation;
    }

    /** Test batches in class order, then file-name order; never augmented. */
    @Override
    public ImageBatchIterator test(int batchSize) {
        int[] order = IntStream.range(0, test.size()).toArray();
        return new ImageBatchIterator(test, order, batchSize, classNames, options, Augmentation.none(), 0, 0,
                skipLog);
    }

    private static void shuffle(int[] values, Random random) {
        for (int i = values.length - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = values[i];
            values[i] = values[j];
            values[j] = t;
        }
    }

    /**
     * E.g. "image folders /data/intel (train 8741, test 2158, 6 classes, 150x150->96x96, caffe, paper augmentation)",
     * plus the layout if NHWC, the per-class cap and the number of skipped files when there are any. Sizes are
     * height x width: the source size is that of the first image of the first classes, the target the loaded size.
     */
    @Override
    public Preprocessing preprocessing() {
        return options.preprocessing();
    }

    @Override
    public String description() {
        StringBuilder s = new StringBuilder(source).append(" (train ").append(trainSize())
                .append(validation.isEmpty() ? "" : ", validation " + validation.size()).append(", test ")
                .append(testSize()).append(", ").append(numClasses()).append(" classes, ").append(sourceSize)
                .append("->").append(options.height()).append("x").append(options.width());
        if (options.format() != CNN2DFormat.NCHW) {
            s.append(" ").append(options.format());
        }
        s.append(", ").append(options.preprocessing().label()).append(", ").append(options.augmentation().describe());
        if (options.maxPerClass() > 0) {
            s.append(", max ").append(options.maxPerClass()).append(" per class");
        }
        int skipped = skippedFiles().size();
        if (skipped > 0) {
            s.append(", ").append(skipped).append(skipped == 1 ? " file" : " files").append(" skipped");
        }
        return s.append(")").toString();
    }

    /**
     * Files not used, each "path: reason": non-image files, damaged images found when opening, and images that
     * failed to decode while loading so far.
     */
    @Override
    public List<String> skippedFiles() {
        return skipLog.entries();
    }

    @Override
    public String toString() {
        return description();
    }
}
