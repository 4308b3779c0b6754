package io.github.wisesrnet.cpu;

import org.deeplearning4j.nn.graph.ComputationGraph;

/** The single steps of {@link OneDnnHelpers#tune}, for benchmarks that time each alone. */
public final class TuningSteps {

    private TuningSteps() {
    }

    public static int installBatchNormStatsHelper(ComputationGraph net) {
        return OneDnnHelpers.installBatchNormStatsHelper(net);
    }

    public static int installReluLayers(ComputationGraph net) {
        return OneDnnHelpers.installReluLayers(net);
    }

    public static int removeUnreliable(ComputationGraph net) {
        return OneDnnHelpers.removeUnreliable(net);
    }
}
