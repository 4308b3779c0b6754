package io.github.wisesrnet.train;

import io.github.wisesrnet.AttachOptions;
import io.github.wisesrnet.Head;
import io.github.wisesrnet.WiseSrNet;
import io.github.wisesrnet.backbones.Backbone;
import io.github.wisesrnet.backbones.KerasWeights;
import io.github.wisesrnet.data.ClassificationData;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.graph.MergeVertex;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.nd4j.linalg.learning.config.IUpdater;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;

/**
 * Builds the network for one head of a comparison: the backbone initialized from the run's seed (identical for
 * every head) or from the run's Keras weights file, the head attached, and the training recipe's updater on every
 * layer.
 */
public final class ModelFactory {

    private ModelFactory() {
    }

    public static ComputationGraph build(Backbone backbone, Head head, ClassificationData data, TrainingConfig config) {
        InputType input = InputType.convolutional(data.height(), data.width(), data.channels(), data.format());
        ComputationGraph features = backbone.featureExtractor((InputType.InputTypeConvolutional) input,
                config.seed());
        if (config.kerasWeights() != null) {
            try {
                KerasWeights.read(Path.of(config.kerasWeights())).loadInto(features);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        ComputationGraph net = WiseSrNet.attach(features, data.numClasses(),
                AttachOptions.builder().head(head).inputTypes(input).headInit(config.headInit()).build());
        return withUpdater(net, config);
    }

    /**
     * The same network (a new instance with the same parameters, no updater state) with the recipe's updater (and
     * learning-rate schedule) and seed on every layer. The configuration is cloned and edited rather than rebuilt with
     * DL4J's {@code TransferLearning}: in DL4J 1.0.0-M2.1 both the rebuild and {@code MergeVertex.clone()} lose the
     * concatenation axis that NHWC merge vertices were given (DenseNet's and InceptionV3's concatenations then fail),
     * so the axis is copied back.
     */
    public static ComputationGraph withUpdater(ComputationGraph net, TrainingConfig config) {
        ComputationGraphConfiguration conf = net.getConfiguration().clone();
        net.getConfiguration().getVertices().forEach((name, vertex) -> {
            if (vertex instanceof MergeVertex merge) {
                MergeVertex copy = (MergeVertex) conf.getVertices().get(name);
                copy.setMergeAxis(merge.getMergeAxis());
                copy.setModified(merge.isModified());
            }
        });
        IUpdater updater = config.updater();
        for (GraphVertex vertex : conf.getVertices().values()) {
            if (vertex instanceof LayerVertex layerVertex) {
                layerVertex.getLayerConf().setSeed(config.seed());
                if (layerVertex.getLayerConf().getLayer() instanceof BaseLayer layer) {
                    layer.setIUpdater(updater.clone());
                    layer.setBiasUpdater(null); // biases follow the weights' updater
                }
            }
        }
        ComputationGraph updated = new ComputationGraph(conf);
        updated.init(net.params().dup(), false);
        io.github.wisesrnet.OneDnnHelpers.tune(updated);
        return updated;
    }
}
