/**
 * The {@code wise-srnet} application, not library API: the comparison of heads that its {@code compare} command
 * runs (same backbone, data and seed for every head).
 */
package io.github.wisesrnet.app.compare;
