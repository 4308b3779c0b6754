package io.github.wisesrnet.layers;

/** Which path a layer takes, for benchmarks outside the package that report it. */
public final class LayerPaths {

    private LayerPaths() {
    }

    /** Whether the layer pools with ND4J's pooling op rather than the pooling matrix. */
    public static boolean poolsWithOp(WiseSrLayerImpl layer) {
        return layer.poolsWithOp();
    }
}
