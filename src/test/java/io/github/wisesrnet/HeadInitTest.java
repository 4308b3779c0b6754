package io.github.wisesrnet;

import io.github.wisesrnet.graph.FeatureMap;
import io.github.wisesrnet.layers.HeadInit;
import io.github.wisesrnet.layers.KernelAverageInit;
import io.github.wisesrnet.layers.WiseSrLayer;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link HeadInit#GAP_EQUIVALENT}: the Wise-SrNet head computes GAP before training. */
class HeadInitTest {

    @ParameterizedTest
    @EnumSource(CNN2DFormat.class)
    void gapEquivalentHeadOutputsGapBeforeTrainingOnAMapThatIsAMultipleOfP(CNN2DFormat format) {
        // 12x12 map, p = 3 (the paper's rule above 10x10): 4x4 windows cover it exactly.
        InputType input = TestNets.cnn(12, 12, 3, format);
        ComputationGraph features = TestNets.convHeadOutput(input, 5, new org.deeplearning4j.nn.conf.layers
                .ActivationLayer.Builder().activation(org.nd4j.linalg.activations.Activation.IDENTITY).build(), 3,
                DataType.FLOAT, null, 1);
        ComputationGraph gap = WiseSrNet.attach(features, 3, Head.GAP, input);
        ComputationGraph wise = WiseSrNet.attach(features, 3, AttachOptions.builder().inputTypes(input)
                .headInit(HeadInit.GAP_EQUIVALENT).build());
        INDArray x = TestNets.randomInput(input, 4, DataType.FLOAT, 2);
        INDArray pooled = gap.feedForward(x, false).get(WiseSrNet.GLOBAL_POOL_VERTEX);
        INDArray weighted = wise.feedForward(x, false).get(WiseSrNet.SPATIAL_WEIGHTS_VERTEX);
        assertTrue(pooled.equalsWithEps(weighted, 1e-6), pooled + "\nvs\n" + weighted);

        INDArray w = wise.getLayer(WiseSrNet.SPATIAL_WEIGHTS_VERTEX).getParam("W");
        assertEquals(1.0 / 16, w.minNumber().doubleValue(), 1e-9);
        assertEquals(1.0 / 16, w.maxNumber().doubleValue(), 1e-9);
        assertEquals(0.0, wise.getLayer(WiseSrNet.SPATIAL_WEIGHTS_VERTEX).getParam("b").amaxNumber().doubleValue());
    }

    @Test
    void withARemainderItIsGapOverTheRowsAndColumnsPoolingKeeps() {
        InputType input = TestNets.cnn(7, 7, 3, CNN2DFormat.NCHW); // p = 2: rows and column 6 are dropped
        ComputationGraph features = TestNets.convHeadOutput(input, 4, new org.deeplearning4j.nn.conf.layers
                .ActivationLayer.Builder().activation(org.nd4j.linalg.activations.Activation.IDENTITY).build(), 3,
                DataType.FLOAT, null, 1);
        ComputationGraph wise = WiseSrNet.attach(features, 3, AttachOptions.builder().inputTypes(input)
                .headInit(HeadInit.GAP_EQUIVALENT).build());
        INDArray x = TestNets.randomInput(input, 2, DataType.FLOAT, 3);
        var activations = wise.feedForward(x, false);
        INDArray map = activations.get("head");
        INDArray kept = map.get(NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.interval(0, 6),
                NDArrayIndex.interval(0, 6)).mean(2, 3);
        assertTrue(kept.equalsWithEps(activations.get(WiseSrNet.SPATIAL_WEIGHTS_VERTEX), 1e-6));
    }

    @Test
    void theInitializationTravelsThroughSavingAndTheDefaultIsThePapers(@TempDir Path dir) throws Exception {
        WiseSrLayer paper = new WiseSrLayer.Builder().build();
        assertInstanceOf(org.deeplearning4j.nn.weights.WeightInitDistribution.class, paper.getWeightInitFn());
        WiseSrLayer average = new WiseSrLayer.Builder().headInit(HeadInit.GAP_EQUIVALENT).build();
        assertInstanceOf(KernelAverageInit.class, average.getWeightInitFn());

        InputType input = TestNets.cnn(6, 6, 3, CNN2DFormat.NCHW);
        ComputationGraph features = TestNets.convHeadOutput(input, 4, new org.deeplearning4j.nn.conf.layers
                .ActivationLayer.Builder().activation(org.nd4j.linalg.activations.Activation.IDENTITY).build(), 3,
                DataType.FLOAT, null, 1);
        ComputationGraph wise = WiseSrNet.attach(features, 3, AttachOptions.builder().inputTypes(input)
                .headInit(HeadInit.GAP_EQUIVALENT).build());
        ComputationGraphConfiguration fromJson = ComputationGraphConfiguration.fromJson(
                wise.getConfiguration().toJson());
        WiseSrLayer layer = (WiseSrLayer) FeatureMap.layerOf(fromJson.getVertices().get(
                WiseSrNet.SPATIAL_WEIGHTS_VERTEX));
        assertInstanceOf(KernelAverageInit.class, layer.getWeightInitFn());
        Path file = dir.resolve("net.zip");
        ModelSerializer.writeModel(wise, file.toFile(), true);
        ComputationGraph loaded = ModelSerializer.restoreComputationGraph(file.toFile(), true);
        assertEquals(wise.getConfiguration().toJson(), loaded.getConfiguration().toJson());

        assertEquals(HeadInit.GAP_EQUIVALENT, HeadInit.fromName("gap-equivalent"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> HeadInit.fromName("xavier"));
        assertTrue(e.getMessage().contains("paper, gap-equivalent"), e.getMessage());
    }
}
