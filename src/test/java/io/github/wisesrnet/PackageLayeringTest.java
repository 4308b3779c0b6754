package io.github.wisesrnet;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The packages form layers: each uses only packages listed before it here (so there is no cycle), and the one class
 * outside the project's packages, DL4J's {@code org.nd4j.nativeblas} bridge, uses only the CPU setup. Read from the
 * sources: imports and fully qualified names in code (comments excluded).
 */
class PackageLayeringTest {

    private static final String ROOT = "io.github.wisesrnet";

    /** Bottom to top. The library first, then the command-line application built on it. */
    private static final List<String> LAYERS = List.of(
            ROOT + ".layers",          // the Wise-SrNet layer: DL4J configuration, implementation, parameters
            ROOT + ".cpu",             // the oneDNN setup and its replacement layers
            ROOT + ".graph",           // reading a graph: its feature map and input types
            ROOT,                      // the API: WiseSrNet.attach, AttachOptions, Head
            ROOT + ".backbones.keras", // Keras weights files
            ROOT + ".backbones",       // Keras-faithful backbones
            ROOT + ".inference",       // copies for inference
            ROOT + ".explain",         // attributions
            ROOT + ".data",            // image folders and augmentation
            ROOT + ".deploy",          // ONNX export and ONNX Runtime inference
            ROOT + ".train",           // the training recipe, workers and Spark
            ROOT + ".app.compare",     // the application: comparing heads
            ROOT + ".app.report",      //   its reports
            ROOT + ".app.cli");        //   its command line

    private static final String BRIDGE = "org.nd4j.nativeblas";
    private static final Pattern REFERENCE = Pattern.compile(
            "\\b((?:io\\.github\\.wisesrnet|org\\.nd4j\\.nativeblas)(?:\\.[a-z]\\w*)*)\\.([A-Z]\\w*)");

    @Test
    void everyPackageUsesOnlyTheLayersBelowIt() throws IOException {
        Map<String, Set<String>> uses = packageUses(Path.of("src/main/java"));
        Set<String> unplaced = new TreeSet<>(uses.keySet());
        unplaced.removeAll(LAYERS);
        unplaced.remove(BRIDGE);
        assertEquals(Set.of(), unplaced, "packages missing from LAYERS: place each where it belongs");

        List<String> upward = new ArrayList<>();
        uses.forEach((from, targets) -> {
            for (String to : targets) {
                boolean allowed = from.equals(BRIDGE) ? to.equals(ROOT + ".cpu")
                        : LAYERS.indexOf(to) >= 0 && LAYERS.indexOf(to) < LAYERS.indexOf(from);
                if (!allowed) {
                    upward.add(from + " -> " + to);
                }
            }
        });
        assertEquals(List.of(), upward, "uses of a package at the same level or above: " + uses);
        assertTrue(uses.get(ROOT + ".app.cli").contains(ROOT), "the reading found the command line's imports");
        assertEquals(Set.of(), uses.get(ROOT + ".layers"), "the layer depends on DL4J only");
    }

    /** Package -> the project packages its classes use. */
    static Map<String, Set<String>> packageUses(Path sources) throws IOException {
        Map<String, Path> classes = new TreeMap<>();
        try (Stream<Path> files = Files.walk(sources)) {
            files.filter(p -> p.toString().endsWith(".java")).forEach(p -> {
                String name = sources.relativize(p).toString().replace('/', '.').replace('\\', '.');
                classes.put(name.substring(0, name.length() - ".java".length()), p);
            });
        }
        assertTrue(classes.size() > 50, "found only " + classes.size() + " classes under " + sources.toAbsolutePath());
        Map<String, Set<String>> uses = new TreeMap<>();
        for (Map.Entry<String, Path> c : classes.entrySet()) {
            String pkg = c.getKey().substring(0, c.getKey().lastIndexOf('.'));
            Set<String> targets = uses.computeIfAbsent(pkg, k -> new HashSet<>());
            String code = Files.readString(c.getValue()).replaceAll("(?s)/\\*.*?\\*/", "").replaceAll("//[^\n]*", "");
            Matcher m = REFERENCE.matcher(code);
            while (m.find()) {
                String target = m.group(1);
                if (!target.equals(pkg) && classes.containsKey(target + "." + m.group(2))) {
                    targets.add(target);
                }
            }
        }
        uses.replaceAll((k, v) -> new TreeSet<>(v));
        return uses;
    }
}
