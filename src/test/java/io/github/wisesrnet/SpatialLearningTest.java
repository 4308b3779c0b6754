package io.github.wisesrnet;

import io.github.wisesrnet.data.SpatialPatternDataSet;
import org.deeplearning4j.datasets.iterator.utilty.ListDataSetIterator;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.weights.WeightInit;
import org.junit.jupiter.api.Test;
import org.nd4j.evaluation.classification.Evaluation;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.learning.config.Adam;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The point of the method in seconds: classes differ only by where a cross sits. The same tiny CNN learns the
 * task with the Wise-SrNet head and stays near chance with global average pooling. (No distractor here: a second
 * pattern within the receptive field of the first would tell GAP their relative position, a cue that is not
 * about where the cross is.)
 */
class SpatialLearningTest {

    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(SpatialLearningTest.class);

    private static final InputType INPUT = InputType.convolutional(24, 24, 1);

    @Test
    void wiseSrNetLearnsWherePatternsAreAndGapCannot() {
        SpatialPatternDataSet data = new SpatialPatternDataSet(24, 1, 2, 4, false);
        DataSet train = data.generate(800, 1);
        DataSet test = data.generate(400, 2);

        double wise = trainAndTest(Head.WISE_SRNET, train, test, data.numClasses());
        double gap = trainAndTest(Head.GAP, train, test, data.numClasses());

        double chance = 1.0 / data.numClasses();
        log.info("Spatial task, test accuracy after 5 epochs: Wise-SrNet {}, GAP {} (chance {})", wise, gap, chance);
        assertTrue(wise >= 0.95, "Wise-SrNet test accuracy " + wise + " < 0.95");
        assertTrue(gap <= chance + 0.10, "GAP test accuracy " + gap + " is not near chance " + chance);
    }

    private static double trainAndTest(Head head, DataSet train, DataSet test, int classes) {
        ComputationGraph net = WiseSrNet.attach(tinyBackbone(), classes, head, INPUT);
        ListDataSetIterator<DataSet> batches = new ListDataSetIterator<>(train.asList(), 32);
        net.fit(batches, 5);
        Evaluation eval = net.evaluate(new ListDataSetIterator<>(test.asList(), 100));
        return eval.accuracy();
    }

    /**
     * Two 'valid' 3x3 convolutions: 24x24 -> 20x20x16 map. The receptive field is 5 pixels, inside the data's
     * 4-pixel margin, and there is no padding, so nothing but the head can recover position.
     */
    static ComputationGraph tinyBackbone() {
        ComputationGraphConfiguration conf = new NeuralNetConfiguration.Builder()
                .seed(123)
                .dataType(DataType.FLOAT)
                .updater(new Adam(5e-3))
                .weightInit(WeightInit.RELU)
                .convolutionMode(ConvolutionMode.Truncate)
                .graphBuilder()
                .addInputs("in")
                .addLayer("conv1", new ConvolutionLayer.Builder(3, 3).nOut(8).activation(Activation.RELU).build(), "in")
                .addLayer("conv2", new ConvolutionLayer.Builder(3, 3).nOut(16).activation(Activation.RELU).build(),
                        "conv1")
                .setOutputs("conv2")
                .setInputTypes(INPUT)
                .build();
        ComputationGraph net = new ComputationGraph(conf);
        net.init();
        return net;
    }
}
