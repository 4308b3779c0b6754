package io.github.wisesrnet.data;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;

import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Damaged, foreign and unusual files in class folders, on temporary folders. */
class DamagedFilesTest {

    @TempDir
    Path root;

    private static ImageOptions options() {
        return ImageOptions.of(16, 16).withWorkers(2).withAugmentation(Augmentation.none());
    }

    /** root/train/{cat,dog} with 4 good images each plus damaged ones in cat; root/test/{cat,dog} with 2 each. */
    private void damagedLayout() {
        TestImages.classFolders(root.resolve("train"), 4, "cat", "dog");
        TestImages.classFolders(root.resolve("test"), 2, "cat", "dog");
        Path cat = root.resolve("train").resolve("cat");
        TestImages.truncatedCopy(TestImages.noise(root.resolve("whole.jpg"), 64, 64, 9), cat.resolve("cut.jpg"));
        TestImages.text(cat.resolve("fake.jpg"), "this is not an image");
        TestImages.text(cat.resolve("notes.txt"), "labels checked by hand");
    }

    private static boolean mentions(List<String> skipped, Path file, String reason) {
        return skipped.stream().anyMatch(s -> s.startsWith(file + ": ") && s.contains(reason));
    }

    @Test
    void damagedAndForeignFilesAreSkippedCountedAndBatchesStayFull() {
        damagedLayout();
        ImageFolderData data = ImageFolderData.trainTest(root, options());
        Path cat = root.resolve("train").resolve("cat");
        List<String> skipped = data.skippedFiles();
        assertEquals(3, skipped.size(), skipped.toString());
        assertTrue(mentions(skipped, cat.resolve("cut.jpg"), "truncated JPEG"), skipped.toString());
        assertTrue(mentions(skipped, cat.resolve("fake.jpg"), "not a JPEG, PNG, GIF or BMP"), skipped.toString());
        assertTrue(mentions(skipped, cat.resolve("notes.txt"), "not an image file"), skipped.toString());
        assertTrue(data.description().endsWith("3 files skipped)"), data.description());
        assertEquals(8, data.trainSize());
        ImageBatchIterator it = data.train(3, 1, 0);
        int[] sizes = {3, 3, 2};
        for (int expected : sizes) {
            assertEquals(expected, it.next().numExamples());
        }
    }

    @Test
    void strictModeNamesTheDamagedFile() {
        damagedLayout();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ImageFolderData.trainTest(root, options().withStrict(true)));
        // cut.jpg comes first in file-name order.
        assertTrue(e.getMessage().contains(root.resolve("train/cat/cut.jpg").toString())
                && e.getMessage().contains("truncated JPEG") && e.getMessage().contains("strict"), e.getMessage());
    }

    @Test
    void imageThatFailsOnlyWhenDecodedIsReplacedAndReported() {
        TestImages.classFolders(root.resolve("train"), 3, "a", "b");
        TestImages.classFolders(root.resolve("test"), 1, "a", "b");
        Path bad = TestImages.undecodableJpeg(root.resolve("train/a/img1_bad.jpg"));
        ImageFolderData data = ImageFolderData.trainTest(root, options());
        assertTrue(data.skippedFiles().isEmpty(), "passes the structural check");
        assertEquals(7, data.trainSize());
        for (int epoch = 0; epoch < 2; epoch++) {
            ImageBatchIterator it = data.train(4, 5, epoch);
            assertEquals(4, it.next().numExamples());
            DataSet last = it.next();
            assertEquals(3, last.numExamples());
        }
        List<String> skipped = data.skippedFiles();
        assertEquals(1, skipped.size(), "reported once: " + skipped);
        assertTrue(skipped.get(0).startsWith(bad + ": "), skipped.toString());
        // The same epoch gives the same batches, substitution included.
        assertEquals(data.train(7, 5, 0).next(), data.train(7, 5, 0).next());
    }

    @Test
    void strictModeFailsTheBatchOnTheCallersThreadNamingTheFile() throws InterruptedException {
        TestImages.classFolders(root.resolve("train"), 3, "a", "b");
        TestImages.classFolders(root.resolve("test"), 1, "a", "b");
        Path bad = TestImages.undecodableJpeg(root.resolve("train/a/img1_bad.jpg"));
        ImageFolderData data = ImageFolderData.trainTest(root, options().withStrict(true));
        ImageBatchIterator it = data.train(7, 5, 0);
        ImageLoadingException e = assertThrows(ImageLoadingException.class, it::next);
        assertTrue(e.getMessage().contains(bad.toString()) && e.getMessage().contains("Cannot decode"),
                e.getMessage());
        ImageBatchIteratorTest.assertThreadsStop(it.threadName());
    }

    /** The same five images of different formats in class a, one image in class b. */
    private static void formatFixtures(Path split) {
        Path a = split.resolve("a");
        int rgb = (200 << 16) | (100 << 8) | 30;
        TestImages.gray(a.resolve("1-gray.png"), 8, 8, 77);
        TestImages.solid(a.resolve("2-alpha.png"), 8, 8, BufferedImage.TYPE_INT_ARGB, (128 << 24) | rgb);
        TestImages.solid(a.resolve("3-palette.gif"), 8, 8, BufferedImage.TYPE_INT_RGB, rgb);
        TestImages.solid(a.resolve("4-bitmap.bmp"), 8, 8, BufferedImage.TYPE_INT_RGB, rgb);
        TestImages.solid(a.resolve("5-upper.JPEG"), 8, 8, BufferedImage.TYPE_INT_RGB, rgb);
        TestImages.solid(split.resolve("b").resolve("x.png"), 8, 8, BufferedImage.TYPE_INT_RGB, rgb);
    }

    @Test
    void otherFormatsLoadAsThreeChannelRgb() {
        formatFixtures(root.resolve("train"));
        formatFixtures(root.resolve("test"));
        ImageFolderData data = ImageFolderData.trainTest(root,
                options().withSize(8, 8).withPreprocessing(Preprocessing.UNIT));
        assertTrue(data.skippedFiles().isEmpty(), data.skippedFiles().toString());
        assertEquals(6, data.testSize());
        INDArray x = data.test(6).next().getFeatures().mul(255);
        float[][] expected = {{77, 77, 77}, {200, 100, 30}, {200, 100, 30}, {200, 100, 30}, {200, 100, 30}};
        for (int i = 0; i < expected.length; i++) {
            for (int c = 0; c < 3; c++) {
                assertEquals(expected[i][c], x.getFloat(i, c, 4, 4), 2.0f, "image " + i + " channel " + c);
            }
        }
    }
}
