/**
 * The paper's training recipe ({@link io.github.wisesrnet.train.TrainingConfig}) and its loop
 * ({@link io.github.wisesrnet.train.Trainer}): epochs with evaluation, checkpoints and a run record to resume from,
 * on one thread, several workers on this machine ({@code deeplearning4j-parallel-wrapper}) or Apache Spark.
 */
package io.github.wisesrnet.train;
