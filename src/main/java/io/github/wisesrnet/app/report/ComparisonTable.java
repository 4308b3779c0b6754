package io.github.wisesrnet.app.report;

import io.github.wisesrnet.Head;
import io.github.wisesrnet.train.EpochMetrics;
import io.github.wisesrnet.app.compare.HeadResult;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The comparison of heads as a table, one row per training run, for the console ({@link #toText()}) and for
 * Markdown ({@link #toMarkdown()}).
 *
 * <p>Columns: head; total parameters; head parameters; the test top-1 % of the best epoch (chosen on validation
 * when the run has a validation split, else on test) with that epoch; final test top-1 %; mean test top-1 % of the
 * last min(5, epochs) epochs; "epochs to GAP's best" (the first epoch whose test top-1 reaches the test top-1 of the
 * best epoch of the GAP run with the same seed, "-" if it never does or if there is no such GAP run); wall time.
 * Numbers are formatted with {@link java.util.Locale#ROOT}.
 */
public final class ComparisonTable {

    /** At most this many final epochs are averaged in the "mean top-1" column. */
    public static final int LAST_EPOCHS_AVERAGED = 5;

    private final TextTable table;

    private ComparisonTable(TextTable table) {
        this.table = table;
    }

    /**
     * Builds the table.
     *
     * @param results one result per run, each with at least one epoch; rows keep this order
     * @throws IllegalArgumentException if a result has no epochs
     */
    public static ComparisonTable of(List<HeadResult> results) {
        Objects.requireNonNull(results, "results");
        for (HeadResult result : results) {
            requireEpochs(result);
        }
        HeadLabels labels = HeadLabels.of(results);
        int lastEpochs = averagedEpochs(results);
        List<String> header = List.of("Head", "Parameters", "Head params", bestTitle(results), "Final top-1 %",
                "Mean top-1 % (last " + lastEpochs + ")", "Epochs to GAP's best", "Time");
        List<List<String>> rows = new ArrayList<>();
        for (int i = 0; i < results.size(); i++) {
            HeadResult result = results.get(i);
            EpochMetrics best = result.best();
            int own = Math.min(LAST_EPOCHS_AVERAGED, result.epochs().size());
            String mean = Formats.percent(meanLastTop1(result, own)) + (own < lastEpochs ? " (last " + own + ")" : "");
            rows.add(List.of(
                    labels.label(i),
                    Formats.thousands(result.parameters()),
                    Formats.thousands(result.headParameters()),
                    Formats.percent(best.testTop1()) + " (ep " + best.epoch() + ")",
                    Formats.percent(result.last().testTop1()),
                    mean,
                    gapResult(results, result.seed()).map(g -> epochsToReach(result, g)).orElse("-"),
                    Formats.duration(result.seconds())));
        }
        return new ComparisonTable(new TextTable(header, rows));
    }

    /**
     * Title of the "best" column: "Top-1 % at best val. epoch" when every run chose its best epoch on a validation
     * split, "Best top-1 % (on test)" when none did, "Best top-1 %" for a mix.
     */
    static String bestTitle(List<HeadResult> results) {
        long onValidation = results.stream().filter(HeadResult::chosenOnValidation).count();
        return onValidation == results.size() ? "Top-1 % at best val. epoch"
                : onValidation == 0 ? "Best top-1 % (on test)" : "Best top-1 %";
    }

    /** The GAP run with the given seed (with several seeds, each run is compared with GAP's run of its seed). */
    static Optional<HeadResult> gapResult(List<HeadResult> results, long seed) {
        return results.stream().filter(r -> r.head() == Head.GAP && r.seed() == seed).findFirst();
    }

    /** The first GAP run among the results, the baseline of the comparison. */
    public static Optional<HeadResult> gapResult(List<HeadResult> results) {
        return results.stream().filter(r -> r.head() == Head.GAP).findFirst();
    }

    /** Mean test top-1 of the last {@code count} epochs of a result. */
    static double meanLastTop1(HeadResult result, int count) {
        List<EpochMetrics> epochs = result.epochs();
        double sum = 0;
        for (EpochMetrics e : epochs.subList(epochs.size() - count, epochs.size())) {
            sum += e.testTop1();
        }
        return sum / count;
    }

    static void requireEpochs(HeadResult result) {
        Objects.requireNonNull(result, "result");
        if (result.epochs() == null || result.epochs().isEmpty()) {
            throw new IllegalArgumentException("Result of head " + result.head() + " has no epochs to report");
        }
    }

    static int averagedEpochs(List<HeadResult> results) {
        int most = results.stream().mapToInt(r -> r.epochs().size()).max().orElse(LAST_EPOCHS_AVERAGED);
        return Math.min(LAST_EPOCHS_AVERAGED, most);
    }

    private static String epochsToReach(HeadResult result, HeadResult gap) {
        int epoch = result.firstEpochReaching(gap.best().testTop1());
        return epoch < 0 ? "-" : Integer.toString(epoch);
    }

    /** Column titles. */
    public List<String> header() {
        return table.header();
    }

    /** Formatted cells, one list per result, in the order of the results. */
    public List<List<String>> rows() {
        return table.rows();
    }

    /** Fixed-width text for the console, one line per row, ending with a line break. */
    public String toText() {
        return table.toText();
    }

    /** The same table as a Markdown pipe table. */
    public String toMarkdown() {
        return table.toMarkdown();
    }

    @Override
    public String toString() {
        return toText();
    }
}
