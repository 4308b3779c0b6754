package io.github.wisesrnet;

import io.github.wisesrnet.layers.HeadInit;
import org.deeplearning4j.nn.conf.inputs.InputType;

import java.util.Arrays;
import java.util.Objects;

/**
 * Options for {@link WiseSrNet#attach(org.deeplearning4j.nn.graph.ComputationGraph, int, AttachOptions)}. Unset
 * values fall back to the chosen {@link Head}'s defaults (the paper's settings).
 *
 * <pre>{@code
 * AttachOptions options = AttachOptions.builder()
 *         .head(Head.WISE_SRNET)
 *         .inputTypes(InputType.convolutional(224, 224, 3))
 *         .freezeBackbone(true)
 *         .build();
 * }</pre>
 */
public final class AttachOptions {

    private final Head head;
    private final InputType[] inputTypes;
    private final Integer poolSize;
    private final Boolean nonNegative;
    private final boolean bias;
    private final Double dropout;
    private final boolean freezeBackbone;
    private final String featureMapVertex;
    private final HeadInit headInit;

    private AttachOptions(Builder b) {
        this.head = b.head;
        this.inputTypes = b.inputTypes == null ? null : b.inputTypes.clone();
        this.poolSize = b.poolSize;
        this.nonNegative = b.nonNegative;
        this.bias = b.bias;
        this.dropout = b.dropout;
        this.freezeBackbone = b.freezeBackbone;
        this.featureMapVertex = b.featureMapVertex;
        this.headInit = b.headInit;
    }

    /**
     * A builder starting from the defaults: {@link Head#WISE_SRNET}, bias on, backbone trainable,
     * {@link HeadInit#PAPER}.
     */
    public static Builder builder() {
        return new Builder();
    }

    /** The defaults: the {@link Head#WISE_SRNET} head with the paper's settings. */
    public static AttachOptions defaults() {
        return builder().build();
    }

    /** A builder holding these options, to change some of them. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.head = head;
        b.inputTypes = inputTypes;
        b.poolSize = poolSize;
        b.nonNegative = nonNegative;
        b.bias = bias;
        b.dropout = dropout;
        b.freezeBackbone = freezeBackbone;
        b.featureMapVertex = featureMapVertex;
        b.headInit = headInit;
        return b;
    }

    /** The head to attach; default {@link Head#WISE_SRNET}. */
    public Head head() {
        return head;
    }

    /** The network input types, or null to take them from the graph where it can tell. */
    public InputType[] inputTypes() {
        return inputTypes == null ? null : inputTypes.clone();
    }

    /** Pre-pooling window: the explicit value, else the head's default (0 = the paper's rule). */
    public int poolSize() {
        return poolSize != null ? poolSize : head.defaultPoolSize();
    }

    /**
     * Whether the spatial weights are kept non-negative: the explicit value, else the head's. Unused by the GAP and
     * flatten heads.
     */
    public boolean nonNegative() {
        return nonNegative != null ? nonNegative : head.nonNegative();
    }

    /**
     * Whether the spatial-weighting layer has a per-channel bias; default true. Unused by the GAP and flatten heads.
     */
    public boolean bias() {
        return bias;
    }

    /** Dropout (probability of dropping) before the dense layer: the explicit value, else the head's. */
    public double dropout() {
        return dropout != null ? dropout : head.dropout();
    }

    /** Whether every backbone layer is frozen, so that only the head trains; default false. */
    public boolean freezeBackbone() {
        return freezeBackbone;
    }

    /** The vertex whose output is the feature map, or null to find it from the graph's structure. */
    public String featureMapVertex() {
        return featureMapVertex;
    }

    /** How the spatial weights of the Wise-SrNet and depthwise heads start; unused by the other heads. */
    public HeadInit headInit() {
        return headInit;
    }

    @Override
    public String toString() {
        return "AttachOptions{head=" + head + ", inputTypes=" + Arrays.toString(inputTypes) + ", poolSize="
                + poolSize() + ", nonNegative=" + nonNegative() + ", bias=" + bias + ", dropout=" + dropout()
                + ", freezeBackbone=" + freezeBackbone + ", featureMapVertex=" + featureMapVertex + ", headInit="
                + headInit + "}";
    }

    /**
     * Builds {@link AttachOptions}; get one from {@link AttachOptions#builder()} or {@link AttachOptions#toBuilder()}.
     * Values not set fall back to the head's defaults.
     */
    public static final class Builder {
        private Head head = Head.WISE_SRNET;
        private InputType[] inputTypes;
        private Integer poolSize;
        private Boolean nonNegative;
        private boolean bias = true;
        private Double dropout;
        private boolean freezeBackbone;
        private String featureMapVertex;
        private HeadInit headInit = HeadInit.PAPER;

        private Builder() {
        }

        /**
         * The head to attach (not null); default {@link Head#WISE_SRNET}. Its settings are the defaults of the other
         * options.
         */
        public Builder head(Head head) {
            this.head = Objects.requireNonNull(head, "head");
            return this;
        }

        /**
         * The type of each network input, e.g. {@code InputType.convolutional(224, 224, 3)}. DL4J does not store
         * input types in a ComputationGraph, so this is needed unless the graph already has a Wise-SrNet head.
         */
        public Builder inputTypes(InputType... inputTypes) {
            if (inputTypes == null || inputTypes.length == 0) {
                throw new IllegalArgumentException("inputTypes: give one InputType per network input");
            }
            this.inputTypes = inputTypes.clone();
            return this;
        }

        /** Pre-pooling window for the spatial-weighting and flatten heads; 1 = none, 0 = the paper's rule. */
        public Builder poolSize(int poolSize) {
            if (poolSize < 0) {
                throw new IllegalArgumentException("poolSize must be >= 0 (0 = the paper's rule), got " + poolSize);
            }
            this.poolSize = poolSize;
            return this;
        }

        /** Keep the spatial weights non-negative (clipped after each update); default the head's setting. */
        public Builder nonNegative(boolean nonNegative) {
            this.nonNegative = nonNegative;
            return this;
        }

        /** Give the spatial-weighting layer a per-channel bias; default true, as in the paper. */
        public Builder bias(boolean bias) {
            this.bias = bias;
            return this;
        }

        /** Probability of dropping each pooled value before the dense layer (Keras's convention), in [0, 1). */
        public Builder dropout(double dropProbability) {
            if (dropProbability < 0 || dropProbability >= 1) {
                throw new IllegalArgumentException("dropout must be in [0, 1), got " + dropProbability);
            }
            this.dropout = dropProbability;
            return this;
        }

        /** Freeze every backbone layer (train the head only). */
        public Builder freezeBackbone(boolean freezeBackbone) {
            this.freezeBackbone = freezeBackbone;
            return this;
        }

        /** Name the vertex whose output is the feature map, when the graph's structure is ambiguous. */
        public Builder featureMapVertex(String vertexName) {
            this.featureMapVertex = vertexName;
            return this;
        }

        /**
         * How the spatial weights start (heads with spatial weights only): {@link HeadInit#PAPER} (default) or
         * {@link HeadInit#GAP_EQUIVALENT}.
         */
        public Builder headInit(HeadInit headInit) {
            this.headInit = Objects.requireNonNull(headInit, "headInit");
            return this;
        }

        /** The options; later changes to the builder do not affect them. */
        public AttachOptions build() {
            return new AttachOptions(this);
        }
    }
}
