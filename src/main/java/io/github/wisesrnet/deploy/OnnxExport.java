package io.github.wisesrnet.deploy;

import io.github.wisesrnet.data.Preprocessing;
import io.github.wisesrnet.graph.InputTypeRecord;
import onnx.Onnx;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Writes a trained DL4J {@link ComputationGraph} as an ONNX model (opset {@value #OPSET}) that computes the same
 * function in standard ONNX operators, for ONNX Runtime and any other ONNX engine:
 * <pre>{@code
 * OnnxExport.of(net).labels(classNames).preprocessing(Preprocessing.CAFFE).write(Path.of("model.onnx"));
 * }</pre>
 * The graph takes one float input in the network's own layout ({@code [batch, C, H, W]} or {@code [batch, H, W, C]},
 * named as the network's input, batch size free) and gives the network's output (for the library's classifiers, the
 * softmax probabilities, named {@code predictions}). Inference mode: batch normalization with its running statistics,
 * dropout left out. The labels, the input size and layout, and the preprocessing with its constants go into the
 * model's metadata ({@link OnnxMetadata}).
 *
 * <p>Supported: convolutions (with or without bias, dilation, 'Same', 'Truncate' or 'Strict' padding), depthwise and
 * separable convolutions, batch normalization, activation layers and layer activations (identity, ReLU, ReLU6, leaky
 * ReLU, ELU, sigmoid, hard sigmoid, tanh, softplus, swish, softmax), max and average pooling, global average, max and
 * sum pooling, zero padding, dropout, dense and output layers, {@link io.github.wisesrnet.layers.WiseSrLayer}, the
 * element-wise and merge vertices, frozen layers and vertices, and the flattening preprocessor: every layer of the
 * library's backbones and heads. Anything else is refused, naming each layer and its class, before anything is
 * written.
 */
public final class OnnxExport {

    /** The ONNX operator set the models use. */
    public static final int OPSET = 13;
    /** ONNX IR version 7, the one that goes with opset 13. */
    static final int IR_VERSION = 7;

    private final ComputationGraph net;
    private InputType inputType;
    private List<String> labels = List.of();
    private Preprocessing preprocessing;
    /** For tests: the vertex whose activations the graph outputs (null: the network's output). */
    private String outputVertex;

    private OnnxExport(ComputationGraph net) {
        this.net = net;
    }

    /**
     * An export of {@code net}, which must have one input and one output. The input size comes from the network
     * (networks built by this library record it) or from {@link #inputType(InputType)}.
     */
    public static OnnxExport of(ComputationGraph net) {
        Objects.requireNonNull(net, "net");
        ComputationGraphConfiguration conf = net.getConfiguration();
        if (conf.getNetworkInputs().size() != 1 || conf.getNetworkOutputs().size() != 1) {
            throw new IllegalArgumentException("ONNX export takes a network with one input and one output; this one has"
                    + " inputs " + conf.getNetworkInputs() + " and outputs " + conf.getNetworkOutputs() + ".");
        }
        OnnxExport export = new OnnxExport(net);
        InputType[] recorded = InputTypeRecord.readFrom(conf);
        if (recorded != null) {
            export.inputType = recorded[0];
        }
        return export;
    }

    /** The network's input type (a convolutional type with the input's size and layout), if it does not record it. */
    public OnnxExport inputType(InputType type) {
        if (!(type instanceof InputType.InputTypeConvolutional)) {
            throw new IllegalArgumentException("ONNX export takes image networks: give InputType.convolutional(height,"
                    + " width, channels[, format]), got " + type + ".");
        }
        this.inputType = type;
        return this;
    }

    /** Class names, index = output position; recorded in the metadata. Their number must match the output's size. */
    public OnnxExport labels(List<String> labels) {
        this.labels = List.copyOf(labels);
        return this;
    }

    /** How pixels become the network's inputs (as it was trained); recorded in the metadata with its constants. */
    public OnnxExport preprocessing(Preprocessing preprocessing) {
        this.preprocessing = preprocessing;
        return this;
    }

    /** Makes the graph end at {@code vertex} (its activations, in the network's layout): for tests. */
    OnnxExport outputVertex(String vertex) {
        this.outputVertex = vertex;
        return this;
    }

    /** The metadata the model will carry. */
    public OnnxMetadata metadata() {
        InputType.InputTypeConvolutional in = input();
        return new OnnxMetadata(labels, in.getHeight(), in.getWidth(), in.getChannels(), in.getFormat(), preprocessing,
                OnnxMetadata.currentLibraryVersion());
    }

    /**
     * The ONNX model as a protobuf message.
     *
     * @throws IllegalArgumentException if a layer or vertex has no ONNX equivalent here (each one named, with its
     *                                  class), or the labels do not match the output
     */
    public Onnx.ModelProto toModel() {
        InputType.InputTypeConvolutional in = input();
        ComputationGraphConfiguration conf = net.getConfiguration();
        String inputName = conf.getNetworkInputs().get(0);
        String outputName = outputVertex != null ? outputVertex : conf.getNetworkOutputs().get(0);

        OnnxGraph graph = new OnnxGraph(outputName);
        OnnxLayers layers = new OnnxLayers(graph);
        OnnxMetadata metadata = metadata();
        graph.input(inputName, metadata.inputShape(-1));
        Map<String, OnnxLayers.Tensor> tensors = new HashMap<>();
        tensors.put(inputName, layers.networkInput(inputName, in));
        List<String> refused = new ArrayList<>();
        for (String name : conf.getTopologicalOrderStr()) {
            if (tensors.containsKey(name)) {
                continue;
            }
            GraphVertex vertex = conf.getVertices().get(name);
            List<OnnxLayers.Tensor> inputs = conf.getVertexInputs().get(name).stream().map(tensors::get).toList();
            InputType outputType = vertex.getOutputType(-1,
                    inputs.stream().map(OnnxLayers.Tensor::type).toArray(InputType[]::new));
            try {
                tensors.put(name, layers.vertex(name, vertex, inputs, params(name), outputType));
            } catch (OnnxLayers.UnsupportedException e) {
                refused.add("'" + name + "' (" + describe(vertex) + "): " + e.getMessage());
                // a stand-in, so that every later layer is checked too
                tensors.put(name, new OnnxLayers.Tensor(name + "/refused", outputType));
            }
        }
        if (!refused.isEmpty()) {
            throw new IllegalArgumentException("Cannot export to ONNX: " + refused.size() + " layer(s) have no ONNX"
                    + " equivalent here:\n  " + String.join("\n  ", refused) + "\nSupported: see OnnxExport's"
                    + " documentation (docs/deployment.md).");
        }
        OnnxLayers.Tensor output = layers.networkOutput(outputName, tensors.get(outputName));
        long[] outputShape = outputShape(output.type());
        if (!labels.isEmpty() && (outputShape.length != 2 || outputShape[1] != labels.size())) {
            throw new IllegalArgumentException(labels.size() + " labels for an output of shape "
                    + java.util.Arrays.toString(outputShape) + ": give one label per output class.");
        }
        graph.output(output.name(), outputShape);

        Onnx.ModelProto.Builder model = Onnx.ModelProto.newBuilder()
                .setIrVersion(IR_VERSION)
                .setProducerName("wise-srnet-dl4j")
                .setProducerVersion(metadata.libraryVersion())
                .setGraph(graph.build());
        model.addOpsetImportBuilder().setDomain("").setVersion(OPSET);
        metadata.toProperties().forEach((key, value) ->
                model.addMetadataProps(Onnx.StringStringEntryProto.newBuilder().setKey(key).setValue(value)));
        return model.build();
    }

    /** The ONNX model's bytes (what {@link #write} writes). */
    public byte[] toBytes() {
        return toModel().toByteArray();
    }

    /**
     * Writes the model to {@code file} (through a temporary file in the same folder, so a failed export leaves no
     * partial file). The whole model is built before anything is written: a refused layer writes nothing.
     */
    public void write(Path file) throws IOException {
        byte[] bytes = toBytes();
        Path target = file.toAbsolutePath();
        Path folder = target.getParent();
        Files.createDirectories(folder);
        // not Files.createTempFile, whose owner-only permissions the model would keep
        Path temporary = folder.resolve("." + target.getFileName() + "." + java.util.UUID.randomUUID() + ".part");
        try {
            Files.write(temporary, bytes, java.nio.file.StandardOpenOption.CREATE_NEW);
            Files.move(temporary, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(temporary);
        }
    }

    private InputType.InputTypeConvolutional input() {
        if (inputType == null) {
            throw new IllegalArgumentException("The network does not record its input size: give it with"
                    + " inputType(InputType.convolutional(height, width, channels[, format])).");
        }
        return (InputType.InputTypeConvolutional) inputType;
    }

    private Map<String, INDArray> params(String name) {
        Map<String, INDArray> table = net.getVertex(name).paramTable(false);
        return table == null ? Map.of() : table;
    }

    private static String describe(GraphVertex vertex) {
        if (vertex instanceof org.deeplearning4j.nn.conf.graph.LayerVertex layerVertex) {
            return layerVertex.getLayerConf().getLayer().getClass().getName();
        }
        return vertex.getClass().getName();
    }

    private static long[] outputShape(InputType type) {
        if (type instanceof InputType.InputTypeFeedForward ff) {
            return new long[]{-1, ff.getSize()};
        }
        if (type instanceof InputType.InputTypeConvolutional cnn) {
            return cnn.getFormat() == CNN2DFormat.NHWC
                    ? new long[]{-1, cnn.getHeight(), cnn.getWidth(), cnn.getChannels()}
                    : new long[]{-1, cnn.getChannels(), cnn.getHeight(), cnn.getWidth()};
        }
        throw new IllegalArgumentException("Cannot export a network whose output is " + type + ".");
    }
}
