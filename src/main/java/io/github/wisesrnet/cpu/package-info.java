/**
 * The fast CPU setup, on request only: {@link io.github.wisesrnet.cpu.OneDnnHelpers#enable()} turns on DL4J's oneDNN
 * layer helpers (with ND4J's oneDNN binary), after which the networks the library builds or loads are
 * {@linkplain io.github.wisesrnet.cpu.OneDnnHelpers#tune tuned}; the forward cache, which costs memory, only through
 * {@link io.github.wisesrnet.cpu.OneDnnHelpers#enableForwardCache}. Without these calls the library returns plain DL4J
 * networks. The replacement layer and helper that tuning installs are package-private.
 */
package io.github.wisesrnet.cpu;
