package io.github.wisesrnet.deploy;

import io.github.wisesrnet.data.ImageFiles;
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
 * (default: the available processors), sequential execution. Calls from several threads are run one after another
 * (ONNX Runtime's own threads work inside each call).
 */
public final class OnnxClassifier implements AutoCloseable {

    private final OnnxRuntimeSession session;
    private final OnnxMetadata metadata;

    private OnnxClassifier(OnnxRuntimeSession session) {
        this.session = session;
        this.metadata = OnnxMetadata.fromProperties(session.metadata());
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
        OnnxRuntimeSession session = new OnnxRuntimeSession(model, threads, source);
        try {
            return new OnnxClassifier(session);
        } catch (RuntimeException e) {
            session.close();
            throw e;
        }
    }

    /** ONNX Runtime is an optional dependency: say what to add before any of its classes is needed. */
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
        OnnxRuntimeSession.Output out = session.run(buffer, input.shape());
        return Nd4j.create(out.values(), out.shape(), DataType.FLOAT);
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
        return new ImageFiles((int) metadata.height(), (int) metadata.width(), metadata.layout(),
                metadata.preprocessing());
    }

    @Override
    public void close() {
        session.close();
    }
}
