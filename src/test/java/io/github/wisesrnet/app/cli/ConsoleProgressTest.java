package io.github.wisesrnet.app.cli;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** When the output is not a terminal (CI logs, redirected output), each progress line is printed once. */
class ConsoleProgressTest {

    @Test
    void theFinalLineOfAPhaseIsPrintedOnce() {
        List<String> lines = stderrOf(() -> {
            ConsoleProgress progress = new ConsoleProgress("WISE_SRNET", false);
            progress.phaseStarted("train", 1, 2, 100);
            for (int i = 0; i < 10; i++) {
                progress.examplesDone(10, 0.5);
            }
            progress.phaseFinished();
        });
        assertEquals(1, lines.size(), String.join("\n", lines));
        assertTrue(lines.get(0).startsWith("WISE_SRNET 1/2 train 100/100 img (100%), "), lines.get(0));
        assertTrue(lines.get(0).endsWith(", loss 0.5000"), lines.get(0));
    }

    private static List<String> stderrOf(Runnable action) {
        PrintStream original = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            action.run();
        } finally {
            System.setErr(original);
        }
        return Arrays.stream(captured.toString(StandardCharsets.UTF_8).split("\\R")).filter(l -> !l.isBlank()).toList();
    }
}
