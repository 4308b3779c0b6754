package io.github.wisesrnet;

import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.inputs.InputType;

/**
 * The name under which models saved before the packages moved (0.1.0-SNAPSHOT up to 2026-12-06) stored their
 * input types: kept so that those models still load. It behaves exactly as
 * {@link io.github.wisesrnet.graph.InputTypeRecord}; use that class in new code.
 *
 * @deprecated for loading models saved before the packages moved only; use
 *             {@link io.github.wisesrnet.graph.InputTypeRecord}
 */
@Deprecated
public final class InputTypeRecord extends io.github.wisesrnet.graph.InputTypeRecord {

    private static final long serialVersionUID = 1L;

    /** For JSON: how saved models create it. */
    public InputTypeRecord() {
    }

    /**
     * @param networkInput name of the network input
     * @param inputType    its type
     * @param wrapped      the layer's own preprocessor (null if none)
     */
    public InputTypeRecord(String networkInput, InputType inputType, InputPreProcessor wrapped) {
        super(networkInput, inputType, wrapped);
    }
}
