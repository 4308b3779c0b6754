/**
 * Copies of trained networks for inference: {@link io.github.wisesrnet.inference.InferenceFolding} folds batch
 * normalization and activation layers into the convolutions before them.
 */
package io.github.wisesrnet.inference;
