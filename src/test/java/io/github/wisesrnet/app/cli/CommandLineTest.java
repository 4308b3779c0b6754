package io.github.wisesrnet.app.cli;

import io.github.wisesrnet.data.TestImages;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The command line in-process: help, clear errors with exit code 2, and small real runs. */
class CommandLineTest {

    /** Runs the command line, capturing what it prints. */
    record Result(int exitCode, String out, String err) {
    }

    static Result run(String... args) {
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            var cli = Main.commandLine();
            cli.setOut(new java.io.PrintWriter(System.out, true));
            cli.setErr(new java.io.PrintWriter(System.err, true));
            int code = cli.execute(args);
            return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"compare", "train", "evaluate", "predict", "export", "explain", "summary"})
    void everyCommandHasHelp(String command) {
        Result r = run(command, "--help");
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().contains("Usage: wise-srnet " + command), r.out());
    }

    @Test
    void topLevelHelpListsTheCommands() {
        Result r = run("--help");
        assertEquals(0, r.exitCode());
        for (String c : new String[]{"compare", "train", "evaluate", "predict", "export", "explain", "summary"}) {
            assertTrue(r.out().contains(c), r.out());
        }
    }

    @Test
    void badArgumentsGiveOneClearParagraphAndExitCode2() {
        Result unknownHead = run("compare", "--heads", "gap,maxpool");
        assertEquals(Main.EXIT_USAGE, unknownHead.exitCode());
        assertTrue(unknownHead.err().contains("Unknown head 'maxpool'"), unknownHead.err());
        assertTrue(!unknownHead.err().contains("\tat "), "no stack trace expected: " + unknownHead.err());

        Result missingFolder = run("compare", "--data", "/no/such/folder", "--epochs", "1");
        assertEquals(Main.EXIT_USAGE, missingFolder.exitCode());
        assertTrue(missingFolder.err().contains("/no/such/folder"), missingFolder.err());

        Result typo = run("compare", "--epochz", "3");
        assertEquals(Main.EXIT_USAGE, typo.exitCode());
        assertTrue(typo.err().contains("--epochz"), typo.err());

        Result badBackbone = run("summary", "--backbone", "resnet9000");
        assertEquals(Main.EXIT_USAGE, badBackbone.exitCode());
        assertTrue(badBackbone.err().contains("Unknown backbone"), badBackbone.err());
    }

    @Test
    void aDataFolderWithOneClassIsBadInput(@TempDir Path dir) throws Exception {
        for (String split : new String[]{"train", "test"}) {
            Path folder = Files.createDirectories(dir.resolve(split).resolve("cat"));
            for (int i = 0; i < 2; i++) {
                java.awt.image.BufferedImage image = new java.awt.image.BufferedImage(20, 20,
                        java.awt.image.BufferedImage.TYPE_INT_RGB);
                image.setRGB(i, i, 0xffffff);
                javax.imageio.ImageIO.write(image, "png", folder.resolve(i + ".png").toFile());
            }
        }
        Result r = run("compare", "--data", dir.toString(), "--epochs", "1", "--size", "16",
                "--out", dir.resolve("reports").toString(), "--models", dir.resolve("models").toString());
        assertEquals(Main.EXIT_USAGE, r.exitCode(), r.err());
        assertTrue(r.err().contains("Only one class folder ('cat')") && r.err().contains("at least 2 classes"),
                r.err());
        assertTrue(!r.err().contains("\tat "), "no stack trace expected: " + r.err());
    }

    @Test
    void summaryShowsFeatureMapAndHeadSize() {
        Result r = run("summary", "--backbone", "small-cnn", "--size", "96", "--classes", "6");
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().contains("feature map     12x12x128"), r.out());
        // Wise-SrNet at 12x12: p = 3 -> 4x4 kernel: 128 * (16 + 1) weights + dense 128 * 6 + 6.
        assertTrue(r.out().contains("+ " + String.format("%,d", 128 * 17 + 128 * 6 + 6) + " head"), r.out());
    }

    @Test
    void compareTrainsBothHeadsAndWritesTheReport(@TempDir Path dir) throws Exception {
        Result r = run("compare", "--size", "20", "--grid", "2", "--train-size", "64", "--test-size", "32",
                "--epochs", "2", "--batch", "16", "--optimizer", "adam", "--lr", "0.005",
                "--out", dir.resolve("report").toString(), "--models", dir.resolve("models").toString());
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().contains("gap") && r.out().contains("wise-srnet"), r.out());
        for (String f : new String[]{"summary.md", "epochs.csv", "accuracy.png", "loss.png",
                "confusion-gap.png", "confusion-wise-srnet.png", "attributions.png",
                "spatial-weights-wise-srnet.png"}) {
            assertTrue(Files.isRegularFile(dir.resolve("report").resolve(f)), f + " missing");
        }
        String summary = Files.readString(dir.resolve("report").resolve("summary.md"));
        assertTrue(summary.contains("## What each head looks at") && summary.contains("(attributions.png)")
                && summary.contains("(spatial-weights-wise-srnet.png)"), summary);
        assertTrue(!Files.exists(dir.resolve("report").resolve("spatial-weights-gap.png")));
        Path best = dir.resolve("models").resolve("wise-srnet").resolve("best.zip");
        assertTrue(Files.isRegularFile(best));
        // a checkpoint knows its input: a user can attach another head to it with two arguments
        var checkpoint = io.github.wisesrnet.train.Checkpoints.load(best);
        assertEquals(java.util.List.of(org.deeplearning4j.nn.conf.inputs.InputType.convolutional(20, 20, 3)),
                java.util.List.of(io.github.wisesrnet.graph.InputTypeRecord.readFrom(checkpoint.getConfiguration())));
        var gap = io.github.wisesrnet.WiseSrNet.attach(checkpoint, 3, io.github.wisesrnet.Head.GAP);
        assertEquals(3, gap.getOutputLayer(0).getParam("b").length());
    }

    static final Path INTEL = TestImages.INTEL;

    @Test
    void realImagesTrainResumeEvaluateAndPredict(@TempDir Path dir) throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isDirectory(INTEL),
                "Intel images not found at " + INTEL.toAbsolutePath() + ": skipped");
        Path models = dir.resolve("models");
        String[] common = {"--data", INTEL.toString(), "--max-per-class", "6", "--size", "32", "--backbone",
                "small-cnn", "--batch", "12", "--models", models.toString(), "--name", "intel"};
        Result first = run(concat(new String[]{"train", "--epochs", "1"}, common));
        assertEquals(0, first.exitCode(), first.err());
        Result resumed = run(concat(new String[]{"train", "--epochs", "2", "--resume"}, common));
        assertEquals(0, resumed.exitCode(), resumed.err());
        var record = io.github.wisesrnet.train.RunRecord.read(models.resolve("wise-srnet").resolve("run.json"));
        assertEquals(2, record.epochs().size());
        assertEquals(java.util.List.of("buildings", "forest", "glacier", "mountain", "sea", "street"),
                record.classNames());

        Result eval = run("evaluate", "--model", models.resolve("wise-srnet").resolve("last.zip").toString());
        assertEquals(0, eval.exitCode(), eval.err());
        Matcher measured = Pattern.compile("top-1 ([0-9.]+)%").matcher(eval.out());
        Matcher recorded = Pattern.compile("recorded top-1 at epoch 2: ([0-9.]+)%").matcher(eval.out());
        assertTrue(measured.find() && recorded.find(), eval.out());
        assertEquals(recorded.group(1), measured.group(1));

        Path forest = INTEL.resolve("test").resolve("forest");
        Result predict = run("predict", "--model", models.resolve("wise-srnet").toString(), "--top", "2",
                forest.resolve(Files.list(forest).sorted().findFirst().orElseThrow().getFileName()).toString());
        assertEquals(0, predict.exitCode(), predict.err());
        assertTrue(Pattern.compile("\\.jpg  [a-z]+ [0-9.]+%  [a-z]+ [0-9.]+%").matcher(predict.out()).find(),
                predict.out());
    }

    private static String[] concat(String[] a, String[] b) {
        String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    @Test
    void trainThenEvaluateReproducesTheRecordedAccuracy(@TempDir Path dir) {
        Path models = dir.resolve("models");
        Result train = run("train", "--head", "wise-srnet", "--size", "20", "--grid", "2", "--train-size", "64",
                "--test-size", "32", "--epochs", "2", "--batch", "16", "--optimizer", "adam", "--lr", "0.005",
                "--models", models.toString());
        assertEquals(0, train.exitCode(), train.err());

        Result eval = run("evaluate", "--model", models.resolve("wise-srnet").resolve("last.zip").toString());
        assertEquals(0, eval.exitCode(), eval.err());
        Matcher measured = Pattern.compile("top-1 ([0-9.]+)%").matcher(eval.out());
        Matcher recorded = Pattern.compile("recorded top-1 at epoch 2: ([0-9.]+)%").matcher(eval.out());
        assertTrue(measured.find() && recorded.find(), eval.out());
        assertEquals(recorded.group(1), measured.group(1));
    }

    @Test
    void headInitIsRecordedAndAResumeWithAnotherInitIsRefused(@TempDir Path dir) throws Exception {
        Path models = dir.resolve("models");
        String[] common = {"--head", "wise-srnet", "--size", "20", "--grid", "2", "--train-size", "32",
                "--test-size", "16", "--batch", "16", "--models", models.toString()};
        Result train = run(concat(new String[]{"train", "--epochs", "1", "--head-init", "gap-equivalent"}, common));
        assertEquals(0, train.exitCode(), train.err());
        Path recordFile = models.resolve("wise-srnet").resolve("run.json");
        var record = io.github.wisesrnet.train.RunRecord.read(recordFile);
        assertEquals(io.github.wisesrnet.layers.HeadInit.GAP_EQUIVALENT, record.config().headInit());
        assertTrue(record.config().describe().contains("head init gap-equivalent"));

        Result resumed = run(concat(new String[]{"train", "--epochs", "2", "--resume"}, common));
        assertEquals(Main.EXIT_USAGE, resumed.exitCode());
        assertTrue(resumed.err().contains("Cannot resume") && resumed.err().contains("head init: gap-equivalent, not"
                + " paper"), resumed.err());

        // Records written before the option existed read as the paper's initialization.
        String json = Files.readString(recordFile);
        String old = json.replaceAll(",\\s*\"headInit\"\\s*:\\s*\"GAP_EQUIVALENT\"", "");
        assertTrue(!old.contains("headInit"), old);
        Files.writeString(recordFile, old);
        assertEquals(io.github.wisesrnet.layers.HeadInit.PAPER,
                io.github.wisesrnet.train.RunRecord.read(recordFile).config().headInit());

        Result unknown = run(concat(new String[]{"train", "--epochs", "1", "--head-init", "xavier"}, common));
        assertEquals(Main.EXIT_USAGE, unknown.exitCode());
        assertTrue(unknown.err().contains("Unknown head initialization 'xavier'"), unknown.err());
    }

    @Test
    void compareWithSeveralSeedsTrainsEachHeadPerSeedAndReportsThePairedDifference(@TempDir Path dir)
            throws Exception {
        Result r = run("compare", "--size", "20", "--grid", "2", "--train-size", "32", "--test-size", "16",
                "--epochs", "1", "--batch", "16", "--seeds", "3,5", "--out", dir.resolve("report").toString(),
                "--models", dir.resolve("models").toString());
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().contains("Across 2 seeds [3, 5]") && r.out().contains("Difference to GAP, paired by seed")
                && r.out().contains("gap-s5") && r.out().contains("wise-srnet-s3"), r.out());
        for (String seed : new String[]{"seed-3", "seed-5"}) {
            for (String head : new String[]{"gap", "wise-srnet"}) {
                var record = io.github.wisesrnet.train.RunRecord.read(
                        dir.resolve("models").resolve(seed).resolve(head).resolve("run.json"));
                assertEquals(Long.parseLong(seed.substring(5)), record.config().seed());
            }
        }
        assertTrue(Files.readString(dir.resolve("report").resolve("summary.md")).contains("### Across seeds"));

        Result bad = run("compare", "--seeds", "1,x");
        assertEquals(Main.EXIT_USAGE, bad.exitCode());
        assertTrue(bad.err().contains("--seeds takes whole numbers"), bad.err());
        Result twice = run("compare", "--seeds", "2,2");
        assertEquals(Main.EXIT_USAGE, twice.exitCode());
        assertTrue(twice.err().contains("lists 2 twice"), twice.err());
    }

    @Test
    void aValidationSplitChoosesBestZipAndEvaluateReproducesThatEpoch(@TempDir Path dir) throws Exception {
        Path models = dir.resolve("models");
        Result train = run("train", "--head", "wise-srnet", "--size", "20", "--grid", "2", "--train-size", "80",
                "--test-size", "32", "--epochs", "4", "--batch", "16", "--optimizer", "adam", "--lr", "0.005",
                "--val-fraction", "0.25", "--models", models.toString());
        assertEquals(0, train.exitCode(), train.err());
        assertTrue(train.out().contains("val loss") && train.out().contains("Test top-1 at the best validation epoch"),
                train.out());
        var record = io.github.wisesrnet.train.RunRecord.read(models.resolve("wise-srnet").resolve("run.json"));
        assertEquals(0.25, record.dataSpec().validationFraction());
        assertTrue(record.epochs().stream().allMatch(io.github.wisesrnet.train.EpochMetrics::hasValidation));
        var best = io.github.wisesrnet.train.EpochMetrics.best(record.epochs());
        for (var e : record.epochs()) {
            assertTrue(e.valTop1() <= best.valTop1());
        }

        Result eval = run("evaluate", "--model", models.resolve("wise-srnet").toString());
        assertEquals(0, eval.exitCode(), eval.err());
        Matcher measured = Pattern.compile("top-1 ([0-9.]+)%").matcher(eval.out());
        Matcher recorded = Pattern.compile("recorded top-1 at epoch ([0-9]+): ([0-9.]+)%").matcher(eval.out());
        assertTrue(measured.find() && recorded.find(), eval.out());
        assertEquals(best.epoch(), Integer.parseInt(recorded.group(1)), eval.out());
        assertEquals(recorded.group(2), measured.group(1));
    }

    @Test
    void evaluateOnAnotherFolderNeedsOnlyItsTestImages(@TempDir Path dir) throws Exception {
        Path data = dir.resolve("data");
        io.github.wisesrnet.data.TestImages.classFolders(data.resolve("train"), 4, "cat", "dog");
        io.github.wisesrnet.data.TestImages.classFolders(data.resolve("test"), 2, "cat", "dog");
        Result train = run("train", "--data", data.toString(), "--size", "16", "--backbone", "small-cnn",
                "--epochs", "1", "--batch", "4", "--models", dir.resolve("models").toString());
        assertEquals(0, train.exitCode(), train.err());
        Path other = dir.resolve("other");
        io.github.wisesrnet.data.TestImages.classFolders(other.resolve("test"), 3, "cat", "dog");
        Result eval = run("evaluate", "--model", dir.resolve("models").resolve("wise-srnet").toString(), "--data",
                other.toString());
        assertEquals(0, eval.exitCode(), eval.err());
        assertTrue(eval.out().contains("6 test images"), eval.out());
    }

    @Test
    void outputsThatBecomeNaNAtTheEndOfAnEpochStopTheRunWithTheDivergenceMessage(@TempDir Path dir) {
        // SGD at learning rate 1.0 on the default generated data: the loss stays finite while training, but the
        // last updates of an epoch leave weights whose outputs are NaN (measured: in epoch 2).
        Result r = run("train", "--epochs", "3", "--lr", "1.0", "--models", dir.toString());
        assertEquals(Main.EXIT_FAILED, r.exitCode(), r.out());
        assertTrue(r.err().contains("Training diverged in epoch") && r.err().contains("--lr 0.0450"), r.err());
        assertTrue(!r.err().contains("Cannot perform evaluation"), r.err());
    }
}
