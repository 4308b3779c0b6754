package io.github.wisesrnet.data;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The files a data set does not use, each "path: reason": those found when the folders were scanned, plus images
 * that passed the structural check but then failed to decode while loading (logged once at WARN each, however often
 * they are met). Thread-safe.
 */
final class SkipLog {

    private static final Logger log = LoggerFactory.getLogger(SkipLog.class);

    private final List<String> entries;
    private final Set<Path> decodeFailures = ConcurrentHashMap.newKeySet();

    SkipLog(List<String> scanned) {
        this.entries = new CopyOnWriteArrayList<>(scanned);
    }

    /** Records an image that failed to decode while loading; its slot is filled by another image. */
    void decodeFailed(Path file, String reason) {
        if (decodeFailures.add(file)) {
            log.warn("Skipping {}: {} (each time it comes up, the next image of the epoch order takes its place)",
                    file, reason);
            entries.add(file + ": " + reason);
        }
    }

    List<String> entries() {
        return List.copyOf(entries);
    }
}
