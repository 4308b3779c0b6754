package io.github.wisesrnet.data;

import java.nio.file.Files;

/** Loads the image folders a {@link DataSpec} describes. */
final class ImageFolders {

    private ImageFolders() {
    }

    static ImageFolderData load(DataSpec spec, int workers) {
        if (!Files.isDirectory(spec.folder())) {
            throw new IllegalArgumentException("Data folder " + spec.folder().toAbsolutePath() + " does not exist."
                    + " Expected class sub-folders under train/ and test/ (or under the folder itself with"
                    + " --test-fraction).");
        }
        ImageOptions options = options(spec, workers);
        return spec.testFraction() != null
                ? ImageFolderData.split(spec.folder(), spec.testFraction(), spec.seed(), options)
                : ImageFolderData.trainTest(spec.folder(), options);
    }

    static ImageOptions options(DataSpec spec, int workers) {
        return ImageOptions.of(spec.height(), spec.width())
                .withFormat(spec.format())
                .withPreprocessing(Preprocessing.fromName(spec.preprocessing()))
                .withAugmentation(spec.augment() ? Augmentation.paper() : Augmentation.none())
                .withWorkers(Math.max(1, workers))
                .withStrict(spec.strict())
                .withMaxPerClass(spec.maxPerClass());
    }
}
