package io.github.wisesrnet.deploy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * ONNX's own model checker ({@code onnx.checker.check_model} with {@code full_check}, which also infers every shape),
 * from Python's onnx package (Debian: python3-onnx). Where it is not installed the check is left out with a note on
 * standard error; the tests that call it assert their own results either way.
 */
final class OnnxChecker {

    private static final String PYTHON = "/usr/bin/python3";
    private static final String SCRIPT = "import onnx, sys\n"
            + "m = onnx.load(sys.argv[1])\n"
            + "onnx.checker.check_model(m, full_check=True)\n"
            + "print('opset', m.opset_import[0].version, 'ir', m.ir_version, 'nodes', len(m.graph.node))\n";
    private static Boolean available;

    private OnnxChecker() {
    }

    static synchronized boolean available() {
        if (available == null) {
            available = run("import onnx", null).exit == 0;
            if (!available) {
                System.err.println("Python's onnx package is not installed (Debian: python3-onnx): the exported files"
                        + " are not run through onnx.checker.");
            }
        }
        return available;
    }

    /** Fails with the checker's message if it rejects the file; does nothing where the checker is missing. */
    static void assertValid(Path file) {
        if (!available()) {
            return;
        }
        Result result = run(SCRIPT, file);
        assertEquals(0, result.exit, "onnx.checker rejected " + file + ":\n" + result.output);
    }

    private record Result(int exit, String output) {
    }

    private static Result run(String script, Path file) {
        try {
            ProcessBuilder builder = file == null ? new ProcessBuilder(PYTHON, "-c", script)
                    : new ProcessBuilder(PYTHON, "-c", script, file.toString());
            Process process = builder.redirectErrorStream(true).start();
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(120, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                return new Result(-1, "timed out");
            }
            return new Result(process.exitValue(), output);
        } catch (IOException e) {
            return new Result(-1, e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Result(-1, e.toString());
        }
    }
}
