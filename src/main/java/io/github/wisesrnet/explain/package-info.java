/**
 * Where a decision comes from: exact per-position attributions of the linear heads
 * ({@link io.github.wisesrnet.explain.SpatialAttribution}, {@link io.github.wisesrnet.explain.Attributions}) and the
 * learned spatial weights of a Wise-SrNet head ({@link io.github.wisesrnet.explain.SpatialWeights}).
 */
package io.github.wisesrnet.explain;
