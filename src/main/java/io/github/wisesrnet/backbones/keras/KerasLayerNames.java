package io.github.wisesrnet.backbones.keras;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Older Keras layer names read as the names the backbones use (Keras 2.3 and later, {@code tf.keras}), so that weight
 * files written by older Keras versions load by name:
 * <ul>
 *   <li>Keras 2.0 to 2.2 numbered automatic names from 1 ({@code conv2d_1} for the first {@code Conv2D}), later
 *       Keras from 0 ({@code conv2d}, then {@code conv2d_1}). InceptionV3 is the backbone with automatic names.</li>
 *   <li>Keras 2.2's {@code resnet50.py} named ResNet50's layers {@code conv1}, {@code bn_conv1},
 *       {@code res2a_branch2a}, {@code bn2a_branch2a}, ..., {@code res2a_branch1} (shortcut), {@code fc1000}; Keras
 *       2.3's {@code resnet.py} names the same layers {@code conv1_conv}, {@code conv1_bn},
 *       {@code conv2_block1_1_conv}, {@code conv2_block1_1_bn}, ..., {@code conv2_block1_0_conv},
 *       {@code predictions}. Its ImageNet weights file ({@code v0.2}) has the old names.</li>
 * </ul>
 * A rule applies only when the file has the old names and the network the new ones.
 */
final class KerasLayerNames {

    /** Keras's automatic layer-name prefixes of the layer types with weights. */
    private static final List<String> AUTO_NAMED = List.of("conv2d", "batch_normalization", "dense",
            "separable_conv2d", "depthwise_conv2d");
    private static final Pattern NUMBERED = Pattern.compile("(.+)_(\\d+)");
    /** Keras 2.2's ResNet50 block layers: res|bn, stage, block letter, branch (2a, 2b, 2c or 1). */
    private static final Pattern OLD_RESNET = Pattern.compile("(res|bn)([2-5])([a-f])_branch(2a|2b|2c|1)");

    private KerasLayerNames() {
    }

    /**
     * How the file's layer names map to the network's.
     *
     * @param fileToNetwork file name -> network name, for the renamed layers only
     * @param description   what was done, for reports, or null when nothing
     */
    record Renaming(Map<String, String> fileToNetwork, String description) {
    }

    /** The renaming that reads {@code fileNames} as the network's {@code netNames}; empty when none applies. */
    static Renaming renaming(Set<String> fileNames, Set<String> netNames) {
        Map<String, String> map = new LinkedHashMap<>();
        List<String> what = new ArrayList<>();
        Map<String, String> shift = oneBasedAutoNames(fileNames, netNames);
        if (!shift.isEmpty()) {
            map.putAll(shift);
            what.add(describe("automatic names numbered from 1 (Keras 2.0-2.2) read as numbered from 0", shift));
        }
        Map<String, String> resnet = keras22ResNet50Names(fileNames, netNames);
        if (!resnet.isEmpty()) {
            map.putAll(resnet);
            what.add(describe("Keras 2.2's ResNet50 names read as Keras 2.3's", resnet));
        }
        return new Renaming(map, what.isEmpty() ? null : String.join("; ", what));
    }

    private static String describe(String rule, Map<String, String> map) {
        Map.Entry<String, String> first = map.entrySet().iterator().next();
        return rule + " (" + map.size() + " layers, e.g. " + first.getKey() + " -> " + first.getValue() + ")";
    }

    /**
     * For each automatic prefix that the file numbers from 1 ({@code conv2d_1} present, {@code conv2d} absent) while
     * the network has {@code conv2d}: {@code <prefix>_k} becomes {@code <prefix>} for k = 1 and
     * {@code <prefix>_(k-1)} after.
     */
    static Map<String, String> oneBasedAutoNames(Set<String> fileNames, Set<String> netNames) {
        Map<String, String> shift = new LinkedHashMap<>();
        for (String prefix : AUTO_NAMED) {
            if (fileNames.contains(prefix) || !fileNames.contains(prefix + "_1") || !netNames.contains(prefix)) {
                continue;
            }
            for (String name : fileNames) {
                Matcher m = NUMBERED.matcher(name);
                if (m.matches() && m.group(1).equals(prefix)) {
                    int k = Integer.parseInt(m.group(2));
                    shift.put(name, k == 1 ? prefix : prefix + "_" + (k - 1));
                }
            }
        }
        return shift;
    }

    /** Keras 2.2's ResNet50 names -> Keras 2.3's, when the file has {@code res2a_branch2a} and the network not. */
    static Map<String, String> keras22ResNet50Names(Set<String> fileNames, Set<String> netNames) {
        Map<String, String> map = new LinkedHashMap<>();
        if (!fileNames.contains("res2a_branch2a") || !netNames.contains("conv2_block1_1_conv")) {
            return map;
        }
        for (String name : fileNames) {
            Matcher m = OLD_RESNET.matcher(name);
            if (m.matches()) {
                int block = m.group(3).charAt(0) - 'a' + 1;
                String branch = switch (m.group(4)) {
                    case "2a" -> "1";
                    case "2b" -> "2";
                    case "2c" -> "3";
                    default -> "0"; // the shortcut, "1"
                };
                map.put(name, "conv" + m.group(2) + "_block" + block + "_" + branch + "_"
                        + (m.group(1).equals("res") ? "conv" : "bn"));
            } else if (name.equals("conv1")) {
                map.put(name, "conv1_conv");
            } else if (name.equals("bn_conv1")) {
                map.put(name, "conv1_bn");
            } else if (name.equals("fc1000")) {
                map.put(name, "predictions");
            }
        }
        return map;
    }
}
