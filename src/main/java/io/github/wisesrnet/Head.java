package io.github.wisesrnet;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The classification heads the Wise-SrNet paper compares. Every head is attached by the same code
 * ({@link WiseSrNet#attach(org.deeplearning4j.nn.graph.ComputationGraph, int, Head)}), so two networks built from
 * one backbone differ only in the head.
 */
public enum Head {
    /** Global average pooling then dense softmax: the usual baseline. */
    GAP(Pooling.GLOBAL_AVERAGE, 1, false, 0.0),
    /** Global average pooling, dropout 0.5, dense softmax. */
    GAP_DROPOUT(Pooling.GLOBAL_AVERAGE, 1, false, 0.5),
    /** Depthwise kernel over the whole map (no pre-pooling), unconstrained. */
    DEPTHWISE(Pooling.SPATIAL_WEIGHTS, 1, false, 0.0),
    /** Depthwise kernel over the whole map (no pre-pooling), non-negative. */
    DEPTHWISE_NONNEG(Pooling.SPATIAL_WEIGHTS, 1, true, 0.0),
    /** The paper's method: average pre-pooling (p by the paper's rule), non-negative whole-map depthwise kernel. */
    WISE_SRNET(Pooling.SPATIAL_WEIGHTS, 0, true, 0.0),
    /** Wise-SrNet with dropout 0.5 before the dense layer. */
    WISE_SRNET_DROPOUT(Pooling.SPATIAL_WEIGHTS, 0, true, 0.5),
    /** Average pooling (p by the paper's rule), flatten, dense: keeps position at H'*W' times the dense weights. */
    FLATTEN_FC(Pooling.AVERAGE_FLATTEN, 0, false, 0.0);

    /**
     * How a head reduces the feature map before the dense layer: {@code GLOBAL_AVERAGE}, global average pooling (one
     * value per channel); {@code SPATIAL_WEIGHTS}, average pre-pooling then a learned weight per channel and position,
     * summed (one value per channel); {@code AVERAGE_FLATTEN}, average pooling then flatten (one value per channel and
     * pooled position).
     */
    public enum Pooling {
        GLOBAL_AVERAGE, SPATIAL_WEIGHTS, AVERAGE_FLATTEN
    }

    private final Pooling pooling;
    private final int defaultPoolSize;
    private final boolean nonNegative;
    private final double dropout;

    Head(Pooling pooling, int defaultPoolSize, boolean nonNegative, double dropout) {
        this.pooling = pooling;
        this.defaultPoolSize = defaultPoolSize;
        this.nonNegative = nonNegative;
        this.dropout = dropout;
    }

    /** How this head reduces the feature map before the dense layer. */
    public Pooling pooling() {
        return pooling;
    }

    /** Pre-pooling window; 0 = the paper's rule (2 for maps up to 10x10, 3 above). Unused by the GAP heads. */
    public int defaultPoolSize() {
        return defaultPoolSize;
    }

    /** Whether the spatial weights are kept non-negative. */
    public boolean nonNegative() {
        return nonNegative;
    }

    /** Probability of dropping a value before the dense layer (Keras's convention); 0 = no dropout. */
    public double dropout() {
        return dropout;
    }

    /** Command-line spelling, also used in file and folder names: "wise-srnet", "gap-dropout". */
    public String cliName() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /** Parses a head name as typed on a command line: case-insensitive, '-' or '_' ("wise-srnet", "GAP"). */
    public static Head fromName(String name) {
        String key = name.trim().toUpperCase(Locale.ROOT).replace('-', '_');
        for (Head head : values()) {
            if (head.name().equals(key)) {
                return head;
            }
        }
        throw new IllegalArgumentException("Unknown head '" + name + "'. Expected one of: "
                + Arrays.stream(values()).map(Head::cliName)
                        .collect(Collectors.joining(", ")));
    }
}
