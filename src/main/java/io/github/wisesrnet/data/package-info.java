/**
 * Image data for training and evaluation: class folders read with DataVec's image loader, the paper's
 * augmentation, Keras-style preprocessing, validation splits, and a generated data set whose classes differ only by
 * position. Needs {@code org.datavec:datavec-data-image} on the class path. Start from
 * {@link io.github.wisesrnet.data.DataSpec} or {@link io.github.wisesrnet.data.ImageFolderData}.
 */
package io.github.wisesrnet.data;
