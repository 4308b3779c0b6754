package io.github.wisesrnet.deploy;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import io.github.wisesrnet.data.ImageFiles;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.io.IOException;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * A model exported by {@link OnnxExport}, run by Microsoft's ONNX Runtime, with the preprocessing its metadata
 * records. Needs {@code com.microsoft.onnxruntime:onnxruntime} on the class path (an optional dependency of this
 * library).
 * <pre>{@code
 * try (OnnxClassifier model = OnnxClassifier.open(Path.of("model.onnx"))) {
 *     INDArray probabilities = model.classify(List.of(Path.of("street.jpg")));   // [1, classes]
 *     String best = model.metadata().labels().get(probabilities.getRow(0).argMax().getInt(0));
 * }
 * }</pre>
 * Session options: all of ONNX Runtime's graph optimizations ({@code ALL_OPT}), {@code threads} intra-op threads
 * (default: the available processors), sequential execution. Not thread-safe for {@link #close}; {@link #output} may
 * be called from several threads, as ONNX Runtime's {@code run} allows.
 */
public final class OnnxClassifier implements AutoCloseable {

    private final OrtEnvironment environment;
    private final OrtSession session;
    private final OnnxMetadata metadata;
    private final String inputName;

    private OnnxClassifier(OrtEnvironment environment, OrtSession session) throws OrtException {
        this.environment = environment;
        this.session = session;
        this.metadata = OnnxMetadata.fromProperties(session.getMetadata().getCustomMetadata());
        this.inputName = session.getInputNames().iterator().next();
    }

    /** The model in {@code file}, with one intra-op thread per available processor. */
    public static OnnxClassifier open(Path file) throws IOException {
        return open(file, Runtime.getRuntime().availableProcessors());
    }

    /**
     * The model in {@code file}.
     *
     * @throws NoSuchFileException      if there is no such file
     * @throws IllegalArgumentException if it is not an ONNX model exported by this library
     * @throws IllegalStateException    if ONNX Runtime is not on the class path
     */
    public static OnnxClassifier open(Path file, int threads) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new NoSuchFileException(file.toString(), null, "no ONNX model there");
        }
        return of(Files.readAllBytes(file), threads, file.toString());
    }

    /** A model given as bytes (for example {@link OnnxExport#toBytes()}). */
    public static OnnxClassifier of(byte[] model, int threads) {
        return of(model, threads, "the model");
    }

    private static OnnxClassifier of(byte[] model, int threads, String source) {
        requireRuntime();
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be at least 1, got " + threads);
        }
        OrtEnvironment environment = OrtEnvironment.getEnvironment();
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            options.setIntraOpNumThreads(threads);
            options.setExecutionMode(OrtSession.SessionOptions.ExecutionMode.SEQUENTIAL);
            OrtSession session;
            try {
                session = environment.createSession(model, options);
            } catch (OrtException e) {
                throw new IllegalArgumentException(source + " is not an ONNX model ONNX Runtime can load: "
                        + e.getMessage(), e);
            }
            try {
                return new OnnxClassifier(environment, session);
            } catch (RuntimeException | OrtException e) {
                session.close();
                throw e instanceof IllegalArgumentException iae ? iae
                        : new IllegalArgumentException(source + ": " + e.getMessage(), e);
            }
        } catch (OrtException e) {
            throw new IllegalStateException("ONNX Runtime could not set up a session: " + e.getMessage(), e);
        }
    }

    private static void requireRuntime() {
        try {
            Class.forName("ai.onnxruntime.OrtEnvironment", false, OnnxClassifier.class.getClassLoader());
        } catch (ClassNotFoundException | LinkageError e) {
            throw new IllegalStateException("Running ONNX models needs Microsoft's ONNX Runtime: add the dependency"
                    + " com.microsoft.onnxruntime:onnxruntime (an optional dependency of this library).", e);
        }
    }

    /** The model's metadata: labels, input size and layout, preprocessing. */
    public OnnxMetadata metadata() {
        return metadata;
    }

    /**
     * The model's output for a prepared input batch, {@link OnnxMetadata#inputShape}({@code n}) in the model's layout
     * and already preprocessed (as for the DL4J network).
     */
    public INDArray output(INDArray input) {
        long[] expected = metadata.inputShape(input.size(0));
        if (!Arrays.equals(input.shape(), expected)) {
            throw new IllegalArgumentException("Input of shape " + Arrays.toString(input.shape()) + "; the model takes "
                    + Arrays.toString(expected) + " (" + metadata.layout() + ").");
        }
        INDArray contiguous = input.dataType() == DataType.FLOAT && !input.isView() && input.ordering() == 'c'
                && input.offset() == 0 ? input : input.castTo(DataType.FLOAT).dup('c');
        // ND4J's buffer is native memory: ONNX Runtime reads it in place
        FloatBuffer buffer = contiguous.data().asNio().order(ByteOrder.nativeOrder()).asFloatBuffer();
        buffer.limit((int) contiguous.length());
        try (OnnxTensor tensor = OnnxTensor.createTensor(environment, buffer, input.shape());
             OrtSession.Result result = session.run(Map.of(inputName, tensor))) {
            OnnxTensor out = (OnnxTensor) result.get(0);
            long[] shape = out.getInfo().getShape();
            FloatBuffer values = out.getFloatBuffer();
            float[] data = new float[values.remaining()];
            values.get(data);
            return Nd4j.create(data, shape, DataType.FLOAT);
        } catch (OrtException e) {
            throw new IllegalStateException("ONNX Runtime failed on an input of shape " + Arrays.toString(input.shape())
                    + ": " + e.getMessage(), e);
        }
    }

    /**
     * Class probabilities {@code [n, classes]} for image files, prepared as the model's metadata says (resized to the
     * input size, the recorded preprocessing, the model's layout).
     *
     * @throws IOException naming the first file that cannot be decoded
     */
    public INDArray classify(List<Path> images) throws IOException {
        return output(imageFiles().load(images));
    }

    /** Image loading as the model's metadata says; for callers that batch files themselves. */
    public ImageFiles imageFiles() {
        if (metadata.preprocessing() == null) {
            throw new IllegalStateException("The model records no preprocessing, so images cannot be prepared for it:"
                    + " export it with OnnxExport.preprocessing(...), or call output(...) with prepared inputs.");
        }
        return new ImageFiles((int) metadata.height(), (int) metadata.width(),
                metadata.layout() == CNN2DFormat.NHWC ? CNN2DFormat.NHWC : CNN2DFormat.NCHW, metadata.preprocessing());
    }

    @Override
    public void close() {
        try {
            session.close();
        } catch (OrtException e) {
            throw new IllegalStateException(e);
        }
    }
}
