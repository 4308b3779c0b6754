package io.github.wisesrnet.deploy;

import onnx.Onnx;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.shade.protobuf.ByteString;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HashSet;
import java.util.Set;

/**
 * An ONNX graph being written: nodes, initializers (the weights), the input and the output, with unique tensor names.
 * Writes ONNX's protobuf messages (the classes {@code onnx.Onnx} that ND4J ships); knows nothing about DL4J layers.
 */
final class OnnxGraph {

    private final Onnx.GraphProto.Builder graph = Onnx.GraphProto.newBuilder();
    private final Set<String> names = new HashSet<>();

    OnnxGraph(String name) {
        graph.setName(name);
    }

    /** A tensor name not used yet: {@code base}, else {@code base_1}, {@code base_2}, ... */
    String unique(String base) {
        String name = base;
        for (int i = 1; !names.add(name); i++) {
            name = base + "_" + i;
        }
        return name;
    }

    /** The graph's input: float, shape {@code dims} with the first (batch) dimension left free. */
    void input(String name, long... dims) {
        names.add(name);
        graph.addInput(valueInfo(name, dims));
    }

    /** The graph's output: float, shape {@code dims} with the first (batch) dimension left free. */
    void output(String name, long... dims) {
        graph.addOutput(valueInfo(name, dims));
    }

    private static Onnx.ValueInfoProto valueInfo(String name, long... dims) {
        Onnx.TensorShapeProto.Builder shape = Onnx.TensorShapeProto.newBuilder();
        shape.addDimBuilder().setDimParam("batch");
        for (int i = 1; i < dims.length; i++) {
            shape.addDimBuilder().setDimValue(dims[i]);
        }
        return Onnx.ValueInfoProto.newBuilder().setName(name)
                .setType(Onnx.TypeProto.newBuilder().setTensorType(Onnx.TypeProto.Tensor.newBuilder()
                        .setElemType(Onnx.TensorProto.DataType.FLOAT_VALUE).setShape(shape)))
                .build();
    }

    /** A float weight tensor with the array's shape and values (any data type is written as float). */
    String weights(String name, INDArray values) {
        float[] data = values.castTo(DataType.FLOAT).dup('c').data().asFloat();
        ByteBuffer bytes = ByteBuffer.allocate(4 * data.length).order(ByteOrder.LITTLE_ENDIAN);
        bytes.asFloatBuffer().put(data);
        return initializer(name, Onnx.TensorProto.DataType.FLOAT_VALUE, bytes, values.shape());
    }

    /** A 1-D int64 constant (shapes, pads, axes). */
    String int64s(String name, long... values) {
        ByteBuffer bytes = ByteBuffer.allocate(8 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        bytes.asLongBuffer().put(values);
        return initializer(name, Onnx.TensorProto.DataType.INT64_VALUE, bytes, values.length);
    }

    private String initializer(String base, int dataType, ByteBuffer bytes, long... shape) {
        String name = unique(base);
        Onnx.TensorProto.Builder tensor = Onnx.TensorProto.newBuilder().setName(name).setDataType(dataType)
                .setRawData(ByteString.copyFrom(bytes.array()));
        for (long d : shape) {
            tensor.addDims(d);
        }
        graph.addInitializer(tensor);
        return name;
    }

    /** Adds a node {@code op(inputs) -> output}, output named after {@code name}; returns the output's name. */
    String node(String op, String name, Attribute[] attributes, String... inputs) {
        String output = unique(name);
        Onnx.NodeProto.Builder node = Onnx.NodeProto.newBuilder().setOpType(op).setName(output).addOutput(output);
        for (String input : inputs) {
            node.addInput(input);
        }
        for (Attribute attribute : attributes) {
            node.addAttribute(attribute.proto);
        }
        graph.addNode(node);
        return output;
    }

    /** A node without attributes. */
    String node(String op, String name, String... inputs) {
        return node(op, name, new Attribute[0], inputs);
    }

    Onnx.GraphProto build() {
        return graph.build();
    }

    /** A node attribute. */
    static final class Attribute {
        private final Onnx.AttributeProto proto;

        private Attribute(Onnx.AttributeProto proto) {
            this.proto = proto;
        }

        static Attribute of(String name, long value) {
            return new Attribute(Onnx.AttributeProto.newBuilder().setName(name)
                    .setType(Onnx.AttributeProto.AttributeType.INT).setI(value).build());
        }

        static Attribute of(String name, float value) {
            return new Attribute(Onnx.AttributeProto.newBuilder().setName(name)
                    .setType(Onnx.AttributeProto.AttributeType.FLOAT).setF(value).build());
        }

        static Attribute ints(String name, long... values) {
            Onnx.AttributeProto.Builder b = Onnx.AttributeProto.newBuilder().setName(name)
                    .setType(Onnx.AttributeProto.AttributeType.INTS);
            for (long v : values) {
                b.addInts(v);
            }
            return new Attribute(b.build());
        }

        static Attribute[] list(Attribute... attributes) {
            return attributes;
        }
    }
}
