package io.github.wisesrnet;

import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/** Small graphs shared by the tests. */
public final class TestNets {

    private TestNets() {
    }

    public static InputType cnn(long h, long w, long c, CNN2DFormat format) {
        return InputType.convolutional(h, w, c, format);
    }

    /** input -> 1x1 conv (tanh, so the head's input gradient is checked too) -> head -> softmax output. */
    public static ComputationGraph convHeadOutput(InputType input, int convChannels, Layer head, int classes,
            DataType dataType, IUpdater updater, long seed) {
        CNN2DFormat format = ((InputType.InputTypeConvolutional) input).getFormat();
        ComputationGraphConfiguration conf = new NeuralNetConfiguration.Builder()
                .seed(seed)
                .dataType(dataType)
                .updater(updater == null ? new NoOp() : updater)
                .weightInit(WeightInit.XAVIER)
                .graphBuilder()
                .addInputs("in")
                .addLayer("conv", new ConvolutionLayer.Builder(1, 1).nOut(convChannels).activation(Activation.TANH)
                        .convolutionMode(ConvolutionMode.Truncate).dataFormat(format).build(), "in")
                .addLayer("head", head, "conv")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(classes)
                        .activation(Activation.SOFTMAX).build(), "head")
                .setOutputs("out")
                .setInputTypes(input)
                .build();
        ComputationGraph net = new ComputationGraph(conf);
        net.init();
        return net;
    }

    /** Random input in the layout of the input type, batch n. */
    public static INDArray randomInput(InputType input, int n, DataType dataType, long seed) {
        InputType.InputTypeConvolutional c = (InputType.InputTypeConvolutional) input;
        long[] shape = c.getFormat() == CNN2DFormat.NCHW
                ? new long[]{n, c.getChannels(), c.getHeight(), c.getWidth()}
                : new long[]{n, c.getHeight(), c.getWidth(), c.getChannels()};
        Nd4j.getRandom().setSeed(seed);
        return Nd4j.rand(dataType, shape).subi(0.5).muli(2);
    }

    /** One-hot labels, class i % classes for example i. */
    public static INDArray labels(int n, int classes, DataType dataType) {
        INDArray labels = Nd4j.zeros(dataType, n, classes);
        for (int i = 0; i < n; i++) {
            labels.putScalar(i, i % classes, 1.0);
        }
        return labels;
    }
}
