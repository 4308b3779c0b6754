/**
 * The {@code wise-srnet} command line (picocli), not library API: {@code compare}, {@code train},
 * {@code evaluate}, {@code predict}, {@code explain}, {@code summary}.
 */
package io.github.wisesrnet.app.cli;
