package io.github.wisesrnet.app.compare;

import io.github.wisesrnet.AttachOptions;
import io.github.wisesrnet.Head;
import io.github.wisesrnet.WiseSrNet;
import io.github.wisesrnet.backbones.Backbone;
import io.github.wisesrnet.backbones.TrainedBackbone;
import io.github.wisesrnet.backbones.keras.KerasWeights;
import io.github.wisesrnet.cpu.OneDnnHelpers;
import io.github.wisesrnet.data.ClassificationData;
import io.github.wisesrnet.train.TrainingConfig;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.graph.ComputationGraph;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;

/**
 * Builds the network for one head of a comparison: the backbone initialized from the run's seed (identical for
 * every head), from the run's Keras weights file or from the backbone of a trained network ({@code --init-from}), the
 * head attached, and the training recipe's updater on every layer, set up for the first epoch (the backbone frozen
 * when the run starts with frozen epochs).
 */
public final class ModelFactory {

    private ModelFactory() {
    }

    /**
     * A new, initialized network for {@code head}: the backbone for the data's input size and channels, initialized
     * from {@code config}'s seed (or loaded from its Keras weights file or trained network), the head attached with
     * {@code config}'s head initialization, the training recipe applied (set up for the first epoch), and the forward
     * cache on.
     *
     * @throws java.io.UncheckedIOException if the Keras weights file or the trained network cannot be read
     * @throws IllegalArgumentException     if the trained network's backbone does not fit {@code backbone}
     */
    public static ComputationGraph build(Backbone backbone, Head head, ClassificationData data, TrainingConfig config) {
        InputType input = InputType.convolutional(data.height(), data.width(), data.channels(), data.format());
        ComputationGraph features = backbone.featureExtractor((InputType.InputTypeConvolutional) input,
                config.seed());
        try {
            if (config.kerasWeights() != null) {
                KerasWeights.read(Path.of(config.kerasWeights())).loadInto(features);
            }
            if (config.fineTuning() != null && config.fineTuning().initFrom() != null) {
                TrainedBackbone.read(Path.of(config.fineTuning().initFrom())).copyInto(features);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        ComputationGraph net = WiseSrNet.attach(features, data.numClasses(),
                AttachOptions.builder().head(head).inputTypes(input).headInit(config.headInit()).build());
        ComputationGraph trainable = config.applyTo(net);
        OneDnnHelpers.enableForwardCache(trainable); // the command line asks for all of the fast CPU setup
        return trainable;
    }
}
