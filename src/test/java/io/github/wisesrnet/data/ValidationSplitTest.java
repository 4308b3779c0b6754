package io.github.wisesrnet.data;

import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The validation split: held out of train per class, disjoint from train and test, repeatable from its seed. */
class ValidationSplitTest {

    @TempDir
    Path root;

    private ImageFolderData folders() {
        TestImages.classFolders(root.resolve("train"), 10, "a", "b", "c");
        TestImages.classFolders(root.resolve("test"), 3, "a", "b", "c");
        return ImageFolderData.trainTest(root, ImageOptions.of(16, 16).withWorkers(1));
    }

    @Test
    void heldOutPerClassDisjointAndRepeatable() {
        ImageFolderData all = folders();
        ImageFolderData split = all.withValidation(0.2, 7);
        assertEquals(24, split.trainSize());
        assertEquals(6, split.validationSize());
        assertEquals(9, split.testSize());
        for (int label = 0; label < 3; label++) {
            int l = label;
            assertEquals(2, split.validationImages().stream().filter(i -> i.label() == l).count(), "class " + label);
        }
        Set<Path> train = paths(split.trainImages());
        Set<Path> validation = paths(split.validationImages());
        Set<Path> test = paths(split.testImages());
        assertTrue(train.stream().noneMatch(validation::contains));
        assertTrue(test.stream().noneMatch(validation::contains) && test.stream().noneMatch(train::contains));
        Set<Path> union = new HashSet<>(train);
        union.addAll(validation);
        assertEquals(paths(all.trainImages()), union, "train + validation = the original training images");

        assertEquals(validation, paths(all.withValidation(0.2, 7).validationImages()), "same seed, same split");
        assertNotEquals(validation, paths(all.withValidation(0.2, 8).validationImages()), "another seed");
        assertTrue(split.description().contains("validation 6"), split.description());
        assertEquals(0, all.validationSize());
        assertThrows(IllegalStateException.class, () -> all.validation(4));
        assertThrows(IllegalArgumentException.class, () -> all.withValidation(1.0, 1));
    }

    @Test
    void aSplitThatWouldHoldOutNothingIsAnError(@TempDir Path single) {
        TestImages.classFolders(single.resolve("train"), 1, "a", "b");
        TestImages.classFolders(single.resolve("test"), 1, "a", "b");
        ImageFolderData data = ImageFolderData.trainTest(single, ImageOptions.of(16, 16).withWorkers(1));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> data.withValidation(0.5, 1));
        assertTrue(e.getMessage().contains("holds out no image"), e.getMessage());
    }

    @Test
    void theSpecRecordsTheFractionAndLoadsTheSameSplit() {
        folders();
        DataSpec spec = new DataSpec(root, null, 16, 16, CNN2DFormat.NCHW, "unit", false, 0, false, 0, 0, 0, 3, 0.3);
        ImageFolderData a = (ImageFolderData) spec.load(1);
        ImageFolderData b = (ImageFolderData) spec.load(2);
        assertEquals(9, a.validationSize()); // 3 of 10 per class
        assertEquals(paths(a.validationImages()), paths(b.validationImages()));
        int seen = 0;
        var it = a.validation(4);
        while (it.hasNext()) {
            seen += it.next().numExamples();
        }
        assertEquals(9, seen);
        assertThrows(IllegalArgumentException.class,
                () -> new DataSpec(root, null, 16, 16, CNN2DFormat.NCHW, "unit", false, 0, false, 0, 0, 0, 3, -0.1));
    }

    @Test
    void generatedDataHoldsOutPerClassToo() {
        SpatialPatternData data = new SpatialPatternData(new SpatialPatternDataSet(20, 1, 2, 4, false), 80, 20, 3,
                CNN2DFormat.NCHW);
        SpatialPatternData split = data.withValidation(0.25);
        assertEquals(60, split.trainSize());
        assertEquals(20, split.validationSize());
        assertEquals(20, split.testSize());
        var labels = split.validation(100).next().getLabels().sum(0).toIntVector();
        assertEquals(List.of(5, 5, 5, 5), java.util.Arrays.stream(labels).boxed().toList());
    }

    @Test
    void testOnlyNeedsNoTrainingFolder() {
        TestImages.classFolders(root.resolve("test"), 2, "x", "y");
        ImageFolderData test = ImageFolderData.testOnly(root, ImageOptions.of(16, 16).withWorkers(1));
        assertEquals(4, test.testSize());
        assertEquals(0, test.trainSize());
        assertEquals(List.of("x", "y"), test.classNames());
    }

    private static Set<Path> paths(List<LabelledImage> images) {
        Set<Path> out = new HashSet<>();
        images.forEach(i -> out.add(i.path()));
        return out;
    }
}
