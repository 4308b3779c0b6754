package io.github.wisesrnet.app.cli;

import io.github.wisesrnet.data.TestImages;
import io.github.wisesrnet.train.RunRecord;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static io.github.wisesrnet.app.cli.CommandLineTest.run;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code --init-from} and {@code --frozen-epochs} from the command line: a checkpoint's backbone starts a run at
 * another size with another head, the run records where it came from and resumes; bad files and other backbones are
 * refused with the usage exit code before anything is written.
 */
class InitFromOptionTest {

    @Test
    void aCheckpointsBackboneStartsARunAtAnotherSizeWithAnotherHeadAndResumes(@TempDir Path dir) throws Exception {
        Path data = images(dir);
        Path pretrained = dir.resolve("pre");
        CommandLineTest.Result pre = run("train", "--data", data.toString(), "--backbone", "small-cnn", "--size",
                "32", "--epochs", "1", "--batch", "4", "--head", "gap", "--models", pretrained.toString());
        assertEquals(0, pre.exitCode(), pre.err());
        Path best = pretrained.resolve("gap").resolve("best.zip");

        Path models = dir.resolve("fine");
        String[] fineTune = {"compare", "--data", data.toString(), "--backbone", "small-cnn", "--size", "64",
                "--epochs", "2", "--batch", "4", "--heads", "wise-srnet", "--init-from", best.toString(),
                "--frozen-epochs", "1", "--backbone-lr-factor", "0.1", "--models", models.toString(), "--out",
                dir.resolve("report").toString()};
        CommandLineTest.Result r = run(fineTune);
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().contains("Backbone weights: backbone from best.zip: 8 layers"), r.out());
        assertTrue(r.out().contains("backbone from best.zip, backbone frozen for 1 epoch, backbone lr x 0.1"),
                r.out());

        RunRecord record = RunRecord.read(models.resolve("wise-srnet").resolve("run.json"));
        assertNotNull(record.config().fineTuning());
        assertEquals(best.toAbsolutePath().normalize().toString(), record.config().fineTuning().initFrom());
        assertEquals(1, record.config().fineTuning().frozenEpochs());
        assertEquals(64, record.height());
        assertEquals(2, record.epochs().size());

        // resuming needs neither the file nor the option, but keeps the frozen epochs and the factor
        CommandLineTest.Result resumed = run("compare", "--data", data.toString(), "--backbone", "small-cnn",
                "--size", "64", "--epochs", "3", "--batch", "4", "--heads", "wise-srnet", "--frozen-epochs", "1",
                "--backbone-lr-factor", "0.1", "--models", models.toString(), "--out",
                dir.resolve("report2").toString(), "--resume");
        assertEquals(0, resumed.exitCode(), resumed.err());
        RunRecord continued = RunRecord.read(models.resolve("wise-srnet").resolve("run.json"));
        assertEquals(3, continued.epochs().size());
        assertEquals(record.config().fineTuning(), continued.config().fineTuning(), "the origin stays recorded");
        CommandLineTest.Result changed = run("compare", "--data", data.toString(), "--backbone", "small-cnn",
                "--size", "64", "--epochs", "4", "--batch", "4", "--heads", "wise-srnet", "--models",
                models.toString(), "--out", dir.resolve("report3").toString(), "--resume");
        assertEquals(Main.EXIT_USAGE, changed.exitCode(), changed.out());
        assertTrue(changed.err().contains("frozen epochs: 1, not 0"), changed.err());
    }

    @Test
    void theFrozenEpochsOfTheCommandLineKeepTheCheckpointsBackbone(@TempDir Path dir) throws Exception {
        Path data = images(dir);
        Path pretrained = dir.resolve("pre");
        assertEquals(0, run("train", "--data", data.toString(), "--backbone", "small-cnn", "--size", "32",
                "--epochs", "1", "--batch", "4", "--head", "gap", "--models", pretrained.toString()).exitCode());
        Path last = pretrained.resolve("gap").resolve("last.zip");
        Path models = dir.resolve("fine");
        CommandLineTest.Result r = run("train", "--data", data.toString(), "--backbone", "small-cnn", "--size", "48",
                "--epochs", "2", "--batch", "4", "--head", "wise-srnet", "--init-from", last.toString(),
                "--frozen-epochs", "2", "--models", models.toString());
        assertEquals(0, r.exitCode(), r.err());
        ComputationGraph before = ModelSerializer.restoreComputationGraph(last.toFile(), false);
        ComputationGraph after = ModelSerializer.restoreComputationGraph(
                models.resolve("wise-srnet").resolve("last.zip").toFile(), false);
        for (String layer : new String[]{"block1_conv", "block2_bn", "block4_conv", "block4_bn"}) {
            before.getLayer(layer).paramTable().forEach((key, value) -> assertArrayEquals(
                    value.dup().ravel().toFloatVector(), after.getLayer(layer).getParam(key).dup().ravel()
                            .toFloatVector(), 0f, layer + "/" + key + " is frozen"));
        }
    }

    @Test
    void missingOrForeignFilesAndOtherBackbonesAreRefusedBeforeAnythingIsWritten(@TempDir Path dir)
            throws Exception {
        Path data = images(dir);
        Path models = dir.resolve("models");
        Path report = dir.resolve("report");
        String[] base = {"compare", "--data", data.toString(), "--size", "32", "--epochs", "1", "--batch", "4",
                "--models", models.toString(), "--out", report.toString()};

        CommandLineTest.Result missing = run(concat(base, "--init-from", dir.resolve("nothing.zip").toString()));
        assertEquals(Main.EXIT_USAGE, missing.exitCode(), missing.out());
        assertTrue(missing.err().contains("nothing.zip"), missing.err());

        Path text = Files.writeString(dir.resolve("notes.zip"), "not a model");
        CommandLineTest.Result foreign = run(concat(base, "--init-from", text.toString()));
        assertEquals(Main.EXIT_USAGE, foreign.exitCode(), foreign.out());
        assertTrue(foreign.err().contains("is not a saved DL4J ComputationGraph"), foreign.err());

        Path pretrained = dir.resolve("pre");
        assertEquals(0, run("train", "--data", data.toString(), "--backbone", "small-cnn", "--size", "32",
                "--epochs", "1", "--batch", "4", "--head", "gap", "--models", pretrained.toString()).exitCode());
        Path best = pretrained.resolve("gap").resolve("best.zip");
        CommandLineTest.Result other = run(concat(base, "--backbone", "resnet50", "--init-from", best.toString()));
        assertEquals(Main.EXIT_USAGE, other.exitCode(), other.out());
        assertTrue(other.err().contains("another backbone") && other.err().contains("--backbone resnet50"),
                other.err());

        CommandLineTest.Result both = run(concat(base, "--backbone", "resnet50", "--init-from", best.toString(),
                "--weights", best.toString()));
        assertEquals(Main.EXIT_USAGE, both.exitCode(), both.out());
        assertTrue(both.err().contains("Choose one start for the backbone"), both.err());

        assertFalse(Files.exists(models), "no checkpoint folder");
        assertFalse(Files.exists(report), "no report");
    }

    private static String[] concat(String[] args, String... more) {
        String[] out = java.util.Arrays.copyOf(args, args.length + more.length);
        System.arraycopy(more, 0, out, args.length, more.length);
        return out;
    }

    private static Path images(Path dir) {
        Path data = dir.resolve("data");
        TestImages.classFolders(data.resolve("train"), 4, "cat", "dog");
        TestImages.classFolders(data.resolve("test"), 2, "cat", "dog");
        return data;
    }
}
