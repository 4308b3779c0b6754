package io.github.wisesrnet.app.compare;

import io.github.wisesrnet.AttachOptions;
import io.github.wisesrnet.Head;
import io.github.wisesrnet.WiseSrNet;
import io.github.wisesrnet.backbones.Backbone;
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
 * every head) or from the run's Keras weights file, the head attached, and the training recipe's updater on every
 * layer.
 */
public final class ModelFactory {

    private ModelFactory() {
    }

    /**
     * A new, initialized network for {@code head}: the backbone for the data's input size and channels, initialized
     * from {@code config}'s seed (or loaded from its Keras weights file), the head attached with {@code config}'s head
     * initialization, the training recipe applied, and the forward cache on.
     *
     * @throws java.io.UncheckedIOException if the Keras weights file cannot be read
     */
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
        ComputationGraph trainable = config.applyTo(net);
        OneDnnHelpers.enableForwardCache(trainable); // the command line asks for all of the fast CPU setup
        return trainable;
    }
}
