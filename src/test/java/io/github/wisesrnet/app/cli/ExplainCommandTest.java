package io.github.wisesrnet.app.cli;

import io.github.wisesrnet.data.TestImages;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

import static io.github.wisesrnet.app.cli.CommandLineTest.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code wise-srnet explain} (and predict's handling of unreadable images) on a model trained on image files. */
class ExplainCommandTest {

    @TempDir
    static Path shared;
    static Path models;
    static Path images;

    @BeforeAll
    static void trainASmallModel() {
        images = shared.resolve("data");
        TestImages.classFolders(images.resolve("train"), 6, "cat", "dog", "owl");
        TestImages.classFolders(images.resolve("test"), 2, "cat", "dog", "owl");
        models = shared.resolve("models");
        CommandLineTest.Result train = run("train", "--data", images.toString(), "--size", "24", "--backbone",
                "small-cnn", "--epochs", "1", "--batch", "6", "--models", models.toString());
        assertEquals(0, train.exitCode(), train.err());
    }

    @Test
    void writesOnePictureAndIndexLinePerReadableImageAndSkipsTheOthers(@TempDir Path dir) throws Exception {
        Path broken = TestImages.undecodableJpeg(dir.resolve("in").resolve("broken.jpg"));
        Path out = dir.resolve("explained");
        CommandLineTest.Result r = run("explain", "--model", models.resolve("wise-srnet").toString(), "--top", "2",
                "--batch", "2", "--out", out.toString(), images.resolve("test").toString(), broken.toString());
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.err().contains("warning: skipped " + broken), r.err());

        String index = Files.readString(out.resolve("index.md"));
        for (int i = 1; i <= 6; i++) {
            String name = String.format("%03d-img", i);
            assertTrue(index.contains(name), name + " missing from index:\n" + index);
        }
        assertTrue(index.contains("## Skipped (unreadable)") && index.contains("broken.jpg"), index);
        assertTrue(index.contains("![spatial weights](spatial-weights.png)"), index);
        try (var pngs = Files.list(out)) {
            assertEquals(7, pngs.filter(p -> p.toString().endsWith(".png")).count()); // 6 images + weights
        }
        // image panel + 2 class panels side by side, each 224 px on the long side
        BufferedImage first = ImageIO.read(out.resolve("001-img0.png").toFile());
        assertTrue(first.getWidth() >= 3 * 224 && first.getHeight() >= 224,
                first.getWidth() + "x" + first.getHeight());
        assertTrue(distinctColours(first) > 500, "blank picture?");
        BufferedImage weights = ImageIO.read(out.resolve("spatial-weights.png").toFile());
        assertTrue(distinctColours(weights) > 10, "blank picture?");
    }

    @Test
    void clearErrorsForBadModelsAndUnreadableInput(@TempDir Path dir) throws Exception {
        Path broken = TestImages.undecodableJpeg(dir.resolve("broken.jpg"));
        CommandLineTest.Result none = run("explain", "--model", models.resolve("wise-srnet").toString(),
                "--out", dir.resolve("o1").toString(), broken.toString());
        assertEquals(Main.EXIT_USAGE, none.exitCode());
        assertTrue(none.err().contains("None of the 1 image file(s) could be read"), none.err());
        assertFalse(Files.exists(dir.resolve("o1")), "nothing written, so no output folder");

        Path empty = Files.createDirectories(dir.resolve("empty"));
        Files.writeString(empty.resolve("notes.txt"), "no images here");
        CommandLineTest.Result noImages = run("explain", "--model", models.resolve("wise-srnet").toString(),
                empty.toString());
        assertEquals(Main.EXIT_USAGE, noImages.exitCode());
        assertTrue(noImages.err().contains("No image files"), noImages.err());

        CommandLineTest.Result missing = run("explain", "--model", dir.resolve("nothing").toString(),
                broken.toString());
        assertEquals(Main.EXIT_USAGE, missing.exitCode());
        assertTrue(missing.err().contains("No model at"), missing.err());

        Path foreign = Files.createDirectories(dir.resolve("foreign"));
        try (ZipOutputStream zip = new ZipOutputStream(Files.newOutputStream(foreign.resolve("best.zip")))) {
            zip.putNextEntry(new ZipEntry("readme.txt"));
            zip.write("not a network".getBytes());
        }
        Files.copy(models.resolve("wise-srnet").resolve("run.json"), foreign.resolve("run.json"));
        CommandLineTest.Result notAModel = run("explain", "--model", foreign.toString(),
                images.resolve("test").toString());
        assertEquals(Main.EXIT_USAGE, notAModel.exitCode());
        assertTrue(notAModel.err().contains("is not a model saved by wise-srnet"), notAModel.err());
        assertFalse(notAModel.err().contains("\tat "), notAModel.err());

        Files.writeString(foreign.resolve("run.json"), "{ not json");
        CommandLineTest.Result badRecord = run("explain", "--model", foreign.toString(),
                images.resolve("test").toString());
        assertEquals(Main.EXIT_USAGE, badRecord.exitCode());
        assertTrue(badRecord.err().contains("is not a run record written by wise-srnet"), badRecord.err());

        CommandLineTest.Result noTop = run("explain", "--model", models.resolve("wise-srnet").toString(), "--top",
                "0", images.resolve("test").toString());
        assertEquals(Main.EXIT_USAGE, noTop.exitCode());
    }

    @Test
    void predictSkipsUnreadableImagesWithAWarning(@TempDir Path dir) {
        Path broken = TestImages.undecodableJpeg(dir.resolve("broken.jpg"));
        CommandLineTest.Result r = run("predict", "--model", models.resolve("wise-srnet").toString(),
                images.resolve("test").resolve("cat").toString(), broken.toString());
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.err().contains("warning: skipped " + broken), r.err());
        assertEquals(2, r.out().lines().filter(l -> l.contains("img")).count(), r.out());

        CommandLineTest.Result none = run("predict", "--model", models.resolve("wise-srnet").toString(),
                broken.toString());
        assertEquals(Main.EXIT_USAGE, none.exitCode());
    }

    static int distinctColours(BufferedImage image) {
        Set<Integer> colours = new HashSet<>();
        for (int y = 0; y < image.getHeight(); y += 2) {
            for (int x = 0; x < image.getWidth(); x += 2) {
                colours.add(image.getRGB(x, y));
            }
        }
        return colours.size();
    }
}
