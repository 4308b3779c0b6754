package io.github.wisesrnet.layers;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** How a {@link WiseSrLayer}'s spatial weights W start. The bias starts at 0 either way. */
public enum HeadInit {
    /**
     * The paper's (Keras's reference code): W ~ Normal(0, 0.01), clipped at 0 by the non-negative constraint after
     * the first update. The head's output starts near zero, so the dense layer after it learns slowly at first.
     */
    PAPER,
    /**
     * W = 1 / (kH kW): at step 0 the head averages the pooled map, which is exactly GAP when the map's sides are
     * multiples of the pool size (otherwise GAP over the part that 'valid' pooling keeps).
     */
    GAP_EQUIVALENT;

    /** Command-line spelling: "paper", "gap-equivalent". */
    public String cliName() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /** Parses "paper" or "gap-equivalent" (case-insensitive, '-' or '_'). */
    public static HeadInit fromName(String name) {
        String key = name == null ? "" : name.trim().toUpperCase(Locale.ROOT).replace('-', '_');
        for (HeadInit init : values()) {
            if (init.name().equals(key)) {
                return init;
            }
        }
        throw new IllegalArgumentException("Unknown head initialization '" + name + "'. Expected one of: "
                + Arrays.stream(values()).map(HeadInit::cliName).collect(Collectors.joining(", ")));
    }
}
