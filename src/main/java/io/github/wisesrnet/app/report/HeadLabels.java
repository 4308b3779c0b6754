package io.github.wisesrnet.app.report;

import io.github.wisesrnet.Head;
import io.github.wisesrnet.app.compare.HeadResult;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Names of the heads in one report. A result's label is its head's command-line name ("wise-srnet"), with the
 * seed when the results have several ("wise-srnet-s2"); when a label would appear more than once the later ones get
 * "-2", "-3", so labels stay unique in tables, chart legends and file names.
 */
final class HeadLabels {

    private final List<String> labels;

    private HeadLabels(List<String> labels) {
        this.labels = labels;
    }

    static HeadLabels of(List<HeadResult> results) {
        List<String> labels = new ArrayList<>();
        Set<String> used = new HashSet<>();
        boolean severalSeeds = results.stream().map(HeadResult::seed).distinct().count() > 1;
        for (HeadResult result : results) {
            String base = cliName(result.head()) + (severalSeeds ? "-s" + result.seed() : "");
            String label = base;
            for (int n = 2; !used.add(label); n++) {
                label = base + "-" + n;
            }
            labels.add(label);
        }
        return new HeadLabels(List.copyOf(labels));
    }

    /** Unique label of the i-th result. */
    String label(int i) {
        return labels.get(i);
    }

    /** The head's name as typed on the command line and used in file names: "wise-srnet". */
    static String cliName(Head head) {
        return head.cliName();
    }

    /** The head's name for prose: "Wise-SrNet", "GAP + dropout". */
    static String displayName(Head head) {
        return switch (head.name()) {
            case "GAP" -> "GAP";
            case "GAP_DROPOUT" -> "GAP + dropout";
            case "DEPTHWISE" -> "Depthwise";
            case "DEPTHWISE_NONNEG" -> "Depthwise (non-negative)";
            case "WISE_SRNET" -> "Wise-SrNet";
            case "WISE_SRNET_DROPOUT" -> "Wise-SrNet + dropout";
            case "FLATTEN_FC" -> "Flatten + FC";
            default -> cliName(head);
        };
    }
}
