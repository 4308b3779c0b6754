package io.github.wisesrnet.data;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Decode + resize + augment + preprocess throughput of {@link ImageFolderData} training batches on the Intel images,
 * with an idle consumer: the rate at which the loader can feed training. Excluded from the default run; run with
 * {@code mvn test -Pbenchmark -Dtest=ImageLoadingBenchmark}. The number of images per
 * class can be set with {@code -Dwisesrnet.bench.perClass=N} (default 200, so 1,200 images a pass).
 */
@Tag("benchmark")
class ImageLoadingBenchmark {

    private static final Logger log = LoggerFactory.getLogger(ImageLoadingBenchmark.class);

    @Test
    void throughput() {
        IntelImageFolderTest.assumeIntelImages();
        int perClass = Integer.getInteger("wisesrnet.bench.perClass", 200);
        List<String> rows = new ArrayList<>();
        rows.add(String.format(Locale.ROOT, "%-8s %-13s %7s %10s", "size", "augmentation", "workers", "images/s"));
        for (int size : new int[] {224, 96}) {
            for (Augmentation augmentation : List.of(Augmentation.none(), Augmentation.paper())) {
                for (int workers : new int[] {1, 2}) {
                    ImageOptions options = ImageOptions.of(size, size).withAugmentation(augmentation)
                            .withWorkers(workers).withMaxPerClass(perClass);
                    ImageFolderData data = ImageFolderData.trainTest(IntelImageFolderTest.INTEL, options);
                    pass(data, 0); // warm-up: JIT, file cache, native libraries
                    double rate = Math.max(pass(data, 1), pass(data, 2));
                    rows.add(String.format(Locale.ROOT, "%-8s %-13s %7d %10.0f", size + "x" + size,
                            augmentation.isNone() ? "none" : "paper", workers, rate));
                }
            }
        }
        log.info("Image loading throughput ({} images a pass, batch 64, {} processors, best of 2 passes):\n{}",
                6 * perClass, Runtime.getRuntime().availableProcessors(), String.join("\n", rows));
    }

    /** One epoch of training batches; returns images per second. */
    private static double pass(ImageFolderData data, int epoch) {
        long start = System.nanoTime();
        int images = 0;
        ImageBatchIterator it = data.train(64, 1, epoch);
        while (it.hasNext()) {
            images += it.next().numExamples();
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        assertEquals(data.trainSize(), images);
        return images / seconds;
    }
}
