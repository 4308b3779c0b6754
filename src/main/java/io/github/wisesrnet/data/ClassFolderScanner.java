package io.github.wisesrnet.data;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Lists the images of a folder laid out as {@code folder/<class name>/<image files>}. Class names are the sorted
 * names of the sub-folders (hidden ones, starting with '.', excepted). Files are taken in file-name order (plain
 * string order). Each image file gets the {@link ImageFileCheck structural check}; everything that is not used
 * (non-image files, sub-folders inside a class folder, files beside the class folders, damaged images) is logged once
 * at WARN and listed in {@link ClassFolders#skipped()}.
 */
final class ClassFolderScanner {

    private static final Logger log = LoggerFactory.getLogger(ClassFolderScanner.class);

    private ClassFolderScanner() {
    }

    /**
     * @param folder      folder holding one sub-folder per class
     * @param maxPerClass keep only the first N good images of each class in file-name order (the rest are not
     *                    examined); 0 keeps all
     * @param strict      throw on the first damaged image instead of skipping it
     * @throws IllegalArgumentException if the folder is missing, has fewer than 2 class folders, or a class has no usable
     *                                  image; or, when strict, naming the first damaged image
     */
    static ClassFolders scan(Path folder, int maxPerClass, boolean strict) {
        if (!Files.isDirectory(folder)) {
            throw new IllegalArgumentException("Image folder " + folder + (Files.exists(folder)
                    ? " is not a folder." : " does not exist.") + " Expected " + layout(folder));
        }
        List<String> skipped = new ArrayList<>();
        List<Path> classFolders = new ArrayList<>();
        for (Path entry : sortedEntries(folder)) {
            if (Files.isDirectory(entry) && !isHidden(entry)) {
                classFolders.add(entry);
            } else {
                skip(skipped, entry, Files.isDirectory(entry)
                        ? "hidden folder, not a class" : "file outside the class folders");
            }
        }
        if (classFolders.isEmpty()) {
            throw new IllegalArgumentException("No class folders in " + folder + ". Expected " + layout(folder));
        }
        if (classFolders.size() == 1) {
            throw new IllegalArgumentException("Only one class folder ('" + classFolders.get(0).getFileName() + "') in "
                    + folder + ": a classifier needs at least 2 classes. Expected " + layout(folder));
        }
        List<String> classNames = new ArrayList<>();
        List<List<Path>> images = new ArrayList<>();
        for (Path classFolder : classFolders) {
            classNames.add(classFolder.getFileName().toString());
            images.add(scanClass(classFolder, maxPerClass, strict, skipped));
        }
        return new ClassFolders(folder, List.copyOf(classNames), List.copyOf(images), List.copyOf(skipped));
    }

    private static List<Path> scanClass(Path classFolder, int maxPerClass, boolean strict, List<String> skipped) {
        List<Path> good = new ArrayList<>();
        int entries = 0;
        for (Path file : sortedEntries(classFolder)) {
            if (maxPerClass > 0 && good.size() >= maxPerClass) {
                break;
            }
            entries++;
            if (Files.isDirectory(file)) {
                skip(skipped, file, "sub-folder ignored: images must sit directly in the class folder");
            } else if (!ImageFileCheck.hasImageExtension(file)) {
                skip(skipped, file, "not an image file (accepted extensions: "
                        + String.join(", ", ImageFileCheck.EXTENSIONS) + ")");
            } else {
                Optional<String> problem = ImageFileCheck.problem(file);
                if (problem.isEmpty()) {
                    good.add(file);
                } else if (strict) {
                    throw new IllegalArgumentException("Damaged image " + file + ": " + problem.get()
                            + ". Remove or replace the file, or turn strict mode off to skip damaged images.");
                } else {
                    skip(skipped, file, problem.get());
                }
            }
        }
        if (good.isEmpty()) {
            throw new IllegalArgumentException("Class folder " + classFolder + " has no usable image ("
                    + (entries == 0 ? "it is empty" : entries + " entries, none a readable image") + "). Put "
                    + String.join("/", ImageFileCheck.EXTENSIONS) + " images in it, or remove the folder.");
        }
        return List.copyOf(good);
    }

    private static void skip(List<String> skipped, Path path, String reason) {
        log.warn("Skipping {}: {}", path, reason);
        skipped.add(path + ": " + reason);
    }

    private static boolean isHidden(Path path) {
        return path.getFileName().toString().startsWith(".");
    }

    private static List<Path> sortedEntries(Path folder) {
        try (Stream<Path> entries = Files.list(folder)) {
            return entries.sorted(Comparator.comparing(p -> p.getFileName().toString())).toList();
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot list " + folder + ": " + e.getMessage(), e);
        }
    }

    static String layout(Path folder) {
        return "one sub-folder per class holding its images: " + folder.resolve("<class name>")
                .resolve("<image>.jpg") + " (extensions " + String.join(", ", ImageFileCheck.EXTENSIONS) + ").";
    }
}
