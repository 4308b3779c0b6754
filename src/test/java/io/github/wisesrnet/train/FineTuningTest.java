package io.github.wisesrnet.train;

import io.github.wisesrnet.AttachOptions;
import io.github.wisesrnet.Head;
import io.github.wisesrnet.WiseSrNet;
import io.github.wisesrnet.backbones.Backbone;
import io.github.wisesrnet.data.SpatialPatternData;
import io.github.wisesrnet.data.SpatialPatternDataSet;
import io.github.wisesrnet.graph.FeatureMap;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.layers.FrozenLayer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Frozen epochs and the backbone's learning rate: in the frozen epochs every backbone parameter and batch-norm
 * statistic stays bit for bit while the head learns; afterwards every layer trains, the backbone at its factor.
 */
class FineTuningTest {

    private static final int SIZE = 32;

    private static SpatialPatternData data(CNN2DFormat format, int train) {
        return new SpatialPatternData(new SpatialPatternDataSet(SIZE, 3, 2, 4, false), train, 8, 5, format);
    }

    private static TrainingConfig config(int epochs, FineTuning fineTuning) {
        return new TrainingConfig(epochs, 4, Optimizer.SGD, 0.05, 0.9, 1.0, 1, 3, null, null, null, null, fineTuning);
    }

    private static ComputationGraph network(Backbone backbone, CNN2DFormat format, TrainingConfig config) {
        InputType input = InputType.convolutional(SIZE, SIZE, 3, format);
        ComputationGraph features = backbone.featureExtractor((InputType.InputTypeConvolutional) input, 7);
        ComputationGraph net = WiseSrNet.attach(features, 4, AttachOptions.builder().head(Head.WISE_SRNET)
                .inputTypes(input).build());
        return config.applyTo(net);
    }

    private static RunRecord record(SpatialPatternData data, TrainingConfig config, ComputationGraph net) {
        return new RunRecord("test", Head.WISE_SRNET, "test", SIZE, SIZE, 3, "NCHW", "generated", null,
                data.classNames(), config, net.numParams(), List.of(), List.of(), "test", "2026-01-01T00:00:00Z");
    }

    /** Every parameter (batch-norm running mean and variance included) of the given vertices, copied. */
    private static Map<String, float[]> parameters(ComputationGraph net, Set<String> vertices) {
        Map<String, float[]> out = new LinkedHashMap<>();
        for (String vertex : vertices) {
            org.deeplearning4j.nn.api.Layer layer = net.getLayer(vertex);
            if (layer != null && layer.numParams() > 0) {
                layer.paramTable().forEach((key, value) -> out.put(vertex + "/" + key,
                        value.dup().ravel().toFloatVector()));
            }
        }
        return out;
    }

    private static Set<String> backbone(ComputationGraph net) {
        return FeatureMap.locate(net, null, null).backbone();
    }

    private static Set<String> head(ComputationGraph net) {
        Set<String> all = new java.util.HashSet<>(net.getConfiguration().getVertices().keySet());
        all.removeAll(backbone(net));
        return all;
    }

    @ParameterizedTest
    @EnumSource(value = CNN2DFormat.class)
    void frozenEpochsKeepTheBackboneBitForBitThenEveryLayerTrains(CNN2DFormat format) {
        SpatialPatternData data = data(format, 32);
        TrainingConfig config = config(2, new FineTuning(null, 1, 1.0));
        ComputationGraph net = network(Backbone.SMALL_CNN, format, config);
        assertTrue(Arrays.stream(net.getLayers()).anyMatch(l -> l instanceof FrozenLayer), "epoch 1 is frozen");
        Set<String> backbone = backbone(net);
        Map<String, float[]> backboneBefore = parameters(net, backbone);
        Map<String, float[]> headBefore = parameters(net, head(net));
        assertTrue(backboneBefore.keySet().stream().anyMatch(k -> k.endsWith("/mean")), "statistics are compared");

        Trainer.Trained first = new Trainer(config.withEpochs(1), null).train(net, data, record(data, config, net),
                null);
        assertSame(net, first.net(), "no phase began");
        assertSameValues(backboneBefore, parameters(first.net(), backbone), true);
        assertSameValues(headBefore, parameters(first.net(), head(net)), false);

        Trainer.Trained second = new Trainer(config, null).train(first.net(), data, first.record(), null);
        assertNotSame(first.net(), second.net(), "unfreezing builds the network anew");
        assertFalse(Arrays.stream(second.net().getLayers()).anyMatch(l -> l instanceof FrozenLayer));
        assertEquals(2, second.net().getEpochCount());
        assertEquals(2, second.record().epochs().size());
        assertSameValues(backboneBefore, parameters(second.net(), backbone), false);
    }

    @Test
    void frozenEpochsAtOrAboveTheRunsEpochsKeepTheBackboneFrozenThroughout() {
        SpatialPatternData data = data(CNN2DFormat.NCHW, 16);
        TrainingConfig config = config(2, new FineTuning(null, 2, 1.0));
        ComputationGraph net = network(Backbone.SMALL_CNN, CNN2DFormat.NCHW, config);
        Map<String, float[]> before = parameters(net, backbone(net));
        Trainer.Trained trained = new Trainer(config, null).train(net, data, record(data, config, net), null);
        assertSame(net, trained.net());
        assertSameValues(before, parameters(trained.net(), backbone(net)), true);
    }

    /** DenseNet concatenates along the channel axis, which is the last one in NHWC: the axis must survive freezing. */
    @Test
    void denseNetInNhwcFreezesAndUnfreezesThroughItsConcatenations() {
        SpatialPatternData data = data(CNN2DFormat.NHWC, 8);
        TrainingConfig config = config(2, new FineTuning(null, 1, 1.0));
        ComputationGraph net = network(Backbone.DENSENET121, CNN2DFormat.NHWC, config);
        Map<String, float[]> before = parameters(net, backbone(net));
        Trainer.Trained first = new Trainer(config.withEpochs(1), null).train(net, data, record(data, config, net),
                null);
        assertSameValues(before, parameters(first.net(), backbone(net)), true);
        Trainer.Trained second = new Trainer(config, null).train(first.net(), data, first.record(), null);
        assertNotSame(first.net(), second.net());
        assertSameValues(before, parameters(second.net(), backbone(net)), false);
        assertTrue(Double.isFinite(second.record().epochs().get(1).trainLoss()));
    }

    /** The API's other way to freeze: {@code AttachOptions.freezeBackbone}, on the same NHWC concatenations. */
    @Test
    void attachingWithAFrozenBackboneKeepsTheNhwcConcatenations() {
        SpatialPatternData data = data(CNN2DFormat.NHWC, 8);
        InputType input = InputType.convolutional(SIZE, SIZE, 3, CNN2DFormat.NHWC);
        ComputationGraph net = WiseSrNet.attach(
                Backbone.DENSENET121.featureExtractor((InputType.InputTypeConvolutional) input, 7), 4,
                AttachOptions.builder().inputTypes(input).freezeBackbone(true).build());
        Map<String, float[]> before = parameters(net, backbone(net));
        // a recipe without frozen epochs (here only a backbone factor) leaves the attached freezing as it is
        TrainingConfig config = config(1, new FineTuning(null, 0, 0.5));
        ComputationGraph trainable = config.applyTo(net);
        assertTrue(Arrays.stream(trainable.getLayers()).anyMatch(l -> l instanceof FrozenLayer));
        Trainer.Trained trained = new Trainer(config, null).train(trainable, data, record(data, config, net), null);
        assertSameValues(before, parameters(trained.net(), backbone(net)), true);
    }

    @Test
    void aRunResumedInItsFrozenEpochsStaysFrozenUntilTheyEnd(@TempDir Path dir) throws Exception {
        SpatialPatternData data = data(CNN2DFormat.NCHW, 16);
        TrainingConfig config = config(3, new FineTuning(null, 2, 1.0));
        ComputationGraph net = network(Backbone.SMALL_CNN, CNN2DFormat.NCHW, config);
        Map<String, float[]> before = parameters(net, backbone(net));
        Checkpoints checkpoints = new Checkpoints(dir);
        new Trainer(config.withEpochs(1), null).train(net, data, record(data, config, net), checkpoints);

        ComputationGraph loaded = Checkpoints.load(checkpoints.last());
        RunRecord saved = RunRecord.read(checkpoints.record());
        Trainer.Trained second = new Trainer(config.withEpochs(2), null).train(loaded, data, saved, checkpoints);
        assertSame(loaded, second.net(), "epoch 2 is still frozen: the loaded network goes on");
        assertSameValues(before, parameters(second.net(), backbone(net)), true);
        Trainer.Trained third = new Trainer(config, null).train(second.net(), data, second.record(), checkpoints);
        assertNotSame(second.net(), third.net());
        assertSameValues(before, parameters(third.net(), backbone(net)), false);
    }

    /** Keras's recompile gives a new optimizer whose step count starts at 0; Adam's bias correction depends on it. */
    @Test
    void unfreezingStartsTheOptimizerAfreshStepCountIncluded() {
        SpatialPatternData data = data(CNN2DFormat.NCHW, 16);
        TrainingConfig config = new TrainingConfig(2, 4, Optimizer.ADAM, 1e-3, 0.9, 1.0, 1, 3, null, null, null, null,
                new FineTuning(null, 1, 1.0));
        ComputationGraph net = network(Backbone.SMALL_CNN, CNN2DFormat.NCHW, config);
        Trainer.Trained first = new Trainer(config.withEpochs(1), null).train(net, data, record(data, config, net),
                null);
        assertEquals(4, first.net().getIterationCount());
        ComputationGraph unfrozen = config.phaseFor(first.net(), 2);
        assertEquals(0, unfrozen.getIterationCount());
        assertEquals(1, unfrozen.getEpochCount(), "the schedule counts epochs from the run's start");
        assertEquals(0.0, unfrozen.getUpdater().getStateViewArray().sumNumber().doubleValue(), 0.0);
    }

    @Test
    void runRecordsWrittenBeforeFineTuningReadAsNone(@TempDir Path dir) throws Exception {
        SpatialPatternData data = data(CNN2DFormat.NCHW, 16);
        TrainingConfig config = config(1, null);
        ComputationGraph net = network(Backbone.TINY, CNN2DFormat.NCHW, config);
        Path file = dir.resolve("run.json");
        record(data, config, net).write(file);
        String json = Files.readString(file);
        String old = json.replaceAll(",\\s*\"fineTuning\"\\s*:\\s*null", "");
        assertFalse(old.contains("fineTuning"), old);
        Files.writeString(file, old);
        assertEquals(config, RunRecord.read(file).config());
    }

    @Test
    void theBackboneLearnsAtItsFactorOfTheHeadsRateWithTheSameSchedule() {
        TrainingConfig config = new TrainingConfig(4, 4, Optimizer.SGD, 0.05, 0.9, 0.5, 1, 3, null, null, null, null,
                new FineTuning(null, 0, 0.1));
        ComputationGraph net = network(Backbone.SMALL_CNN, CNN2DFormat.NCHW, config);
        Set<String> backbone = backbone(net);
        int checked = 0;
        for (var e : net.getConfiguration().getVertices().entrySet()) {
            if (e.getValue() instanceof LayerVertex lv && FeatureMap.layerOf(lv) instanceof BaseLayer layer
                    && net.getLayer(e.getKey()).numParams() > 0) {
                double factor = backbone.contains(e.getKey()) ? 0.1 : 1.0;
                for (int epoch = 0; epoch < 3; epoch++) {
                    assertEquals(0.05 * factor * Math.pow(0.5, epoch),
                            layer.getIUpdater().getLearningRate(0, epoch), 1e-12, e.getKey() + " epoch " + epoch);
                }
                checked++;
            }
        }
        assertTrue(checked >= 10, "conv, batch-norm, head and output layers checked: " + checked);
    }

    @Test
    void fineTuningSettingsAreChecked() {
        assertThrows(IllegalArgumentException.class, () -> new FineTuning(null, -1, 1.0));
        assertThrows(IllegalArgumentException.class, () -> new FineTuning(null, 0, 0.0));
        assertThrows(IllegalArgumentException.class, () -> new FineTuning(null, 0, Double.NaN));
        IllegalArgumentException both = assertThrows(IllegalArgumentException.class, () -> new TrainingConfig(1, 4,
                Optimizer.SGD, 0.05, 0.9, 1.0, 1, 3, null, "w.h5", null, null, FineTuning.from("best.zip")));
        assertTrue(both.getMessage().contains("--weights") && both.getMessage().contains("--init-from"));
        TrainingConfig a = config(3, new FineTuning(null, 1, 0.1));
        assertEquals(List.of("frozen epochs: 1, not 0", "backbone learning-rate factor: 0.1, not 1.0"),
                a.differencesFrom(config(3, null)));
    }

    private static void assertSameValues(Map<String, float[]> expected, Map<String, float[]> actual, boolean same) {
        assertEquals(expected.keySet(), actual.keySet());
        if (same) {
            expected.forEach((k, v) -> assertArrayEquals(v, actual.get(k), 0f, k + " must not change"));
        } else {
            long changed = expected.keySet().stream().filter(k -> !Arrays.equals(expected.get(k), actual.get(k)))
                    .count();
            // every trainable tensor moves; a batch-norm statistic of a layer without inputs variance could not
            assertTrue(changed >= expected.size() * 3 / 4, changed + " of " + expected.size() + " changed");
        }
    }
}
