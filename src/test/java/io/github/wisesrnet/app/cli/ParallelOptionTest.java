package io.github.wisesrnet.app.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static io.github.wisesrnet.app.cli.CommandLineTest.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code --parallel N}: training with N workers from the command line, recorded, and resumed only the same way. */
class ParallelOptionTest {

    @Test
    void trainWithTwoWorkersRecordsItAndResumesOnlyTheSameWay(@TempDir Path dir) throws Exception {
        String[] common = {"train", "--size", "20", "--grid", "2", "--train-size", "64", "--test-size", "32",
                "--batch", "16", "--parallel", "2", "--averaging-frequency", "2", "--models", dir.toString()};
        CommandLineTest.Result r = run(concat(common, "--epochs", "1"));
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().contains("2 workers (ParallelWrapper), parameters averaged every 2 rounds"), r.out());
        assertTrue(r.out().contains("acc n/a"), r.out());
        String runJson = Files.readString(dir.resolve("wise-srnet").resolve("run.json"));
        assertTrue(runJson.contains("\"workers\"") && runJson.contains("\"averagingFrequency\""), runJson);

        CommandLineTest.Result resumed = run(concat(common, "--epochs", "2", "--resume"));
        assertEquals(0, resumed.exitCode(), resumed.err());
        CommandLineTest.Result single = run("train", "--size", "20", "--grid", "2", "--train-size", "64",
                "--test-size", "32", "--batch", "16", "--models", dir.toString(), "--epochs", "3", "--resume");
        assertEquals(Main.EXIT_USAGE, single.exitCode(), single.out());
        assertTrue(single.err().contains("parallel training: 2 workers (ParallelWrapper), parameters averaged every 2"
                + " rounds, not one worker"), single.err());
    }

    @Test
    void impossibleSettingsExitWithTwo() {
        CommandLineTest.Result one = run("train", "--parallel", "1", "--epochs", "1");
        assertEquals(Main.EXIT_USAGE, one.exitCode(), one.out());
        assertTrue(one.err().contains("at least 2 workers"), one.err());
        CommandLineTest.Result alone = run("compare", "--averaging-frequency", "3", "--epochs", "1");
        assertEquals(Main.EXIT_USAGE, alone.exitCode(), alone.out());
        assertTrue(alone.err().contains("--averaging-frequency needs --parallel N"), alone.err());
    }

    private static String[] concat(String[] args, String... more) {
        String[] out = java.util.Arrays.copyOf(args, args.length + more.length);
        System.arraycopy(more, 0, out, args.length, more.length);
        return out;
    }
}
