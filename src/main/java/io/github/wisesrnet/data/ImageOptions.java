package io.github.wisesrnet.data;

import org.deeplearning4j.nn.conf.CNN2DFormat;

import java.util.Objects;

/**
 * How {@link ImageFolderData} loads images. Start from {@link #of(int, int)} (the paper's settings) and change parts
 * with the {@code with...} methods.
 *
 * @param height         output image height in pixels; every image is resized (not cropped) to height x width
 * @param width          output image width in pixels (need not equal the height)
 * @param format         feature layout: NCHW {@code [n, 3, h, w]} or NHWC {@code [n, h, w, 3]}
 * @param preprocessing  how pixels become network inputs
 * @param augmentation   random changes to training images (test images are never augmented)
 * @param workers        threads that decode and augment images in parallel, at least 1
 * @param prefetch       batches loaded ahead of the one being consumed, at least 0
 * @param strict         throw on the first damaged image instead of skipping it with a warning
 * @param maxPerClass    use only the first N images of each class, in file-name order (string order); 0 = all.
 *                       For quick runs and tests; with {@link ImageFolderData#split} the cap applies before the split
 */
public record ImageOptions(int height, int width, CNN2DFormat format, Preprocessing preprocessing,
                           Augmentation augmentation, int workers, int prefetch, boolean strict, int maxPerClass) {

    /**
     * Checks the components' ranges and that the objects are not null.
     *
     * @throws IllegalArgumentException if the size is below 1x1, {@code workers < 1}, {@code prefetch < 0} or
     *                                  {@code maxPerClass < 0}
     * @throws NullPointerException     if {@code format}, {@code preprocessing} or {@code augmentation} is null
     */
    public ImageOptions {
        if (height < 1 || width < 1) {
            throw new IllegalArgumentException("Image size must be at least 1x1, got " + height + "x" + width);
        }
        Objects.requireNonNull(format, "format");
        Objects.requireNonNull(preprocessing, "preprocessing");
        Objects.requireNonNull(augmentation, "augmentation (use Augmentation.none() for none)");
        if (workers < 1) {
            throw new IllegalArgumentException("workers must be at least 1, got " + workers);
        }
        if (prefetch < 0) {
            throw new IllegalArgumentException("prefetch must be at least 0, got " + prefetch);
        }
        if (maxPerClass < 0) {
            throw new IllegalArgumentException("maxPerClass must be 0 (all) or positive, got " + maxPerClass);
        }
    }

    /**
     * The paper's settings at the given size: NCHW, {@link Preprocessing#CAFFE}, {@link Augmentation#paper()}, one
     * worker per available processor, 2 batches prefetched, damaged images skipped, all images.
     */
    public static ImageOptions of(int height, int width) {
        return new ImageOptions(height, width, CNN2DFormat.NCHW, Preprocessing.CAFFE, Augmentation.paper(),
                Runtime.getRuntime().availableProcessors(), 2, false, 0);
    }

    /** A copy with this output size in pixels. */
    public ImageOptions withSize(int height, int width) {
        return new ImageOptions(height, width, format, preprocessing, augmentation, workers, prefetch, strict,
                maxPerClass);
    }

    /** A copy with this feature layout (not null). */
    public ImageOptions withFormat(CNN2DFormat format) {
        return new ImageOptions(height, width, format, preprocessing, augmentation, workers, prefetch, strict,
                maxPerClass);
    }

    /** A copy with this preprocessing (not null). */
    public ImageOptions withPreprocessing(Preprocessing preprocessing) {
        return new ImageOptions(height, width, format, preprocessing, augmentation, workers, prefetch, strict,
                maxPerClass);
    }

    /** A copy with this augmentation of training images (not null; {@link Augmentation#none()} for none). */
    public ImageOptions withAugmentation(Augmentation augmentation) {
        return new ImageOptions(height, width, format, preprocessing, augmentation, workers, prefetch, strict,
                maxPerClass);
    }

    /** A copy with this many decoding threads, at least 1. */
    public ImageOptions withWorkers(int workers) {
        return new ImageOptions(height, width, format, preprocessing, augmentation, workers, prefetch, strict,
                maxPerClass);
    }

    /** A copy that loads this many batches ahead, at least 0. */
    public ImageOptions withPrefetch(int prefetch) {
        return new ImageOptions(height, width, format, preprocessing, augmentation, workers, prefetch, strict,
                maxPerClass);
    }

    /** A copy that throws on a damaged image ({@code true}) or skips it with a warning. */
    public ImageOptions withStrict(boolean strict) {
        return new ImageOptions(height, width, format, preprocessing, augmentation, workers, prefetch, strict,
                maxPerClass);
    }

    /** A copy that uses at most this many images per class (0 = all). */
    public ImageOptions withMaxPerClass(int maxPerClass) {
        return new ImageOptions(height, width, format, preprocessing, augmentation, workers, prefetch, strict,
                maxPerClass);
    }
}
