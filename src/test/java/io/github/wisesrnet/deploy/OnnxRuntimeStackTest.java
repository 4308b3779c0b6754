package io.github.wisesrnet.deploy;

import io.github.wisesrnet.TestNets;
import io.github.wisesrnet.WiseSrNet;
import io.github.wisesrnet.backbones.Backbone;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * ONNX Runtime 1.29.0 crashed the JVM (SIGSEGV, exit 139) on Java's default thread stack when the process's command
 * line was long, as with {@code predict} on many image files; {@link OnnxRuntimeSession} runs it on a thread with a
 * larger stack. Checked in a fresh JVM started with a 6,000-character argument and the default stack size.
 */
class OnnxRuntimeStackTest {

    @TempDir
    Path dir;

    /** The child process: opens the model given as the first argument and runs it once. */
    public static void main(String[] args) throws Exception {
        try (OnnxClassifier model = OnnxClassifier.open(Path.of(args[0]), 1)) {
            InputType input = InputType.convolutional(model.metadata().height(), model.metadata().width(),
                    model.metadata().channels());
            System.out.println("output " + model.output(TestNets.randomInput(input, 2, DataType.FLOAT, 1))
                    .shapeInfoToString().replace('\n', ' '));
        }
    }

    @Test
    void aLongCommandLineDoesNotCrashOnnxRuntime() throws Exception {
        Path file = dir.resolve("tiny.onnx");
        OnnxExport.of(WiseSrNet.attach(Backbone.TINY.featureExtractor(16, 16, 3), 3)).write(file);
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process process = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                OnnxRuntimeStackTest.class.getName(), file.toString(), "x".repeat(6000))
                .redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(120, TimeUnit.SECONDS), "child JVM timed out");
        assertEquals(0, process.exitValue(), "child JVM failed (139 = SIGSEGV):\n" + output);
        assertTrue(output.contains("output "), output);
    }
}
