package io.github.wisesrnet.graph;

import org.deeplearning4j.nn.api.MaskState;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Keeps a network input's {@link InputType} inside a {@link ComputationGraphConfiguration}, so that it survives JSON
 * and {@code ModelSerializer} round trips: DL4J 1.0.0-M2.1 forgets input types once a configuration is built, and a
 * graph then cannot tell the size of its feature map (which
 * {@link io.github.wisesrnet.WiseSrNet#attach(org.deeplearning4j.nn.graph.ComputationGraph, int)} needs).
 *
 * <p>It is an {@link InputPreProcessor} on the layer that reads the input directly, and computes nothing: it passes
 * activations, gradients and masks through (or through the preprocessor it wraps, if that layer had one). The
 * library adds it to the graphs it builds ({@code Backbone}, {@code attach}); {@link #addTo} adds it to any
 * configuration.
 *
 * <p>Its class name is stored in saved models. Models saved before the packages moved (0.1.0-SNAPSHOT up to
 * 2026-12-06) name it {@code io.github.wisesrnet.InputTypeRecord}, which remains as a loadable subclass; a loaded
 * record clones into this class, so such a model saved again names this one.
 */
public class InputTypeRecord implements InputPreProcessor {

    private static final long serialVersionUID = 1L;

    private String networkInput;
    private InputType inputType;
    private InputPreProcessor wrapped;

    /** For JSON. */
    public InputTypeRecord() {
    }

    /**
     * A record of one network input's type, on a layer that reads that input.
     *
     * @param networkInput name of the network input
     * @param inputType    its type
     * @param wrapped      the layer's own preprocessor, applied as before (null if none)
     */
    public InputTypeRecord(String networkInput, InputType inputType, InputPreProcessor wrapped) {
        this.networkInput = Objects.requireNonNull(networkInput, "networkInput");
        this.inputType = Objects.requireNonNull(inputType, "inputType");
        this.wrapped = wrapped;
    }

    /**
     * Records {@code inputTypes} (one per network input, in the order of {@code conf.getNetworkInputs()}) on the
     * layers that read each input. Replaces earlier records. Call it before creating the {@code ComputationGraph};
     * on the configuration of an initialized graph it only changes what is saved, which is equivalent since the
     * record computes nothing.
     *
     * @return true if every input could be recorded (each is read by at least one layer)
     */
    public static boolean addTo(ComputationGraphConfiguration conf, InputType... inputTypes) {
        List<String> inputs = conf.getNetworkInputs();
        if (inputTypes == null || inputTypes.length != inputs.size()) {
            throw new IllegalArgumentException("The graph has " + inputs.size() + " input(s) " + inputs + " but "
                    + (inputTypes == null ? 0 : inputTypes.length) + " input type(s) were given.");
        }
        boolean all = true;
        for (int i = 0; i < inputs.size(); i++) {
            boolean recorded = false;
            for (Map.Entry<String, List<String>> e : conf.getVertexInputs().entrySet()) {
                GraphVertex vertex = conf.getVertices().get(e.getKey());
                if (e.getValue().contains(inputs.get(i)) && vertex instanceof LayerVertex layer) {
                    InputPreProcessor current = layer.getPreProcessor();
                    InputPreProcessor inner = current instanceof InputTypeRecord r ? r.getWrapped() : current;
                    layer.setPreProcessor(new InputTypeRecord(inputs.get(i), inputTypes[i], inner));
                    recorded = true;
                }
            }
            all &= recorded;
        }
        return all;
    }

    /**
     * The input types recorded in {@code conf}, one per network input, or null unless every input has one.
     */
    public static InputType[] readFrom(ComputationGraphConfiguration conf) {
        List<String> inputs = conf.getNetworkInputs();
        InputType[] types = new InputType[inputs.size()];
        for (GraphVertex vertex : conf.getVertices().values()) {
            if (vertex instanceof LayerVertex layer && layer.getPreProcessor() instanceof InputTypeRecord r) {
                int index = inputs.indexOf(r.getNetworkInput());
                if (index >= 0) {
                    types[index] = r.getInputType();
                }
            }
        }
        for (InputType type : types) {
            if (type == null) {
                return null;
            }
        }
        return types;
    }

    /** Names of the vertices that carry a record, for tests and diagnostics. */
    static List<String> verticesWithRecords(ComputationGraphConfiguration conf) {
        List<String> names = new ArrayList<>();
        conf.getVertices().forEach((name, vertex) -> {
            if (vertex instanceof LayerVertex layer && layer.getPreProcessor() instanceof InputTypeRecord) {
                names.add(name);
            }
        });
        return names;
    }

    @Override
    public INDArray preProcess(INDArray input, int miniBatchSize, LayerWorkspaceMgr workspaceMgr) {
        return wrapped == null ? input : wrapped.preProcess(input, miniBatchSize, workspaceMgr);
    }

    @Override
    public INDArray backprop(INDArray output, int miniBatchSize, LayerWorkspaceMgr workspaceMgr) {
        return wrapped == null ? output : wrapped.backprop(output, miniBatchSize, workspaceMgr);
    }

    @Override
    public InputType getOutputType(InputType inputType) {
        return wrapped == null ? inputType : wrapped.getOutputType(inputType);
    }

    @Override
    public Pair<INDArray, MaskState> feedForwardMaskArray(INDArray maskArray, MaskState currentMaskState,
            int minibatchSize) {
        return wrapped == null ? new Pair<>(maskArray, currentMaskState)
                : wrapped.feedForwardMaskArray(maskArray, currentMaskState, minibatchSize);
    }

    @Override
    public InputTypeRecord clone() {
        return new InputTypeRecord(networkInput, inputType, wrapped == null ? null : wrapped.clone());
    }

    /** Name of the network input whose type is recorded (a JSON property; null only while being read). */
    public String getNetworkInput() {
        return networkInput;
    }

    /** Sets the network input's name; for JSON deserialization. */
    public void setNetworkInput(String networkInput) {
        this.networkInput = networkInput;
    }

    /** The recorded type of the network input (a JSON property; null only while being read). */
    public InputType getInputType() {
        return inputType;
    }

    /** Sets the recorded input type; for JSON deserialization. */
    public void setInputType(InputType inputType) {
        this.inputType = inputType;
    }

    /** The layer's own preprocessor, applied as before, or null if the layer had none. */
    public InputPreProcessor getWrapped() {
        return wrapped;
    }

    /** Sets the wrapped preprocessor (null for none); for JSON deserialization. */
    public void setWrapped(InputPreProcessor wrapped) {
        this.wrapped = wrapped;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof InputTypeRecord r && Objects.equals(networkInput, r.networkInput)
                && Objects.equals(inputType, r.inputType) && Objects.equals(wrapped, r.wrapped);
    }

    @Override
    public int hashCode() {
        return Objects.hash(networkInput, inputType, wrapped);
    }

    @Override
    public String toString() {
        return "InputTypeRecord(" + networkInput + ": " + inputType + (wrapped == null ? "" : ", " + wrapped) + ")";
    }
}
