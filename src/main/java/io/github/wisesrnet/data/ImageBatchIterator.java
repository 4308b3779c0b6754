package io.github.wisesrnet.data;

import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.DataSetPreProcessor;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.nd4j.linalg.factory.Nd4j;

import java.io.IOException;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Batches of images in a fixed order, decoded and augmented on worker threads with batches loaded ahead.
 *
 * <p>Each batch is a {@link DataSet} with features float {@code [n, 3, h, w]} (NCHW) or {@code [n, h, w, 3]} (NHWC),
 * preprocessed, and one-hot float labels {@code [n, numClasses]}; n is the batch size except for a smaller last
 * batch. The content depends only on the image files, the order, the seed and the epoch, not on the number of
 * workers or thread timing: each image's augmentation comes from its own {@link Random} seeded by (seed, epoch,
 * image index).
 *
 * <p>Loading: every image of a batch is a task on a pool of {@code workers} threads; the batch being returned plus
 * up to {@code prefetch} following batches are loading at any time. The threads stop when the last batch is
 * returned, on {@link #reset()}, on {@link #close()} and after a failure, whose exception reaches the caller from
 * {@link #next()} as an {@link ImageLoadingException}. An abandoned iterator's idle threads end after a few seconds.
 *
 * <p>{@link #reset()} restarts the same epoch (same order and augmentation); ask the data set for the next epoch's
 * iterator instead. Not thread-safe: one consumer.
 */
public final class ImageBatchIterator implements DataSetIterator, AutoCloseable {

    private static final AtomicInteger POOL_IDS = new AtomicInteger();
    /** Prefix of the loader threads' names. */
    static final String THREAD_PREFIX = "wisesrnet-images-";

    private final List<LabelledImage> images;
    private final int[] order;
    private final int batchSize;
    private final int numBatches;
    private final List<String> classNames;
    private final ImageOptions options;
    private final Augmentation augmentation;
    private final long seed;
    private final int epoch;
    private final ImageLoader loader;
    private final SkipLog skipLog;
    private final Deque<CompletableFuture<DataSet>> inFlight = new ArrayDeque<>();

    private ThreadPoolExecutor executor;
    private String threadName;
    private int nextToSubmit;
    private int nextToReturn;
    private DataSetPreProcessor preProcessor;

    ImageBatchIterator(List<LabelledImage> images, int[] order, int batchSize, List<String> classNames,
                       ImageOptions options, Augmentation augmentation, long seed, int epoch, SkipLog skipLog) {
        if (batchSize < 1) {
            throw new IllegalArgumentException("batchSize must be at least 1, got " + batchSize);
        }
        this.images = images;
        this.order = order;
        this.batchSize = batchSize;
        this.numBatches = (order.length + batchSize - 1) / batchSize;
        this.classNames = classNames;
        this.options = options;
        this.augmentation = augmentation;
        this.seed = seed;
        this.epoch = epoch;
        this.loader = new ImageLoader(options.height(), options.width(), options.format(),
                options.preprocessing().wantsBgr());
        this.skipLog = skipLog;
    }

    /** Examples per pass. */
    public int totalExamples() {
        return order.length;
    }

    /** Batches per pass. */
    public int numBatches() {
        return numBatches;
    }

    @Override
    public boolean hasNext() {
        return nextToReturn < numBatches;
    }

    @Override
    public DataSet next() {
        if (!hasNext()) {
            throw new NoSuchElementException("All " + numBatches + " batches were returned; call reset() to start "
                    + "again");
        }
        submitAhead();
        CompletableFuture<DataSet> head = inFlight.poll();
        int batch = nextToReturn++;
        DataSet data = await(head, batch);
        if (!hasNext()) {
            stop();
        }
        if (preProcessor != null) {
            preProcessor.preProcess(data);
        }
        return data;
    }

    /** Supported only for {@code num} equal to {@link #batch()}: the batch size is fixed when the iterator is made. */
    @Override
    public DataSet next(int num) {
        if (num != batchSize) {
            throw new UnsupportedOperationException("This iterator returns batches of " + batchSize
                    + "; ask the data set for an iterator with batch size " + num + " instead.");
        }
        return next();
    }

    @Override
    public void reset() {
        stop();
        nextToReturn = 0;
        nextToSubmit = 0;
    }

    /** Stops the loader threads; {@link #next()} restarts them if batches remain. */
    @Override
    public void close() {
        stop();
    }

    @Override
    public int inputColumns() {
        return options.height() * options.width() * 3;
    }

    @Override
    public int totalOutcomes() {
        return classNames.size();
    }

    @Override
    public boolean resetSupported() {
        return true;
    }

    /** False: batches are already loaded ahead on this iterator's own threads. */
    @Override
    public boolean asyncSupported() {
        return false;
    }

    @Override
    public int batch() {
        return batchSize;
    }

    @Override
    public void setPreProcessor(DataSetPreProcessor preProcessor) {
        this.preProcessor = preProcessor;
    }

    @Override
    public DataSetPreProcessor getPreProcessor() {
        return preProcessor;
    }

    /** Class names, index = label index. */
    @Override
    public List<String> getLabels() {
        return classNames;
    }

    /** Name prefix of the loader threads this iterator started last, or null if it never started any. */
    String threadName() {
        return threadName;
    }

    private void submitAhead() {
        if (executor == null) {
            executor = newExecutor();
        }
        while (nextToSubmit < numBatches && nextToSubmit <= nextToReturn + options.prefetch()) {
            inFlight.add(submit(nextToSubmit++));
        }
    }

    private CompletableFuture<DataSet> submit(int batch) {
        int start = batch * batchSize;
        int n = Math.min(batchSize, order.length - start);
        float[] pixels = new float[n * loader.pixelsPerImage()];
        int[] labels = new int[n];
        CompletableFuture<?>[] parts = new CompletableFuture<?>[n];
        for (int slot = 0; slot < n; slot++) {
            int s = slot;
            parts[slot] = CompletableFuture.runAsync(() -> loadSlot(start + s, s, pixels, labels), executor);
        }
        // Assembled on a loader thread too, never on the caller's (which may have an ND4J workspace open).
        return CompletableFuture.allOf(parts).thenApplyAsync(done -> assemble(pixels, labels), executor);
    }

    /**
     * Loads the image at {@code position} of the order into a batch slot. An image that fails to decode is skipped
     * (or, when strict, fails the batch); the next image of the order takes its place, so batches stay full.
     */
    private void loadSlot(int position, int slot, float[] pixels, int[] labels) {
        for (int attempt = 0; attempt < order.length; attempt++) {
            int index = order[(position + attempt) % order.length];
            LabelledImage image = images.get(index);
            try {
                loader.load(image.path(), sample(index), pixels, slot * loader.pixelsPerImage());
                labels[slot] = image.label();
                return;
            } catch (IOException e) {
                if (options.strict()) {
                    throw new ImageLoadingException("Cannot decode image " + image.path() + ": " + e.getMessage()
                            + ". Remove or replace the file, or turn strict mode off to skip damaged images.", e);
                }
                skipLog.decodeFailed(image.path(), e.getMessage());
            }
        }
        throw new ImageLoadingException("None of the " + order.length + " images could be decoded; see the warnings"
                + " above.", null);
    }

    private AugmentationSample sample(int imageIndex) {
        if (augmentation.isNone()) {
            return AugmentationSample.IDENTITY;
        }
        Random random = new Random(Seeds.mix(seed, epoch, imageIndex));
        return AugmentationSample.draw(augmentation, random, options.height(), options.width());
    }

    private DataSet assemble(float[] pixels, int[] labels) {
        int n = labels.length;
        long[] shape = options.format() == CNN2DFormat.NCHW
                ? new long[] {n, 3, options.height(), options.width()}
                : new long[] {n, options.height(), options.width(), 3};
        // Pixels are already in the channel order the preprocessing works on, so only its values step is left.
        INDArray features = options.preprocessing().applyInOrder(Nd4j.create(pixels, shape, 'c'), options.format());
        int k = classNames.size();
        float[] oneHot = new float[n * k];
        for (int i = 0; i < n; i++) {
            oneHot[i * k + labels[i]] = 1f;
        }
        DataSet data = new DataSet(features, Nd4j.create(oneHot, new long[] {n, k}, 'c'));
        data.setLabelNames(classNames);
        return data;
    }

    private DataSet await(CompletableFuture<DataSet> future, int batch) {
        try {
            return future.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            stop();
            throw new ImageLoadingException("Interrupted while waiting for batch " + batch + " of images", e);
        } catch (ExecutionException e) {
            stop();
            Throwable cause = e.getCause() instanceof CompletionException && e.getCause().getCause() != null
                    ? e.getCause().getCause() : e.getCause();
            String message = cause instanceof ImageLoadingException
                    ? cause.getMessage() : "Loading batch " + batch + " of images failed: " + cause;
            throw new ImageLoadingException(message, cause);
        }
    }

    private void stop() {
        for (CompletableFuture<DataSet> future : inFlight) {
            future.cancel(false);
        }
        inFlight.clear();
        nextToSubmit = nextToReturn;
        if (executor != null) {
            executor.shutdownNow();
            executor = null;
        }
    }

    private ThreadPoolExecutor newExecutor() {
        String name = THREAD_PREFIX + POOL_IDS.incrementAndGet() + "-";
        threadName = name;
        AtomicInteger count = new AtomicInteger();
        ThreadFactory factory = task -> {
            Thread thread = new Thread(task, name + count.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
        ThreadPoolExecutor pool = new ThreadPoolExecutor(options.workers(), options.workers(), 5, TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(), factory);
        pool.allowCoreThreadTimeOut(true);
        return pool;
    }
}
