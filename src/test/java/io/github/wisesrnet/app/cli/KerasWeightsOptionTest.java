package io.github.wisesrnet.app.cli;

import io.github.wisesrnet.backbones.Backbone;
import io.github.wisesrnet.backbones.KerasExport;
import io.github.wisesrnet.data.TestImages;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.UnaryOperator;

import static io.github.wisesrnet.app.cli.CommandLineTest.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code --weights}: the backbone starts from a Keras weights file, the run records it, the default preprocessing
 * becomes the one the weights expect, and bad files or backbones are refused before any data is read.
 */
class KerasWeightsOptionTest {

    @Test
    void trainStartsTheBackboneFromTheFileAndRecordsIt(@TempDir Path dir) throws Exception {
        Path data = images(dir);
        ComputationGraph source = Backbone.RESNET50.featureExtractor(32, 32, 3, 7);
        Path weights = dir.resolve("resnet50_notop.h5");
        KerasExport.of(source, false, UnaryOperator.identity()).write(weights, false);
        Path models = dir.resolve("models");
        // a learning rate so small that the convolutions keep the file's weights through one epoch
        CommandLineTest.Result r = run("train", "--data", data.toString(), "--backbone", "resnet50", "--size", "32",
                "--epochs", "1", "--batch", "4", "--lr", "1e-12", "--weights", weights.toString(), "--preprocessing",
                "0-1", "--models", models.toString());
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().contains("Backbone weights: Keras weights from resnet50_notop.h5: 106 layers loaded"),
                r.out());
        assertTrue(r.out().contains("Note: Keras's resnet50 weights were trained with preprocessing 'caffe'; this"
                + " run uses '0-1'"), r.out());
        assertTrue(r.out().contains("backbone from resnet50_notop.h5"), r.out());
        String runJson = Files.readString(models.resolve("wise-srnet").resolve("run.json"));
        assertTrue(runJson.contains("resnet50_notop.h5"), runJson);

        ComputationGraph trained = ModelSerializer.restoreComputationGraph(
                models.resolve("wise-srnet").resolve("last.zip").toFile(), false);
        for (String layer : new String[]{"conv1_conv", "conv3_block4_2_conv", "conv5_block3_3_conv"}) {
            assertTrue(source.getLayer(layer).getParam("W").equalsWithEps(trained.getLayer(layer).getParam("W"),
                    1e-6), layer + " must start from the file");
        }

        // --resume: the same file (however written) continues without needing it; none, or another, is refused
        String[] resume = {"train", "--data", data.toString(), "--backbone", "resnet50", "--size", "32", "--epochs",
                "2", "--batch", "4", "--lr", "1e-12", "--preprocessing", "0-1", "--models", models.toString(),
                "--resume"};
        CommandLineTest.Result without = run(resume);
        assertEquals(Main.EXIT_USAGE, without.exitCode(), without.out());
        assertTrue(without.err().contains("Keras weights: " + weights.toAbsolutePath() + ", not none"), without.err());
        Files.move(weights, dir.resolve("moved.h5"));
        CommandLineTest.Result resumed = run(concat(resume, "--weights",
                dir.resolve("sub").resolve("..").resolve("resnet50_notop.h5").toString()));
        assertEquals(0, resumed.exitCode(), resumed.err());
    }

    private static String[] concat(String[] args, String... more) {
        String[] out = java.util.Arrays.copyOf(args, args.length + more.length);
        System.arraycopy(more, 0, out, args.length, more.length);
        return out;
    }

    @Test
    void theDefaultPreprocessingIsTheOneTheWeightsExpect(@TempDir Path dir) throws Exception {
        Path data = images(dir);
        Path weights = dir.resolve("densenet121_notop.h5");
        KerasExport.of(Backbone.DENSENET121.featureExtractor(32, 32, 3, 7), false, UnaryOperator.identity())
                .write(weights, false);
        Path models = dir.resolve("models");
        CommandLineTest.Result r = run("train", "--data", data.toString(), "--backbone", "densenet121", "--size",
                "32", "--epochs", "1", "--batch", "4", "--weights", weights.toString(), "--models",
                models.toString());
        assertEquals(0, r.exitCode(), r.err());
        assertFalse(r.out().contains("Note:"), r.out());
        String runJson = Files.readString(models.resolve("wise-srnet").resolve("run.json"));
        assertTrue(runJson.contains("\"preprocessing\" : \"torch\"") || runJson.contains("\"preprocessing\":\"torch\""),
                runJson);
    }

    @Test
    void badWeightsAndBackbonesAreRefusedBeforeTraining(@TempDir Path dir) throws Exception {
        Path data = images(dir);
        Path models = dir.resolve("models");
        Path text = Files.writeString(dir.resolve("weights.h5"), "not HDF5");
        CommandLineTest.Result notHdf5 = run("train", "--data", data.toString(), "--backbone", "resnet50", "--size",
                "32", "--epochs", "1", "--weights", text.toString(), "--models", models.toString());
        assertEquals(Main.EXIT_USAGE, notHdf5.exitCode(), notHdf5.err());
        assertTrue(notHdf5.err().contains("is not an HDF5 file"), notHdf5.err());

        CommandLineTest.Result missing = run("compare", "--data", data.toString(), "--backbone", "resnet50",
                "--size", "32", "--epochs", "1", "--weights", dir.resolve("nope.h5").toString(), "--no-checkpoints",
                "--out", dir.resolve("report").toString());
        assertEquals(Main.EXIT_USAGE, missing.exitCode(), missing.err());
        assertTrue(missing.err().contains("nope.h5"), missing.err());

        Path xception = dir.resolve("xception.h5");
        KerasExport.of(Backbone.XCEPTION.featureExtractor(71, 71, 3, 7), false, UnaryOperator.identity())
                .write(xception, false);
        CommandLineTest.Result wrongFile = run("train", "--data", data.toString(), "--backbone", "resnet50",
                "--size", "32", "--epochs", "1", "--weights", xception.toString(), "--models", models.toString());
        assertEquals(Main.EXIT_USAGE, wrongFile.exitCode(), wrongFile.err());
        assertTrue(wrongFile.err().contains("0 of the network's 106 layers"), wrongFile.err());

        CommandLineTest.Result notKeras = run("train", "--data", data.toString(), "--backbone", "small-cnn",
                "--size", "32", "--epochs", "1", "--weights", xception.toString(), "--models", models.toString());
        assertEquals(Main.EXIT_USAGE, notKeras.exitCode(), notKeras.err());
        assertTrue(notKeras.err().contains("--weights needs one of the Keras backbones"), notKeras.err());
        assertFalse(Files.exists(models), "nothing written for refused runs");
    }

    private static Path images(Path dir) {
        Path data = dir.resolve("data");
        TestImages.classFolders(data.resolve("train"), 4, "cat", "dog");
        TestImages.classFolders(data.resolve("test"), 2, "cat", "dog");
        return data;
    }
}
