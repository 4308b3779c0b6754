/**
 * The paper's backbones as DL4J graphs with Keras's layer names and conventions
 * ({@link io.github.wisesrnet.backbones.Backbone}): tiny and small CNNs, ResNet50, InceptionV3, DenseNet121/169 and
 * Xception, as feature extractors for {@code WiseSrNet.attach} or as classifiers.
 */
package io.github.wisesrnet.backbones;
