package io.github.wisesrnet.app.cli;

import io.github.wisesrnet.data.ImageFiles;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Image files given on the command line, read a batch at a time: unreadable files are skipped with a warning on
 * standard error (as predict and explain promise), and nothing readable at all is an error.
 */
final class ReadableBatches {

    /** What a command does with a batch of readable images. */
    interface BatchAction {
        void accept(ImageFiles.Readable batch) throws IOException;
    }

    private ReadableBatches() {
    }

    /**
     * Runs {@code action} on every batch of up to {@code batchSize} files that holds at least one readable image.
     *
     * @return the skipped files with their reasons, in order
     * @throws IllegalArgumentException if none of the files could be read
     */
    static Map<Path, String> forEach(List<Path> files, int batchSize, ImageFiles loader, BatchAction action)
            throws IOException {
        Map<Path, String> skipped = new LinkedHashMap<>();
        int read = 0;
        for (int start = 0; start < files.size(); start += batchSize) {
            ImageFiles.Readable readable = loader.loadReadable(files.subList(start,
                    Math.min(files.size(), start + batchSize)));
            readable.skipped().forEach((file, why) -> System.err.println("warning: skipped " + file + ": " + why));
            skipped.putAll(readable.skipped());
            if (!readable.files().isEmpty()) {
                read += readable.files().size();
                action.accept(readable);
            }
        }
        if (read == 0) {
            throw new IllegalArgumentException("None of the " + files.size() + " image file(s) could be read (each"
                    + " is named in a warning above, with its reason).");
        }
        return skipped;
    }
}
