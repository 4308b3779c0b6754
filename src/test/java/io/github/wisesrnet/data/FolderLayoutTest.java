package io.github.wisesrnet.data;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Folder layouts: the errors for wrong ones name the path and the expected layout; the stratified split. */
class FolderLayoutTest {

    @TempDir
    Path root;

    private static ImageOptions options() {
        return ImageOptions.of(16, 16).withWorkers(1);
    }

    private static void assertMessage(IllegalArgumentException e, String... parts) {
        for (String part : parts) {
            assertTrue(e.getMessage().contains(part), "'" + part + "' missing from: " + e.getMessage());
        }
    }

    @Test
    void missingRoot() {
        Path missing = root.resolve("nowhere");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ImageFolderData.trainTest(missing, options()));
        assertMessage(e, missing.toString(), "does not exist", "train", "test", "<class name>");
        e = assertThrows(IllegalArgumentException.class, () -> ImageFolderData.split(missing, 0.2, 1, options()));
        assertMessage(e, missing.toString(), "does not exist", "<class name>");
    }

    @Test
    void missingTestFolder() {
        TestImages.classFolders(root.resolve("train"), 2, "a", "b");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ImageFolderData.trainTest(root, options()));
        assertMessage(e, root.resolve("test").toString(), "no test/ folder", "ImageFolderData.split");
    }

    @Test
    void emptyClassFolder() throws Exception {
        TestImages.classFolders(root.resolve("train"), 2, "a", "b");
        TestImages.classFolders(root.resolve("test"), 2, "a", "b");
        Files.createDirectories(root.resolve("train").resolve("c"));
        Files.createDirectories(root.resolve("test").resolve("c"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ImageFolderData.trainTest(root, options()));
        assertMessage(e, root.resolve("train").resolve("c").toString(), "no usable image", "it is empty");
    }

    @Test
    void classFolderWithOnlyForeignFiles() {
        TestImages.classFolders(root, 2, "a");
        TestImages.text(root.resolve("b").resolve("readme.md"), "nothing here");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ImageFolderData.split(root, 0.5, 1, options()));
        assertMessage(e, root.resolve("b").toString(), "no usable image", "1 entries");
    }

    @Test
    void noClassFolders() {
        TestImages.noise(root.resolve("loose.jpg"), 8, 8, 1);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ImageFolderData.split(root, 0.2, 1, options()));
        assertMessage(e, "No class folders in " + root, "<class name>");
    }

    @Test
    void mismatchedClasses() {
        TestImages.classFolders(root.resolve("train"), 2, "cat", "dog", "fox");
        TestImages.classFolders(root.resolve("test"), 2, "cat", "dog", "owl");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ImageFolderData.trainTest(root, options()));
        assertMessage(e, "different classes", "[fox]", "[owl]", root.resolve("train").toString());
    }

    @Test
    void splitWithoutTestImages() {
        TestImages.classFolders(root, 1, "a", "b");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ImageFolderData.split(root, 0.2, 1, options()));
        assertMessage(e, root.toString(), "leaves no test image");
        assertThrows(IllegalArgumentException.class, () -> ImageFolderData.split(root, 1.0, 1, options()));
    }

    @Test
    void looseFilesAndHiddenFoldersAreReported() throws Exception {
        TestImages.classFolders(root, 3, "a", "b");
        TestImages.text(root.resolve("labels.csv"), "a,b");
        Files.createDirectories(root.resolve(".cache"));
        Files.createDirectories(root.resolve("a").resolve("nested"));
        ImageFolderData data = ImageFolderData.split(root, 0.34, 1, options());
        assertEquals(List.of("a", "b"), data.classNames());
        List<String> skipped = data.skippedFiles();
        assertEquals(3, skipped.size(), skipped.toString());
        assertTrue(skipped.stream().anyMatch(s -> s.startsWith(root.resolve("labels.csv") + ": ")));
        assertTrue(skipped.stream().anyMatch(s -> s.startsWith(root.resolve(".cache") + ": ")));
        assertTrue(skipped.stream().anyMatch(s -> s.startsWith(root.resolve("a/nested") + ": ")));
    }

    private static Set<String> testFiles(ImageFolderData data) {
        return data.testImages().stream().map(i -> i.label() + "/" + i.path().getFileName())
                .collect(Collectors.toSet());
    }

    @Test
    void splitIsStratifiedAndSeeded() {
        TestImages.classFolders(root, 10, "a", "b", "c");
        ImageFolderData data = ImageFolderData.split(root, 0.3, 7, options());
        assertEquals(21, data.trainSize());
        assertEquals(9, data.testSize());
        for (int label = 0; label < 3; label++) {
            int l = label;
            assertEquals(3, data.testImages().stream().filter(i -> i.label() == l).count());
            assertEquals(7, data.trainImages().stream().filter(i -> i.label() == l).count());
        }
        Set<String> all = new HashSet<>(testFiles(data));
        data.trainImages().forEach(i -> all.add(i.label() + "/" + i.path().getFileName()));
        assertEquals(30, all.size(), "train and test overlap");
        assertEquals(testFiles(data), testFiles(ImageFolderData.split(root, 0.3, 7, options())));
        assertNotEquals(testFiles(data), testFiles(ImageFolderData.split(root, 0.3, 8, options())));
        assertTrue(data.description().contains("split 70/30 seed 7 (train 21, test 9, 3 classes, 30x40->16x16"),
                data.description());
    }

    @Test
    void maxPerClassTakesTheFirstFilesInNameOrder() {
        TestImages.classFolders(root.resolve("train"), 4, "a", "b");
        TestImages.classFolders(root.resolve("test"), 4, "a", "b");
        ImageFolderData data = ImageFolderData.trainTest(root, options().withMaxPerClass(2));
        assertEquals(4, data.trainSize());
        assertEquals(List.of("img0.jpg", "img1.jpg", "img0.jpg", "img1.jpg"),
                data.trainImages().stream().map(i -> i.path().getFileName().toString()).toList());
    }
}
