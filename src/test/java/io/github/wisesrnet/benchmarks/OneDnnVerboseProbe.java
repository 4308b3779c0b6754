package io.github.wisesrnet.benchmarks;

import io.github.wisesrnet.cpu.OneDnnHelpers;
import io.github.wisesrnet.WiseSrNet;
import io.github.wisesrnet.backbones.Backbone;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Run in its own JVM with {@code DNNL_VERBOSE=1} by {@link ResNet50ProfileBenchmark}: the Wise-SrNet ResNet50 at
 * 224x224, batch 8, two warm-up steps, then one training step and one inference pass between marker lines, so that
 * oneDNN's verbose lines (one per primitive executed, with its time) can be attributed to each.
 */
public final class OneDnnVerboseProbe {

    static final String TRAIN_MARK = "PROBE train ";
    static final String INFERENCE_MARK = "PROBE inference ";
    static final String END_MARK = "PROBE end ";

    private OneDnnVerboseProbe() {
    }

    public static void main(String[] args) {
        OneDnnHelpers.useByDefault();
        ComputationGraph net = WiseSrNet.attach(Backbone.RESNET50.featureExtractor(224, 224, 3), 6);
        OneDnnHelpers.enableForwardCache(net); // the command line's setup: tune (by attach) + forward cache
        Nd4j.getRandom().setSeed(1);
        INDArray x = Nd4j.rand(DataType.FLOAT, 8, 3, 224, 224).muli(255).subi(120);
        INDArray y = Nd4j.zeros(DataType.FLOAT, 8, 6);
        for (int i = 0; i < 8; i++) {
            y.putScalar(i, i % 6, 1.0);
        }
        for (int i = 0; i < 2; i++) {
            net.fit(new INDArray[]{x}, new INDArray[]{y});
            net.outputSingle(false, x);
        }
        long t0 = System.nanoTime();
        System.out.println(TRAIN_MARK + 0);
        System.out.flush();
        net.fit(new INDArray[]{x}, new INDArray[]{y});
        long t1 = System.nanoTime();
        System.out.println(INFERENCE_MARK + (t1 - t0) / 1_000_000.0);
        System.out.flush();
        net.outputSingle(false, x);
        System.out.println(END_MARK + (System.nanoTime() - t1) / 1_000_000.0);
        System.out.flush();
    }
}
