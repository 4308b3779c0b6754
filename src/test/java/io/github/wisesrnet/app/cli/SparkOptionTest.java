package io.github.wisesrnet.app.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static io.github.wisesrnet.app.cli.CommandLineTest.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code --spark MASTER}: training on Spark from the command line, and the refusals before anything is written. */
class SparkOptionTest {

    private static final String[] SMALL = {"--size", "20", "--grid", "2", "--train-size", "64", "--test-size", "32",
            "--batch", "16", "--epochs", "1"};

    @Test
    void trainOnSparkLocalRecordsIt(@TempDir Path dir) throws Exception {
        CommandLineTest.Result r = run(concat(new String[]{"train", "--spark", "local[2]", "--models",
                dir.toString()}, SMALL));
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().contains("Spark local[2], parameters averaged every batch per worker"), r.out());
        String runJson = Files.readString(dir.resolve("wise-srnet").resolve("run.json"));
        assertTrue(runJson.contains("\"spark\"") && runJson.contains("local[2]"), runJson);

        // a resume may move to another master (here: one worker thread instead of two)
        String[] resume = concat(new String[]{"train", "--spark", "local[1]", "--models", dir.toString(), "--resume"},
                SMALL);
        resume[resume.length - 1] = "2"; // --epochs 2
        CommandLineTest.Result resumed = run(resume);
        assertEquals(0, resumed.exitCode(), resumed.err());
        assertTrue(Files.readString(dir.resolve("wise-srnet").resolve("run.json")).contains("\"epoch\" : 2"),
                "the resumed run adds epoch 2");
    }

    @Test
    void badMastersAndDirectoriesExitWithTwoAndWriteNothing(@TempDir Path dir) throws Exception {
        Path models = dir.resolve("models");
        CommandLineTest.Result unreachable = run(concat(new String[]{"train", "--spark", "spark://127.0.0.1:1",
                "--spark-export-dir", dir.resolve("export").toString(), "--models", models.toString()}, SMALL));
        assertEquals(Main.EXIT_USAGE, unreachable.exitCode(), unreachable.out());
        assertTrue(unreachable.err().contains("Cannot reach the Spark master"), unreachable.err());

        CommandLineTest.Result none = run(concat(new String[]{"train", "--spark", "local[0]", "--models",
                models.toString()}, SMALL));
        assertEquals(Main.EXIT_USAGE, none.exitCode(), none.out());
        assertTrue(none.err().contains("no worker threads"), none.err());

        CommandLineTest.Result clusterWithoutDir = run(concat(new String[]{"compare", "--spark",
                "spark://127.0.0.1:7077", "--no-checkpoints", "--out", dir.resolve("report").toString()}, SMALL));
        assertEquals(Main.EXIT_USAGE, clusterWithoutDir.exitCode(), clusterWithoutDir.out());
        assertTrue(clusterWithoutDir.err().contains("--spark-export-dir DIR"), clusterWithoutDir.err());

        Path file = Files.writeString(dir.resolve("a-file"), "x");
        CommandLineTest.Result unwritable = run(concat(new String[]{"train", "--spark", "local[2]",
                "--spark-export-dir", file.resolve("sub").toString(), "--models", models.toString()}, SMALL));
        assertEquals(Main.EXIT_USAGE, unwritable.exitCode(), unwritable.out());
        assertTrue(unwritable.err().contains("Cannot write to the Spark export directory"), unwritable.err());

        CommandLineTest.Result both = run(concat(new String[]{"train", "--spark", "local[2]", "--parallel", "2",
                "--models", models.toString()}, SMALL));
        assertEquals(Main.EXIT_USAGE, both.exitCode(), both.out());
        assertTrue(both.err().contains("not both"), both.err());

        CommandLineTest.Result dirAlone = run(concat(new String[]{"train", "--spark-export-dir", dir.toString(),
                "--models", models.toString()}, SMALL));
        assertEquals(Main.EXIT_USAGE, dirAlone.exitCode(), dirAlone.out());
        assertTrue(dirAlone.err().contains("--spark-export-dir needs --spark MASTER"), dirAlone.err());

        assertFalse(Files.exists(models), "nothing written for refused runs");
        assertFalse(Files.exists(dir.resolve("report")), "no report for refused runs");
    }

    private static String[] concat(String[] args, String... more) {
        String[] out = java.util.Arrays.copyOf(args, args.length + more.length);
        System.arraycopy(more, 0, out, args.length, more.length);
        return out;
    }
}
