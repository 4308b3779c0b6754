package io.github.wisesrnet.train;

import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.List;
import java.util.Map;

/**
 * Counts correct top-1 predictions during training without a second forward pass: DL4J's training forward pass
 * stops before the output layer, so the listener applies the output layer's weights to its input activations
 * (argmax of the logits equals argmax of the softmax). Accuracy is thus measured as Keras does, with dropout and
 * augmentation active.
 */
final class TrainAccuracyListener extends BaseTrainingListener {

    private final String outputVertex;
    private final String inputVertex;
    private final InputPreProcessor preProcessor;
    private INDArray labels;
    private long correct;
    private long seen;

    TrainAccuracyListener(ComputationGraph net) {
        List<String> outputs = net.getConfiguration().getNetworkOutputs();
        if (outputs.size() != 1) {
            throw new IllegalArgumentException("Training expects one output, the network has " + outputs);
        }
        this.outputVertex = outputs.get(0);
        this.inputVertex = net.getConfiguration().getVertexInputs().get(outputVertex).get(0);
        this.preProcessor = ((LayerVertex) net.getConfiguration().getVertices().get(outputVertex)).getPreProcessor();
    }

    /** Labels of the batch about to be fitted. */
    void expect(INDArray batchLabels) {
        this.labels = batchLabels;
    }

    void resetCounts() {
        correct = 0;
        seen = 0;
    }

    double accuracy() {
        return seen == 0 ? Double.NaN : (double) correct / seen;
    }

    @Override
    public void onForwardPass(Model model, Map<String, INDArray> activations) {
        INDArray in = activations.get(inputVertex);
        if (in == null || labels == null) {
            return;
        }
        if (preProcessor != null) {
            in = preProcessor.preProcess(in, (int) in.size(0), LayerWorkspaceMgr.noWorkspaces());
        }
        ComputationGraph net = (ComputationGraph) model;
        INDArray w = net.getLayer(outputVertex).getParam("W");
        INDArray b = net.getLayer(outputVertex).getParam("b");
        INDArray logits = in.castTo(w.dataType()).mmul(w);
        if (b != null) {
            logits.addiRowVector(b);
        }
        INDArray predicted = logits.argMax(1);
        INDArray actual = labels.argMax(1);
        correct += predicted.eq(actual).castTo(org.nd4j.linalg.api.buffer.DataType.INT64).sumNumber().longValue();
        seen += labels.size(0);
        labels = null;
    }
}
