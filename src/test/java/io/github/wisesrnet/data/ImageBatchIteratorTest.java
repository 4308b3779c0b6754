package io.github.wisesrnet.data;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.dataset.DataSet;

import java.nio.file.Path;
import java.util.List;
import java.util.NoSuchElementException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** The DataSetIterator contract and the loader threads' life cycle. */
class ImageBatchIteratorTest {

    @TempDir
    static Path root;
    private static ImageFolderData data;

    @BeforeAll
    static void images() {
        TestImages.classFolders(root.resolve("train"), 6, "a", "b", "c");
        TestImages.classFolders(root.resolve("test"), 2, "a", "b", "c");
        data = ImageFolderData.trainTest(root, ImageOptions.of(12, 20).withWorkers(2).withPrefetch(1));
    }

    /** Waits up to 10 s for every thread whose name starts with {@code prefix} to end. */
    static void assertThreadsStop(String prefix) throws InterruptedException {
        assertNotNull(prefix, "no loader threads were started");
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (System.nanoTime() < deadline) {
            if (Thread.getAllStackTraces().keySet().stream().noneMatch(t -> t.getName().startsWith(prefix)
                    && t.isAlive())) {
                return;
            }
            Thread.sleep(20);
        }
        fail("loader threads " + prefix + "* still running");
    }

    @Test
    void followsTheDataSetIteratorContract() throws InterruptedException {
        ImageBatchIterator it = data.train(5, 3, 0);
        assertEquals(List.of("a", "b", "c"), it.getLabels());
        assertEquals(12 * 20 * 3, it.inputColumns());
        assertEquals(3, it.totalOutcomes());
        assertEquals(5, it.batch());
        assertEquals(18, it.totalExamples());
        assertEquals(4, it.numBatches());
        assertTrue(it.resetSupported());
        assertFalse(it.asyncSupported());
        int examples = 0;
        int batches = 0;
        while (it.hasNext()) {
            DataSet batch = it.next();
            examples += batch.numExamples();
            batches++;
        }
        assertEquals(18, examples);
        assertEquals(4, batches);
        assertThrows(NoSuchElementException.class, it::next);
        assertThreadsStop(it.threadName());

        it.reset();
        assertTrue(it.hasNext());
        DataSet first = it.next();
        it.reset();
        assertEquals(first, it.next(), "reset replays the same epoch");
        assertThrows(UnsupportedOperationException.class, () -> it.next(3));
        assertEquals(5, it.next(5).numExamples());
        it.close();
        assertThreadsStop(it.threadName());
    }

    @Test
    void threadsStopOnResetMidEpoch() throws InterruptedException {
        ImageBatchIterator it = data.train(2, 3, 0);
        it.next();
        String firstPool = it.threadName();
        it.reset();
        assertThreadsStop(firstPool);
        int batches = 0;
        while (it.hasNext()) {
            it.next();
            batches++;
        }
        assertEquals(9, batches, "a reset mid-epoch starts over with every batch");
    }

    @Test
    void preProcessorIsApplied() {
        ImageBatchIterator it = data.test(4);
        it.setPreProcessor(ds -> ds.getFeatures().assign(7));
        assertNotNull(it.getPreProcessor());
        assertEquals(7.0, it.next().getFeatures().maxNumber().doubleValue(), 0.0);
        it.close();
    }

    @Test
    void rejectsBadBatchSize() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> data.train(0, 1, 0));
        assertTrue(e.getMessage().contains("batchSize"), e.getMessage());
    }
}
