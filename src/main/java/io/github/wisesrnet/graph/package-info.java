/**
 * Reading a DL4J graph: where its last convolutional feature map is and which vertices are its classifier
 * ({@link io.github.wisesrnet.graph.FeatureMap}), the input types a configuration does not keep
 * ({@link io.github.wisesrnet.graph.InputTypeInference}), and the record that keeps them in saved models
 * ({@link io.github.wisesrnet.graph.InputTypeRecord}). Used by {@code WiseSrNet.attach}; public for the library's other
 * packages. Only {@code InputTypeRecord}'s name and saved form are a promise: it is stored in saved models.
 */
package io.github.wisesrnet.graph;
