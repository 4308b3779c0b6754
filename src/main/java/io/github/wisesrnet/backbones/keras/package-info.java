/**
 * Reading Keras's HDF5 weights files (for example the ImageNet weights of Keras's applications) into graphs whose
 * layers carry Keras's names: {@link io.github.wisesrnet.backbones.keras.KerasWeights}. Needs DL4J's Keras model
 * import ({@code deeplearning4j-modelimport}) on the class path; without it, reading says what to add.
 */
package io.github.wisesrnet.backbones.keras;
