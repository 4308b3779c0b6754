package io.github.wisesrnet.backbones;

import io.github.wisesrnet.Head;
import io.github.wisesrnet.WiseSrNet;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A trained network's backbone taken into a feature extractor of another size, layout and head. */
class TrainedBackboneTest {

    private static InputType.InputTypeConvolutional input(int size, CNN2DFormat format) {
        return (InputType.InputTypeConvolutional) InputType.convolutional(size, size, 3, format);
    }

    /** A small-cnn with a GAP head whose parameters and statistics are not the initial ones. */
    private static ComputationGraph trainedSmallCnn() {
        ComputationGraph net = WiseSrNet.attach(Backbone.SMALL_CNN.featureExtractor(input(32, CNN2DFormat.NCHW), 1),
                5, Head.GAP);
        INDArray params = net.params();
        params.assign(Nd4j.rand(net.params().dataType(), params.shape()).addi(0.5)); // variances stay positive
        return net;
    }

    @Test
    void everyBackboneParameterCarriesToAnotherSizeAndLayoutAndTheOldHeadIsLeftBehind() {
        ComputationGraph trained = trainedSmallCnn();
        ComputationGraph larger = Backbone.SMALL_CNN.featureExtractor(input(64, CNN2DFormat.NHWC), 2);
        TrainedBackbone.Report report = TrainedBackbone.of(trained).copyInto(larger);

        assertEquals(8, report.layers(), report.toString()); // four convolutions, four batch normalizations
        assertEquals(larger.numParams(), report.parameters());
        assertEquals(List.of("predictions"), report.leftBehind());
        for (String layer : new String[]{"block1_conv", "block4_conv", "block4_bn"}) {
            trained.getLayer(layer).paramTable().forEach((key, value) -> assertArrayEquals(
                    value.dup().ravel().toFloatVector(),
                    larger.getLayer(layer).getParam(key).dup().ravel().toFloatVector(), 0f, layer + "/" + key));
        }
        // DL4J keeps one weight layout for NCHW and NHWC: the NHWC copy computes the same map on the same images
        ComputationGraph sameSize = Backbone.SMALL_CNN.featureExtractor(input(32, CNN2DFormat.NHWC), 3);
        TrainedBackbone.of(trained).copyInto(sameSize);
        ComputationGraph nchwFeatures = Backbone.SMALL_CNN.featureExtractor(input(32, CNN2DFormat.NCHW), 3);
        TrainedBackbone.of(trained).copyInto(nchwFeatures);
        INDArray images = Nd4j.rand(org.nd4j.linalg.api.buffer.DataType.FLOAT, 2, 3, 32, 32);
        INDArray nchw = nchwFeatures.outputSingle(false, images);
        INDArray nhwc = sameSize.outputSingle(false, images.permute(0, 2, 3, 1).dup());
        assertTrue(nchw.permute(0, 2, 3, 1).equalsWithEps(nhwc, 1e-4), "same map in both layouts");
    }

    @Test
    void aNetworkOfAnotherBackboneIsRefusedAndNothingIsCopied() {
        ComputationGraph target = Backbone.SMALL_CNN.featureExtractor(input(32, CNN2DFormat.NCHW), 2);
        INDArray before = target.params().dup();
        ComputationGraph tiny = WiseSrNet.attach(Backbone.TINY.featureExtractor(input(32, CNN2DFormat.NCHW), 1), 3);
        IllegalArgumentException none = assertThrows(IllegalArgumentException.class,
                () -> TrainedBackbone.of(tiny).copyInto(target));
        assertTrue(none.getMessage().contains("another backbone"), none.getMessage());

        // the same layer names with other shapes: a backbone trained on one-channel images
        ComputationGraph grey = Backbone.SMALL_CNN.featureExtractor(
                (InputType.InputTypeConvolutional) InputType.convolutional(32, 32, 1), 1);
        IllegalArgumentException shapes = assertThrows(IllegalArgumentException.class,
                () -> TrainedBackbone.of(grey).copyInto(target));
        assertTrue(shapes.getMessage().contains("block1_conv/W [32, 1, 3, 3] there, [32, 3, 3, 3] here"),
                shapes.getMessage());
        assertEquals(before, target.params(), "a refused copy changes nothing");
    }

    @Test
    void filesThatAreMissingOrNotModelsAreRefusedClearly(@TempDir Path dir) throws Exception {
        assertThrows(NoSuchFileException.class, () -> TrainedBackbone.read(dir.resolve("best.zip")));
        Path text = Files.writeString(dir.resolve("notes.zip"), "not a model");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TrainedBackbone.read(text));
        assertTrue(e.getMessage().contains("is not a saved DL4J ComputationGraph"), e.getMessage());

        Path saved = dir.resolve("saved.zip");
        ModelSerializer.writeModel(trainedSmallCnn(), saved.toFile(), true);
        ComputationGraph target = Backbone.SMALL_CNN.featureExtractor(input(48, CNN2DFormat.NCHW), 2);
        TrainedBackbone.Report report = TrainedBackbone.read(saved).copyInto(target);
        assertTrue(report.toString().startsWith("backbone from saved.zip: 8 layers"), report.toString());
    }
}
