package io.github.wisesrnet.data;

import java.nio.file.Path;
import java.util.List;

/**
 * The result of scanning one folder of class sub-folders.
 *
 * @param folder     the scanned folder
 * @param classNames sorted class folder names
 * @param images     per class (same index as {@code classNames}), the image files that passed the structural
 *                   check, sorted by file name
 * @param skipped    files and folders that are not used, each "path: reason"
 */
record ClassFolders(Path folder, List<String> classNames, List<List<Path>> images, List<String> skipped) {

    int imageCount() {
        return images.stream().mapToInt(List::size).sum();
    }
}
