package io.github.wisesrnet.layers;

import io.github.wisesrnet.TestNets;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.constraint.NonNegativeConstraint;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.config.Sgd;

import java.io.File;
import java.io.IOException;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The non-negative constraint during training, and JSON / ModelSerializer round trips. */
class WiseSrLayerTrainingAndSerializationTest {

    private static final InputType INPUT = TestNets.cnn(7, 7, 3, CNN2DFormat.NCHW);
    /** The head's input in {@link #net}: the 1x1 convolution's 8 channels. */
    private static final InputType INPUT_MAP = TestNets.cnn(7, 7, 8, CNN2DFormat.NCHW);

    private static ComputationGraph net(boolean nonNegative, InputType input) {
        return TestNets.convHeadOutput(input, 8, new WiseSrLayer.Builder().nonNegative(nonNegative).build(), 4,
                DataType.FLOAT, new Sgd(0.5), 99);
    }

    private static void train(ComputationGraph net, InputType input, int steps) {
        INDArray x = TestNets.randomInput(input, 16, DataType.FLOAT, 5);
        INDArray y = TestNets.labels(16, 4, DataType.FLOAT);
        for (int i = 0; i < steps; i++) {
            net.fit(new INDArray[]{x}, new INDArray[]{y});
        }
    }

    @Test
    void weightsStayNonNegativeWhenConstrained() {
        ComputationGraph net = net(true, INPUT);
        INDArray w = net.getLayer("head").getParam("W");
        // Keras applies NonNeg after each update, not at initialization: the N(0, 0.01) init has negatives.
        assertTrue(w.minNumber().doubleValue() < 0, "expected negative initial weights");
        train(net, INPUT, 10);
        assertTrue(w.minNumber().doubleValue() >= 0, "W has negative values after training: " + w.minNumber());
        assertTrue(w.maxNumber().doubleValue() > 0, "W collapsed to zero");
    }

    @Test
    void weightsAreNotClippedWhenUnconstrained() {
        ComputationGraph net = net(false, INPUT);
        train(net, INPUT, 10);
        assertTrue(net.getLayer("head").getParam("W").minNumber().doubleValue() < 0,
                "unconstrained W has no negative value after training");
    }

    @ParameterizedTest
    @EnumSource(CNN2DFormat.class)
    void jsonRoundTripGivesIdenticalOutputs(CNN2DFormat format) {
        InputType input = TestNets.cnn(9, 5, 3, format);
        ComputationGraph net = net(true, input);
        train(net, input, 3);
        String json = net.getConfiguration().toJson();
        ComputationGraphConfiguration restored = ComputationGraphConfiguration.fromJson(json);
        assertEquals(net.getConfiguration(), restored);
        assertEquals(json, restored.toJson());

        ComputationGraph copy = new ComputationGraph(restored);
        copy.init(net.params().dup(), false);
        INDArray x = TestNets.randomInput(input, 4, DataType.FLOAT, 8);
        assertEquals(net.outputSingle(x), copy.outputSingle(x));
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 5})
    void modelSerializerRoundTripGivesIdenticalOutputsAndTraining(int stepsBeforeSaving, @TempDir Path dir)
            throws IOException {
        ComputationGraph net = net(true, INPUT);
        train(net, INPUT, stepsBeforeSaving);
        File file = dir.resolve("model.zip").toFile();
        ModelSerializer.writeModel(net, file, true);
        ComputationGraph restored = ModelSerializer.restoreComputationGraph(file, true);

        INDArray x = TestNets.randomInput(INPUT, 4, DataType.FLOAT, 8);
        assertEquals(net.outputSingle(x), restored.outputSingle(x));
        // Updater state and constraints survive too: one more identical step gives identical parameters.
        train(net, INPUT, 1);
        train(restored, INPUT, 1);
        assertEquals(net.params(), restored.params());
        assertTrue(restored.getLayer("head").getParam("W").minNumber().doubleValue() >= 0);
    }
    /**
     * The non-negative constraint is fixed by the builder: no setter could leave it out of step with the constraint
     * list (the constraint lives in DL4J's list, which the optimizer applies).
     */
    @Test
    void nonNegativeHasNoSetter() {
        assertThrows(NoSuchMethodException.class, () -> WiseSrLayer.class.getMethod("setNonNegative", boolean.class));
        WiseSrLayer constrained = new WiseSrLayer.Builder().build();
        assertTrue(constrained.isNonNegative());
        assertTrue(constrained.getConstraints().stream().anyMatch(NonNegativeConstraint.class::isInstance));
        WiseSrLayer free = new WiseSrLayer.Builder().nonNegative(false).build();
        assertFalse(free.isNonNegative());
        assertTrue(free.getConstraints() == null
                || free.getConstraints().stream().noneMatch(NonNegativeConstraint.class::isInstance));
    }

    /** Without a setter, JSON still restores an unconstrained layer as unconstrained; clone and equals agree. */
    @Test
    void unconstrainedLayerSurvivesJsonAndClone() {
        ComputationGraph net = net(false, INPUT);
        ComputationGraphConfiguration restored = ComputationGraphConfiguration.fromJson(
                net.getConfiguration().toJson());
        var vertex = (org.deeplearning4j.nn.conf.graph.LayerVertex) restored.getVertices().get("head");
        WiseSrLayer layer = (WiseSrLayer) vertex.getLayerConf().getLayer();
        assertFalse(layer.isNonNegative());
        assertEquals(net.getConfiguration(), restored);
        WiseSrLayer clone = layer.clone();
        assertEquals(layer, clone);
        assertEquals(layer.hashCode(), clone.hashCode());
        assertFalse(clone.isNonNegative());
        assertNotEquals(layer, new WiseSrLayer.Builder().inputType(INPUT_MAP).nIn(8).build());
    }
}
