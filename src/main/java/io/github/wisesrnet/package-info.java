/**
 * Wise-SrNet for Deeplearning4j: what a user's code calls. {@link io.github.wisesrnet.WiseSrNet#attach(
 * org.deeplearning4j.nn.graph.ComputationGraph, int)} replaces a CNN's classifier with one of the paper's heads
 * ({@link io.github.wisesrnet.Head}), configured by {@link io.github.wisesrnet.AttachOptions}.
 *
 * <p>The packages, from the bottom up (each uses only those before it; a test checks it): {@code layers} (the
 * Wise-SrNet layer), {@code cpu} (the optional fast CPU setup), {@code graph} (reading a graph's feature map and input
 * types), this package, {@code backbones.keras} and {@code backbones} (the paper's backbones and Keras weights),
 * {@code inference} (copies for inference), {@code explain} (attributions), {@code data} (image folders, needs
 * DataVec), {@code deploy} (ONNX export, and ONNX Runtime as an engine), {@code train} (the training recipe). The
 * {@code app} packages hold the {@code wise-srnet} command-line application and are not library API.
 */
package io.github.wisesrnet;
