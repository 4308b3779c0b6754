package io.github.wisesrnet.data;

import org.datavec.image.loader.NativeImageLoader;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * {@link ImageFolderData} on a slice (5 images per class) of the real Intel images. Skipped when the images are
 * absent; set system property {@code wisesrnet.intel.dir} to read them from elsewhere.
 */
class IntelImageFolderTest {

    static final Path INTEL = TestImages.INTEL;
    private static final List<String> CLASSES = List.of("buildings", "forest", "glacier", "mountain", "sea", "street");
    private static final int PER_CLASS = 5;

    static void assumeIntelImages() {
        assumeTrue(Files.isDirectory(INTEL.resolve("train")) && Files.isDirectory(INTEL.resolve("test")),
                "Intel images not found at " + INTEL.toAbsolutePath() + ": skipped");
    }

    @BeforeEach
    void requireImages() {
        assumeIntelImages();
    }

    private static ImageOptions options(int height, int width) {
        return ImageOptions.of(height, width).withMaxPerClass(PER_CLASS).withWorkers(2);
    }

    private static List<DataSet> all(ImageBatchIterator it) {
        List<DataSet> out = new ArrayList<>();
        while (it.hasNext()) {
            out.add(it.next());
        }
        return out;
    }

    private static INDArray features(List<DataSet> batches) {
        return Nd4j.concat(0, batches.stream().map(DataSet::getFeatures).toArray(INDArray[]::new));
    }

    private static INDArray labels(List<DataSet> batches) {
        return Nd4j.concat(0, batches.stream().map(DataSet::getLabels).toArray(INDArray[]::new));
    }

    /** {@code [n, 3, h, w]} with the channel order reversed (BGR to RGB), by plain indexing. */
    private static INDArray toRgb(INDArray bgr) {
        return Nd4j.concat(1, bgr.get(NDArrayIndex.all(), NDArrayIndex.interval(2, 3)),
                bgr.get(NDArrayIndex.all(), NDArrayIndex.interval(1, 2)),
                bgr.get(NDArrayIndex.all(), NDArrayIndex.interval(0, 1)));
    }

    /** The first image file of a class folder in file-name order, as the data set takes it. */
    private static Path firstImage(String split, String className) throws IOException {
        try (Stream<Path> files = Files.list(INTEL.resolve(split).resolve(className))) {
            return files.filter(ImageFileCheck::hasImageExtension)
                    .min((a, b) -> a.getFileName().toString().compareTo(b.getFileName().toString())).orElseThrow();
        }
    }

    @Test
    void countsClassNamesAndDescription() {
        ImageFolderData data = ImageFolderData.trainTest(INTEL, options(64, 64));
        assertEquals(CLASSES, data.classNames());
        assertEquals(6 * PER_CLASS, data.trainSize());
        assertEquals(6 * PER_CLASS, data.testSize());
        assertEquals(3, data.channels());
        assertTrue(data.skippedFiles().isEmpty(), data.skippedFiles().toString());
        String d = data.description();
        assertTrue(d.startsWith("image folders " + INTEL.toAbsolutePath().normalize()) && d.contains("train 30, test 30, 6 classes, 150x150->64x64,"
                + " caffe, paper augmentation, max 5 per class"), d);
    }

    @Test
    void testLabelsFollowTheFoldersInOrder() {
        ImageFolderData data = ImageFolderData.trainTest(INTEL, options(32, 32));
        ImageBatchIterator it = data.test(7);
        assertEquals(CLASSES, it.getLabels());
        assertEquals(30, it.totalExamples());
        INDArray labels = labels(all(it));
        assertArrayEquals(new long[] {30, 6}, labels.shape());
        int[] classes = labels.argMax(1).toIntVector();
        for (int i = 0; i < 30; i++) {
            assertEquals(i / PER_CLASS, classes[i], "test example " + i);
        }
        assertEquals(30.0, labels.sumNumber().doubleValue(), 0.0);
    }

    /**
     * Each training example (shuffled, not augmented, at the files' own size) is the image of a file in the folder
     * of its label, as DataVec's own loader decodes it.
     */
    @Test
    void trainExamplesAreImagesOfTheirLabelsFolder() throws IOException {
        ImageOptions plain = options(150, 150).withAugmentation(Augmentation.none())
                .withPreprocessing(Preprocessing.UNIT).withMaxPerClass(3);
        ImageFolderData data = ImageFolderData.trainTest(INTEL, plain);
        NativeImageLoader reference = new NativeImageLoader();
        List<List<INDArray>> classImages = new ArrayList<>();
        for (String c : CLASSES) {
            List<INDArray> images = new ArrayList<>();
            try (Stream<Path> files = Files.list(INTEL.resolve("train").resolve(c))) {
                for (Path file : files.map(Path::toString).sorted().limit(3).map(Path::of).toList()) {
                    INDArray bgr = reference.asMatrix(file.toFile());
                    images.add(bgr.shape()[2] == 150 ? toRgb(bgr).get(NDArrayIndex.point(0)) : null);
                }
            }
            classImages.add(images);
        }
        List<DataSet> batches = all(data.train(5, 11, 0));
        INDArray x = features(batches);
        int[] y = labels(batches).argMax(1).toIntVector();
        int matched = 0;
        for (int i = 0; i < y.length; i++) {
            INDArray rgb = x.get(NDArrayIndex.point(i)).mul(255);
            boolean found = false;
            for (INDArray candidate : classImages.get(y[i])) {
                found |= candidate != null && candidate.equalsWithEps(rgb, 1e-3);
            }
            matched += found ? 1 : 0;
        }
        // Images not 150 pixels tall are resized and cannot match; all but a few must.
        assertTrue(matched >= y.length - 2, matched + " of " + y.length + " examples matched an image of their class");
    }

    @Test
    void featureShapesForNchwNhwcAndNonSquare() {
        ImageOptions nchw = options(64, 64).withAugmentation(Augmentation.none());
        DataSet a = ImageFolderData.trainTest(INTEL, nchw).test(8).next();
        assertArrayEquals(new long[] {8, 3, 64, 64}, a.getFeatures().shape());
        assertArrayEquals(new long[] {8, 6}, a.getLabels().shape());
        DataSet b = ImageFolderData.trainTest(INTEL, nchw.withFormat(CNN2DFormat.NHWC)).test(8).next();
        assertArrayEquals(new long[] {8, 64, 64, 3}, b.getFeatures().shape());
        assertEquals(a.getFeatures(), b.getFeatures().permute(0, 3, 1, 2));
        ImageFolderData wide = ImageFolderData.trainTest(INTEL, nchw.withSize(48, 80));
        assertEquals(48, wide.height());
        assertEquals(80, wide.width());
        List<DataSet> batches = all(wide.train(8, 1, 0));
        assertEquals(4, batches.size());
        assertArrayEquals(new long[] {8, 3, 48, 80}, batches.get(0).getFeatures().shape());
        assertArrayEquals(new long[] {6, 3, 48, 80}, batches.get(3).getFeatures().shape());
    }

    /** Caffe: BGR order and ImageNet means subtracted, checked against DataVec's decode of the first test image. */
    @Test
    void preprocessingValuesMatchAManualComputation() throws IOException {
        Path first = firstImage("test", "buildings");
        INDArray bgr = new NativeImageLoader().asMatrix(first.toFile()); // [1, 3, h, w], BGR, 0-255
        int h = (int) bgr.size(2);
        int w = (int) bgr.size(3);
        ImageOptions base = ImageOptions.of(h, w).withMaxPerClass(1).withWorkers(1);

        INDArray caffe = ImageFolderData.trainTest(INTEL, base).test(1).next().getFeatures();
        INDArray expected = bgr.dup();
        for (int c = 0; c < 3; c++) {
            expected.get(NDArrayIndex.all(), NDArrayIndex.point(c)).subi(Preprocessing.CAFFE_MEANS_BGR[c]);
        }
        assertTrue(expected.equalsWithEps(caffe, 1e-3), "caffe differs from BGR minus means");

        INDArray rgb = toRgb(bgr);
        INDArray unit = ImageFolderData.trainTest(INTEL, base.withPreprocessing(Preprocessing.UNIT)).test(1).next()
                .getFeatures();
        assertTrue(rgb.div(255).equalsWithEps(unit, 1e-5), "[0,1] differs from RGB / 255");
        assertTrue(unit.minNumber().doubleValue() >= 0 && unit.maxNumber().doubleValue() <= 1);
        INDArray sym = ImageFolderData.trainTest(INTEL, base.withPreprocessing(Preprocessing.SYMMETRIC)).test(1).next()
                .getFeatures();
        assertTrue(rgb.div(127.5).sub(1).equalsWithEps(sym, 1e-5), "[-1,1] differs from RGB / 127.5 - 1");
        assertTrue(sym.minNumber().doubleValue() >= -1 && sym.maxNumber().doubleValue() <= 1);
        assertTrue(sym.minNumber().doubleValue() < -0.5 && sym.maxNumber().doubleValue() > 0.5);
    }

    @Test
    void augmentationIsReproducibleInTrainAndNeverInTest() {
        ImageFolderData augmented = ImageFolderData.trainTest(INTEL, options(48, 48));
        ImageFolderData plain = ImageFolderData.trainTest(INTEL, options(48, 48).withAugmentation(Augmentation.none()));

        INDArray test1 = features(all(augmented.test(16)));
        assertEquals(test1, features(all(augmented.test(16))));
        assertEquals(test1, features(all(plain.test(16))));

        List<DataSet> epoch0 = all(augmented.train(16, 42, 0));
        List<DataSet> again = all(augmented.train(16, 42, 0));
        assertEquals(features(epoch0), features(again));
        assertEquals(labels(epoch0), labels(again));
        List<DataSet> oneWorker = all(ImageFolderData.trainTest(INTEL, options(48, 48).withWorkers(1).withPrefetch(0))
                .train(16, 42, 0));
        assertEquals(features(epoch0), features(oneWorker), "results depend on the number of workers");

        assertNotEquals(features(epoch0), features(all(augmented.train(16, 42, 1))));
        assertNotEquals(labels(epoch0), labels(all(augmented.train(16, 42, 1))), "epochs not reshuffled");

        List<DataSet> unaugmented = all(plain.train(16, 42, 0));
        assertEquals(labels(epoch0), labels(unaugmented));
        assertNotEquals(features(epoch0), features(unaugmented), "no augmentation in train");
        assertFalse(features(epoch0).isNaN().any());
    }
}
