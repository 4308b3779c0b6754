package io.github.wisesrnet.deploy;

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * ONNX's own model checker ({@code onnx.checker.check_model} with {@code full_check}, which also infers every shape),
 * from Python's onnx package (Debian: python3-onnx), in one Python process for the whole test run (it reads file names
 * and answers one line each). Where the package is not installed the check is left out with a note on standard error;
 * the tests that call it assert their own results either way.
 */
final class OnnxChecker {

    private static final String PYTHON = "/usr/bin/python3";
    private static final String SCRIPT = """
            import sys
            try:
                import onnx
            except ImportError as e:
                print("missing " + str(e), flush=True)
                sys.exit(0)
            print("ready onnx " + onnx.__version__, flush=True)
            for line in sys.stdin:
                try:
                    m = onnx.load(line.strip())
                    onnx.checker.check_model(m, full_check=True)
                    print("ok", flush=True)
                except Exception as e:
                    print("rejected " + " ".join(str(e).split()), flush=True)
            """;

    private static Process process;
    private static BufferedWriter in;
    private static BufferedReader out;
    private static Boolean available;

    private OnnxChecker() {
    }

    static synchronized boolean available() {
        if (available == null) {
            available = start();
        }
        return available;
    }

    private static boolean start() {
        String first;
        try {
            process = new ProcessBuilder(PYTHON, "-c", SCRIPT).redirectError(ProcessBuilder.Redirect.INHERIT).start();
            in = new BufferedWriter(new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8));
            out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
            first = out.readLine();
        } catch (IOException e) {
            first = "missing " + e.getMessage();
        }
        if (first == null || !first.startsWith("ready ")) {
            System.err.println("Python's onnx package is not available (" + first + "; Debian: python3-onnx): the"
                    + " exported files are not run through onnx.checker.");
            return false;
        }
        Runtime.getRuntime().addShutdownHook(new Thread(process::destroy));
        return true;
    }

    /** Fails with the checker's message if it rejects the file; does nothing where the checker is missing. */
    static synchronized void assertValid(Path file) {
        if (!available()) {
            return;
        }
        String answer;
        try {
            in.write(file.toAbsolutePath().toString());
            in.newLine();
            in.flush();
            answer = out.readLine();
        } catch (IOException e) {
            answer = null;
        }
        if (answer == null) {
            fail("the onnx.checker process stopped");
        }
        assertEquals("ok", answer, "onnx.checker rejected " + file);
    }
}
