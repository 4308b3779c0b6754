package io.github.wisesrnet.deploy;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;

import java.nio.FloatBuffer;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * An ONNX Runtime session: the only class that touches ONNX Runtime's API, so that {@link OnnxClassifier} loads (and
 * can say what is missing) without it on the class path. Every ONNX Runtime call runs on one thread of this session
 * with a 16 MB stack: ONNX Runtime 1.29.0's native code crashed the JVM (SIGSEGV) on Java's default 1 MB thread stack
 * when the process's command line was long (a few thousand characters: {@code predict} with many image files, a long
 * class path); a larger stack ({@code -Xss2m}) was enough. One thread also serializes calls on a session.
 */
final class OnnxRuntimeSession implements AutoCloseable {

    private static final long STACK_BYTES = 16L << 20;

    /** A model's output: values in row-major order and shape. */
    record Output(float[] values, long[] shape) {
    }

    private final ExecutorService thread;
    private final OrtEnvironment environment;
    private final OrtSession session;
    private final String inputName;
    private final Map<String, String> metadata;

    /**
     * @throws IllegalArgumentException if ONNX Runtime cannot load {@code model} ({@code source} names it)
     */
    OnnxRuntimeSession(byte[] model, int threads, String source) {
        thread = Executors.newSingleThreadExecutor(task -> {
            Thread t = new Thread(null, task, "onnxruntime", STACK_BYTES);
            t.setDaemon(true);
            return t;
        });
        try {
            environment = call(OrtEnvironment::getEnvironment);
            session = call(() -> {
                try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
                    options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
                    options.setIntraOpNumThreads(threads);
                    options.setExecutionMode(OrtSession.SessionOptions.ExecutionMode.SEQUENTIAL);
                    try {
                        return environment.createSession(model, options);
                    } catch (OrtException e) {
                        throw new IllegalArgumentException(source + " is not an ONNX model ONNX Runtime can load: "
                                + e.getMessage(), e);
                    }
                }
            });
            inputName = call(() -> session.getInputNames().iterator().next());
            metadata = call(() -> session.getMetadata().getCustomMetadata());
        } catch (RuntimeException e) {
            thread.shutdownNow();
            throw e;
        }
    }

    String inputName() {
        return inputName;
    }

    Map<String, String> metadata() {
        return metadata;
    }

    /** Runs the model on {@code input} (read in place when it is a direct buffer) of the given shape. */
    Output run(FloatBuffer input, long[] shape) {
        return call(() -> {
            try (OnnxTensor tensor = OnnxTensor.createTensor(environment, input, shape);
                 OrtSession.Result result = session.run(Map.of(inputName, tensor))) {
                OnnxTensor out = (OnnxTensor) result.get(0);
                FloatBuffer values = out.getFloatBuffer();
                float[] data = new float[values.remaining()];
                values.get(data);
                return new Output(data, out.getInfo().getShape());
            }
        });
    }

    @Override
    public void close() {
        try {
            call(() -> {
                session.close();
                return null;
            });
        } finally {
            thread.shutdown();
        }
    }

    /** Runs {@code task} on the session's thread; ONNX Runtime's checked exceptions become IllegalStateException. */
    private <T> T call(Callable<T> task) {
        Future<T> future = thread.submit(task);
        try {
            return future.get();
        } catch (InterruptedException e) {
            future.cancel(true);
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while ONNX Runtime was running", e);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException runtime) {
                throw runtime;
            }
            if (cause instanceof Error error) {
                throw error;
            }
            throw new IllegalStateException("ONNX Runtime failed: " + cause.getMessage(), cause);
        }
    }
}
