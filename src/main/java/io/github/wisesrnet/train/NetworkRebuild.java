package io.github.wisesrnet.train;

import io.github.wisesrnet.cpu.OneDnnHelpers;
import io.github.wisesrnet.graph.FeatureMap;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.graph.FrozenVertex;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.graph.MergeVertex;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.layers.FrozenLayer;
import org.nd4j.linalg.learning.config.IUpdater;

import java.util.Arrays;
import java.util.Map;
import java.util.Set;

/**
 * Builds a network anew with a training recipe: {@link TrainingConfig#applyTo(ComputationGraph, int)}. The
 * configuration is cloned and edited rather than rebuilt with DL4J's {@code TransferLearning}: in DL4J 1.0.0-M2.1 both
 * the rebuild and {@code MergeVertex.clone()} lose the concatenation axis that NHWC merge vertices were given
 * (DenseNet's and InceptionV3's concatenations then fail), so the axis is copied back. Freezing wraps the backbone's
 * layers in DL4J's frozen layers and its other vertices in frozen vertices, as {@code TransferLearning} does, so that
 * backpropagation stops at the head.
 */
final class NetworkRebuild {

    private NetworkRebuild() {
    }

    static ComputationGraph rebuild(ComputationGraph net, TrainingConfig config, int epoch) {
        ComputationGraphConfiguration conf = net.getConfiguration().clone();
        net.getConfiguration().getVertices().forEach((name, vertex) -> {
            MergeVertex merge = mergeOf(vertex);
            if (merge != null) {
                MergeVertex copy = mergeOf(conf.getVertices().get(name));
                copy.setMergeAxis(merge.getMergeAxis());
                copy.setModified(merge.isModified());
            }
        });
        FineTuning fineTuning = config.fineTuning();
        // Only frozen epochs freeze and unfreeze; otherwise frozen layers the network has are left as they are.
        boolean phases = fineTuning != null && fineTuning.frozenEpochs() > 0;
        boolean frozen = phases && fineTuning.frozenIn(epoch);
        Set<String> backbone = fineTuning != null && fineTuning.treatsBackboneApart()
                ? FeatureMap.locate(net, null, null).backbone() : Set.of();
        IUpdater updater = config.updater();
        IUpdater backboneUpdater = fineTuning == null ? updater
                : config.updater(fineTuning.backboneLearningRateFactor());
        for (Map.Entry<String, GraphVertex> entry : conf.getVertices().entrySet()) {
            boolean inBackbone = backbone.contains(entry.getKey());
            GraphVertex vertex = entry.getValue();
            if (vertex instanceof LayerVertex layerVertex) {
                layerVertex.getLayerConf().setSeed(config.seed());
                Layer layer = FeatureMap.layerOf(layerVertex);
                if (layer instanceof BaseLayer base) {
                    base.setIUpdater((inBackbone ? backboneUpdater : updater).clone());
                    base.setBiasUpdater(null); // biases follow the weights' updater
                }
                if (phases && inBackbone) {
                    layerVertex.getLayerConf().setLayer(frozen ? frozenLayer(layer) : layer);
                }
            } else if (phases && inBackbone) {
                GraphVertex plain = vertex instanceof FrozenVertex f ? f.getUnderlying() : vertex;
                entry.setValue(frozen ? new FrozenVertex(plain) : plain);
            }
        }
        ComputationGraph updated = new ComputationGraph(conf);
        updated.init(net.params().dup(), false);
        updated.getConfiguration().setEpochCount(net.getEpochCount());
        updated.getConfiguration().setIterationCount(net.getIterationCount());
        OneDnnHelpers.tuneIfRequested(updated);
        updated.setCacheMode(conf.getCacheMode()); // init() keeps it in the configuration but gives it no layer
        return updated;
    }

    /** Whether any layer of the network is frozen. */
    static boolean isFrozen(ComputationGraph net) {
        return Arrays.stream(net.getLayers()).anyMatch(l -> l instanceof FrozenLayer);
    }

    private static Layer frozenLayer(Layer layer) {
        Layer wrapped = new org.deeplearning4j.nn.conf.layers.misc.FrozenLayer(layer);
        wrapped.setLayerName(layer.getLayerName());
        return wrapped;
    }

    private static MergeVertex mergeOf(GraphVertex vertex) {
        GraphVertex plain = vertex instanceof FrozenVertex f ? f.getUnderlying() : vertex;
        return plain instanceof MergeVertex merge ? merge : null;
    }
}
