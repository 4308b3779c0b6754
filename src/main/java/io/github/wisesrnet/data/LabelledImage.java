package io.github.wisesrnet.data;

import java.nio.file.Path;

/** An image file and its class index. */
record LabelledImage(Path path, int label) {
}
