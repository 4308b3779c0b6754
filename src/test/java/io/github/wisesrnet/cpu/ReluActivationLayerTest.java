package io.github.wisesrnet.cpu;

import io.github.wisesrnet.TestNets;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.weights.WeightInit;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.activations.impl.ActivationReLU;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link ReluActivationLayer} against DL4J's own activation layer: the same outputs, gradients and training step, bit
 * for bit, including where the ReLU's input is exactly 0 (a ReLU after a ReLU); and installed only on plain ReLUs.
 */
class ReluActivationLayerTest {

    @Test
    void computesExactlyWhatDl4jsActivationLayerComputes() {
        for (DataType type : new DataType[]{DataType.FLOAT, DataType.DOUBLE}) {
            ComputationGraph dl4j = new ComputationGraph(configuration(type, false));
            dl4j.init();
            ComputationGraph tuned = new ComputationGraph(configuration(type, false));
            tuned.init();
            tuned.setParams(dl4j.params().dup());
            OneDnnHelpers.tune(tuned);
            assertInstanceOf(ReluActivationLayer.class, tuned.getLayer("relu1"));
            assertInstanceOf(ReluActivationLayer.class, tuned.getLayer("relu2"));
            assertTrue(java.util.Arrays.stream(tuned.getLayers()).anyMatch(l -> l == tuned.getLayer("relu1")),
                    "getLayers() holds the new layer too");

            INDArray x = TestNets.randomInput(TestNets.cnn(6, 7, 2, org.deeplearning4j.nn.conf.CNN2DFormat.NCHW), 5,
                    type, 21);
            INDArray y = TestNets.labels(5, 3, type);
            assertSameBits(dl4j.outputSingle(false, x), tuned.outputSingle(false, x), type + " inference");
            assertSameBits(dl4j.outputSingle(true, x), tuned.outputSingle(true, x), type + " training-mode output");
            for (ComputationGraph net : new ComputationGraph[]{dl4j, tuned}) {
                net.setInputs(x);
                net.setLabels(y);
                net.computeGradientAndScore();
            }
            assertSameValues(dl4j.gradient().gradient(), tuned.gradient().gradient(), type + " gradient");
            for (int i = 0; i < 3; i++) {
                dl4j.fit(new INDArray[]{x}, new INDArray[]{y});
                tuned.fit(new INDArray[]{x}, new INDArray[]{y});
            }
            assertSameBits(dl4j.params(), tuned.params(), type + " parameters after three steps");
        }
    }

    /** Where the input is exactly 0 the gradient is 0, as DL4J's relu_bp gives (a chain of ReLUs would hide it). */
    @Test
    void layerByLayerWithExactZeros() {
        ComputationGraph dl4j = new ComputationGraph(configuration(DataType.FLOAT, false));
        dl4j.init();
        ComputationGraph tuned = new ComputationGraph(configuration(DataType.FLOAT, false));
        tuned.init();
        OneDnnHelpers.tune(tuned);
        org.deeplearning4j.nn.workspace.LayerWorkspaceMgr none =
                org.deeplearning4j.nn.workspace.LayerWorkspaceMgr.noWorkspaces();
        INDArray x = org.nd4j.linalg.factory.Nd4j.createFromArray(new float[]{-2f, 0f, 3f, -0f, 0.5f, 0f})
                .reshape(1, 1, 2, 3);
        INDArray eps = org.nd4j.linalg.factory.Nd4j.createFromArray(new float[]{1f, 2f, 3f, 4f, 5f, 6f})
                .reshape(1, 1, 2, 3);
        INDArray[] outputs = new INDArray[2];
        INDArray[] gradients = new INDArray[2];
        org.deeplearning4j.nn.api.Layer[] layers = {dl4j.getLayer("relu1"), tuned.getLayer("relu1")};
        for (int i = 0; i < 2; i++) {
            layers[i].setInput(x.dup(), none);
            outputs[i] = layers[i].activate(true, none);
            gradients[i] = layers[i].backpropGradient(eps.dup(), none).getSecond();
        }
        assertSameBits(outputs[0], outputs[1], "output");
        assertSameValues(gradients[0], gradients[1], "gradient");
        assertSameValues(org.nd4j.linalg.factory.Nd4j.createFromArray(new float[]{0f, 0f, 3f, 0f, 5f, 0f})
                .reshape(1, 1, 2, 3), gradients[1], "gradient");
    }

    /** Bit for bit (INDArray.equals allows 1e-5). */
    private static void assertSameBits(INDArray expected, INDArray actual, String what) {
        assertEquals(expected.dataType(), actual.dataType(), what);
        assertTrue(java.util.Arrays.equals(expected.dup().data().asBytes(), actual.dup().data().asBytes()),
                what + " differs in some bit");
    }

    /**
     * The same value everywhere, with +0 == -0: where the incoming gradient is negative and the input not positive,
     * DL4J's relu_bp writes +0.0 and eps * step(x) writes -0.0 (see ReluActivationLayer).
     */
    private static void assertSameValues(INDArray expected, INDArray actual, String what) {
        double[] e = expected.dup().data().asDouble();
        double[] a = actual.dup().data().asDouble();
        assertEquals(e.length, a.length, what);
        for (int i = 0; i < e.length; i++) {
            assertTrue(e[i] == a[i], what + " [" + i + "]: " + e[i] + " vs " + a[i]);
        }
    }

    @Test
    void onlyPlainRelusAreReplaced() {
        ComputationGraph net = new ComputationGraph(configuration(DataType.FLOAT, true));
        net.init();
        OneDnnHelpers.tune(net);
        assertEquals(org.deeplearning4j.nn.layers.ActivationLayer.class, net.getLayer("leaky").getClass());
        assertEquals(org.deeplearning4j.nn.layers.ActivationLayer.class, net.getLayer("capped").getClass());
        assertEquals(org.deeplearning4j.nn.layers.ActivationLayer.class, net.getLayer("dropped").getClass());
    }

    /**
     * conv -> ReLU -> ReLU (sees exact zeros) -> conv -> leaky ReLU -> ReLU capped at 6 -> ReLU with dropout (when
     * asked; random, so left out where two networks are compared) -> GAP.
     */
    private static ComputationGraphConfiguration configuration(DataType type, boolean dropout) {
        return new NeuralNetConfiguration.Builder()
                .seed(4).dataType(type).updater(new Sgd(0.1)).weightInit(WeightInit.XAVIER)
                .convolutionMode(ConvolutionMode.Same)
                .graphBuilder()
                .addInputs("in")
                .addLayer("conv", new ConvolutionLayer.Builder(3, 3).nOut(4).activation(Activation.IDENTITY)
                        .build(), "in")
                .addLayer("relu1", new ActivationLayer.Builder().activation(Activation.RELU).build(), "conv")
                .addLayer("relu2", new ActivationLayer.Builder().activation(Activation.RELU).build(), "relu1")
                .addLayer("conv2", new ConvolutionLayer.Builder(1, 1).nOut(4).activation(Activation.IDENTITY)
                        .build(), "relu2")
                .addLayer("leaky", new ActivationLayer.Builder().activation(new ActivationReLU(null, null, 0.1))
                        .build(), "conv2")
                .addLayer("capped", new ActivationLayer.Builder().activation(new ActivationReLU(6.0, null, null))
                        .build(), "leaky")
                .addLayer("dropped", new ActivationLayer.Builder().activation(Activation.RELU).dropOut(dropout ? 0.9 : 0)
                        .build(), "capped")
                .addLayer("gap", new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), "dropped")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(3)
                        .activation(Activation.SOFTMAX).build(), "gap")
                .setOutputs("out")
                .setInputTypes(TestNets.cnn(6, 7, 2, org.deeplearning4j.nn.conf.CNN2DFormat.NCHW))
                .build();
    }
}
