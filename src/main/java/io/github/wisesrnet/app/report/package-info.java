/**
 * The {@code wise-srnet} application, not library API: the comparison report (tables, CSV, charts, confusion
 * matrices, heat-map images, multi-seed statistics).
 */
package io.github.wisesrnet.app.report;
