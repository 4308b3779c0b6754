package io.github.wisesrnet.app.cli;

import io.github.wisesrnet.data.TestImages;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

import static io.github.wisesrnet.app.cli.CommandLineTest.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code wise-srnet export} and {@code predict --engine onnx} on models trained from image files, NCHW and NHWC. */
class ExportCommandTest {

    @TempDir
    static Path shared;
    static Path images;
    static Path models;

    @BeforeAll
    static void trainSmallModels() {
        images = shared.resolve("data");
        TestImages.classFolders(images.resolve("train"), 6, "cat", "dog", "owl");
        TestImages.classFolders(images.resolve("test"), 3, "cat", "dog", "owl");
        models = shared.resolve("models");
        CommandLineTest.Result nchw = run("train", "--data", images.toString(), "--size", "24", "--backbone",
                "small-cnn", "--epochs", "1", "--batch", "6", "--models", models.resolve("nchw").toString());
        assertEquals(0, nchw.exitCode(), nchw.err());
        CommandLineTest.Result nhwc = run("train", "--data", images.toString(), "--size", "24", "--backbone",
                "small-cnn", "--epochs", "1", "--batch", "6", "--format", "NHWC", "--preprocessing", "torch",
                "--head", "gap", "--models", models.resolve("nhwc").toString());
        assertEquals(0, nhwc.exitCode(), nhwc.err());
    }

    @Test
    void exportedModelsPredictTheSameClassesAsDl4j(@TempDir Path dir) {
        for (String model : List.of("nchw/wise-srnet", "nhwc/gap")) {
            Path onnx = dir.resolve(model.replace('/', '-') + ".onnx");
            CommandLineTest.Result export = run("export", "--model", models.resolve(model).toString(), "--onnx",
                    onnx.toString());
            assertEquals(0, export.exitCode(), export.err());
            assertTrue(Files.isRegularFile(onnx), "no file written");
            assertTrue(export.out().contains("3 classes"), export.out());

            String test = images.resolve("test").toString();
            CommandLineTest.Result dl4j = run("predict", "--model", models.resolve(model).toString(), "--top", "3",
                    test);
            CommandLineTest.Result fromFile = run("predict", "--engine", "onnx", "--model", onnx.toString(), "--top",
                    "3", test);
            CommandLineTest.Result fromCheckpoint = run("predict", "--engine", "onnx", "--model",
                    models.resolve(model).toString(), "--top", "3", test);
            for (CommandLineTest.Result r : List.of(dl4j, fromFile, fromCheckpoint)) {
                assertEquals(0, r.exitCode(), r.err());
            }
            assertEquals(9, dl4j.out().lines().count(), dl4j.out());
            assertSamePredictions(dl4j.out(), fromFile.out());
            assertSamePredictions(dl4j.out(), fromCheckpoint.out());
        }
    }

    /** The same files and classes in the same order; probabilities (printed to 0.01%) within 0.01 points. */
    private static void assertSamePredictions(String expected, String actual) {
        List<String> e = expected.lines().toList();
        List<String> a = actual.lines().toList();
        assertEquals(e.size(), a.size(), actual);
        for (int i = 0; i < e.size(); i++) {
            String[] ef = e.get(i).trim().split("\\s+");
            String[] af = a.get(i).trim().split("\\s+");
            assertEquals(ef.length, af.length, a.get(i));
            for (int j = 0; j < ef.length; j++) {
                if (ef[j].endsWith("%")) {
                    double ep = Double.parseDouble(ef[j].replace("%", ""));
                    double ap = Double.parseDouble(af[j].replace("%", ""));
                    assertTrue(Math.abs(ep - ap) <= 0.011, e.get(i) + "\n" + a.get(i));
                } else {
                    assertEquals(ef[j], af[j], e.get(i) + "\n" + a.get(i));
                }
            }
        }
    }

    @Test
    void badModelsGiveExitCode2AndWriteNothing(@TempDir Path dir) throws Exception {
        Path onnx = dir.resolve("out.onnx");
        CommandLineTest.Result missing = run("export", "--model", dir.resolve("nothing").toString(), "--onnx",
                onnx.toString());
        assertEquals(Main.EXIT_USAGE, missing.exitCode());
        assertTrue(missing.err().contains("No model at"), missing.err());

        Path foreign = Files.createDirectories(dir.resolve("foreign"));
        try (ZipOutputStream zip = new ZipOutputStream(Files.newOutputStream(foreign.resolve("best.zip")))) {
            zip.putNextEntry(new ZipEntry("readme.txt"));
            zip.write("not a network".getBytes());
        }
        Files.copy(models.resolve("nchw/wise-srnet/run.json"), foreign.resolve("run.json"));
        CommandLineTest.Result notAModel = run("export", "--model", foreign.toString(), "--onnx", onnx.toString());
        assertEquals(Main.EXIT_USAGE, notAModel.exitCode());
        assertTrue(notAModel.err().contains("is not a model saved by wise-srnet"), notAModel.err());
        assertFalse(Files.exists(onnx), "nothing written");

        Path garbage = Files.writeString(dir.resolve("garbage.onnx"), "not a protobuf at all");
        CommandLineTest.Result badOnnx = run("predict", "--engine", "onnx", "--model", garbage.toString(),
                images.resolve("test").toString());
        assertEquals(Main.EXIT_USAGE, badOnnx.exitCode());
        assertTrue(badOnnx.err().contains("is not an ONNX model ONNX Runtime can load"), badOnnx.err());

        CommandLineTest.Result noFile = run("predict", "--engine", "onnx", "--model", dir.resolve("x.onnx").toString(),
                images.resolve("test").toString());
        assertEquals(Main.EXIT_USAGE, noFile.exitCode());

        Path exported = dir.resolve("model.onnx");
        assertEquals(0, run("export", "--model", models.resolve("nchw/wise-srnet").toString(), "--onnx",
                exported.toString()).exitCode());
        CommandLineTest.Result withoutEngine = run("predict", "--model", exported.toString(),
                images.resolve("test").toString());
        assertEquals(Main.EXIT_USAGE, withoutEngine.exitCode());
        assertTrue(withoutEngine.err().contains("is an ONNX file: run it with --engine onnx"), withoutEngine.err());

        CommandLineTest.Result engine = run("predict", "--engine", "tensorrt", "--model",
                models.resolve("nchw/wise-srnet").toString(), images.resolve("test").toString());
        assertEquals(Main.EXIT_USAGE, engine.exitCode());
        assertTrue(engine.err().contains("Unknown --engine 'tensorrt'"), engine.err());
    }
}
