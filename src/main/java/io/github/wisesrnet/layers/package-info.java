/**
 * The Wise-SrNet layer in DL4J's own form: the configuration and builder
 * ({@link io.github.wisesrnet.layers.WiseSrLayer}), its implementation
 * ({@link io.github.wisesrnet.layers.WiseSrLayerImpl}: average pre-pooling, then a non-negative depthwise kernel that
 * covers the whole pooled map, with an analytic backward pass) and its parameters
 * ({@link io.github.wisesrnet.layers.WiseSrParamInitializer}), with the two ways its weights start
 * ({@link io.github.wisesrnet.layers.HeadInit}). Depends on DL4J only.
 */
package io.github.wisesrnet.layers;
