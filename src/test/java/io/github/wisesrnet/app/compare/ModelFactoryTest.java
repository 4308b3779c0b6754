package io.github.wisesrnet.app.compare;

import io.github.wisesrnet.train.Optimizer;
import io.github.wisesrnet.train.TrainingConfig;
import io.github.wisesrnet.WiseSrNet;
import io.github.wisesrnet.HelperSwitch;
import io.github.wisesrnet.backbones.Backbone;
import io.github.wisesrnet.cpu.OneDnnHelpers;
import io.github.wisesrnet.layers.HeadInit;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.CacheMode;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.graph.vertex.GraphVertex;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The recipe's updater goes on every layer without changing what the network computes, in both data formats;
 * DenseNet's and InceptionV3's concatenations keep their channel axis in NHWC (a rebuild with DL4J's TransferLearning
 * loses it).
 */
class ModelFactoryTest {

    @ParameterizedTest
    @EnumSource(value = Backbone.class, names = {"DENSENET121", "INCEPTION_V3"})
    void theUpdaterChangesNothingElseAndNhwcConcatenationsStillTrain(Backbone backbone) throws java.io.IOException {
        int size = backbone.minimumInputSize();
        for (CNN2DFormat format : CNN2DFormat.values()) {
            InputType.InputTypeConvolutional input = (InputType.InputTypeConvolutional) InputType.convolutional(size,
                    size, 3, format);
            ComputationGraph net = WiseSrNet.attach(backbone.featureExtractor(input, 3), 4);
            TrainingConfig adam = new TrainingConfig(1, 2, Optimizer.ADAM, 1e-3, 0.9, 0.94, 2, 5, HeadInit.PAPER,
                    null, null, null);
            ComputationGraph updated = adam.applyTo(net);

            INDArray x = format == CNN2DFormat.NCHW ? Nd4j.rand(DataType.FLOAT, 2, 3, size, size)
                    : Nd4j.rand(DataType.FLOAT, 2, size, size, 3);
            INDArray expected = net.outputSingle(x);
            INDArray actual = updated.outputSingle(x);
            assertTrue(expected.equalsWithEps(actual, 1e-6), backbone + " " + format);
            for (GraphVertex v : updated.getVertices()) {
                if (v.hasLayer() && v.getLayer().conf().getLayer() instanceof BaseLayer layer) {
                    assertInstanceOf(Adam.class, layer.getIUpdater(), v.getVertexName());
                }
            }
            INDArray before = updated.params().dup();
            updated.fit(new DataSet(x, Nd4j.eye(4).getRows(0, 1)));
            assertTrue(Double.isFinite(updated.score()), backbone + " " + format);
            assertTrue(!before.equals(updated.params()), "one step must change the parameters");
            assertEquals(net.getConfiguration().getNetworkOutputs(), updated.getConfiguration().getNetworkOutputs());

            if (format == CNN2DFormat.NHWC) { // the trained network survives a checkpoint (the axis is in its JSON)
                java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
                org.deeplearning4j.util.ModelSerializer.writeModel(updated, bytes, false);
                ComputationGraph restored = org.deeplearning4j.util.ModelSerializer.restoreComputationGraph(
                        new java.io.ByteArrayInputStream(bytes.toByteArray()), false);
                assertEquals(updated.outputSingle(x), restored.outputSingle(x), backbone.cliName());
            }
        }
    }

    /**
     * The command line keeps the whole fast CPU setup that the library no longer applies by itself: with the helpers
     * asked for (as the command line does), its networks get the tuned layers and, where the helpers run, the forward
     * cache; so its speed is what it was.
     */
    @org.junit.jupiter.api.Test
    void theCommandLineStillGetsTheWholeCpuSetup() {
        try (HelperSwitch ignored = HelperSwitch.saved()) {
            OneDnnHelpers.enable();
            io.github.wisesrnet.data.ClassificationData data = new io.github.wisesrnet.data.SpatialPatternData(
                    new io.github.wisesrnet.data.SpatialPatternDataSet(32, 3, 3, 0, false), 18, 9, 1, CNN2DFormat.NCHW);
            ComputationGraph net = ModelFactory.build(Backbone.SMALL_CNN, io.github.wisesrnet.Head.WISE_SRNET, data,
                    TrainingConfig.paper(1, 9));
            assertTrue(java.util.Arrays.stream(net.getLayers()).anyMatch(
                    l -> l.getClass().getSimpleName().equals("ReluActivationLayer")), "the tuned ReLU layers");
            assertEquals(OneDnnHelpers.active() ? CacheMode.DEVICE : CacheMode.NONE,
                    net.getConfiguration().getCacheMode(), OneDnnHelpers.describe());
        }
    }
}
