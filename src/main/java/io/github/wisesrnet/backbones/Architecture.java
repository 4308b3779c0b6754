package io.github.wisesrnet.backbones;

import org.deeplearning4j.nn.conf.inputs.InputType;

/**
 * What {@link Backbone} needs from one architecture: its layers up to the final feature map, the size rules, and
 * its BatchNormalization epsilon. Each implementation is one readable builder, in the manner of one file of
 * {@code keras.applications}.
 */
interface Architecture {

    /** Smallest input side the architecture accepts (Keras's {@code min_size}). */
    int minimumInputSize();

    /** Epsilon of every BatchNormalization layer. */
    double batchNormEpsilon();

    /**
     * The final feature map for an input of {@code height x width}, computed from the architecture's strides and
     * paddings (the tests check it against DL4J's shape inference).
     */
    InputType.InputTypeConvolutional featureMap(long height, long width);

    /**
     * Adds the layers from {@code input} up to the final feature map (Keras's {@code include_top=False} model)
     * and returns the name of the vertex that outputs that map.
     */
    String addFeatureLayers(GraphBlocks blocks, String input);
}
