package io.github.wisesrnet.app.report;

import io.github.wisesrnet.Head;
import io.github.wisesrnet.app.compare.HeadResult;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ComparisonTableTest {

    private static final int HEAD = 0;
    private static final int PARAMETERS = 1;
    private static final int HEAD_PARAMETERS = 2;
    private static final int BEST = 3;
    private static final int FINAL = 4;
    private static final int MEAN = 5;
    private static final int TO_GAP_BEST = 6;
    private static final int TIME = 7;

    // GAP's best is 0.60, first reached in epoch 3; Wise-SrNet reaches 0.60 in epoch 2; depthwise never does.
    private final HeadResult gap = SyntheticResults.result(Head.GAP, 3, false, 0.40, 0.50, 0.60, 0.60);
    private final HeadResult wise = SyntheticResults.result(Head.WISE_SRNET, 3, false, 0.45, 0.60, 0.75, 0.70);
    private final HeadResult depthwise = SyntheticResults.result(Head.DEPTHWISE, 3, false, 0.30, 0.40, 0.55, 0.50);

    @Test
    void rowsHoldTheFormattedValues() {
        ComparisonTable table = ComparisonTable.of(List.of(gap, wise, depthwise));

        assertEquals(List.of("Head", "Parameters", "Head params", "Best top-1 % (on test)", "Final top-1 %",
                "Mean top-1 % (last 4)", "Epochs to GAP's best", "Time"), table.header());
        List<String> wiseRow = table.rows().get(1);
        assertEquals("wise-srnet", wiseRow.get(HEAD));
        assertEquals("1,234,571", wiseRow.get(PARAMETERS));
        assertEquals("2,052", wiseRow.get(HEAD_PARAMETERS));
        assertEquals("75.00 (ep 3)", wiseRow.get(BEST));
        assertEquals("70.00", wiseRow.get(FINAL));
        assertEquals("62.50", wiseRow.get(MEAN));
        assertEquals("3m12s", wiseRow.get(TIME));
    }

    @Test
    void epochsToGapsBestCountsFromTheGapRunsBest() {
        List<List<String>> rows = ComparisonTable.of(List.of(gap, wise, depthwise)).rows();

        assertEquals("3", rows.get(0).get(TO_GAP_BEST), "GAP row: its own best epoch (earliest of the tie)");
        assertEquals("2", rows.get(1).get(TO_GAP_BEST), "Wise-SrNet first reaches 60 % in epoch 2");
        assertEquals("-", rows.get(2).get(TO_GAP_BEST), "depthwise never reaches 60 %");
    }

    @Test
    void epochsToGapsBestIsDashWithoutGap() {
        List<List<String>> rows = ComparisonTable.of(List.of(wise, depthwise)).rows();

        assertEquals("-", rows.get(0).get(TO_GAP_BEST));
        assertEquals("-", rows.get(1).get(TO_GAP_BEST));
    }

    @Test
    void meanCoversAtMostTheLastFiveEpochs() {
        HeadResult seven = SyntheticResults.result(Head.GAP, 3, false, 0.0, 0.0, 0.5, 0.5, 0.5, 0.5, 0.5);
        HeadResult two = SyntheticResults.result(Head.WISE_SRNET, 3, false, 0.2, 0.4);

        ComparisonTable table = ComparisonTable.of(List.of(seven, two));

        assertEquals("Mean top-1 % (last 5)", table.header().get(MEAN));
        assertEquals("50.00", table.rows().get(0).get(MEAN));
        assertEquals("30.00 (last 2)", table.rows().get(1).get(MEAN));
    }

    @Test
    void repeatedHeadsGetDistinctLabels() {
        List<List<String>> rows = ComparisonTable.of(List.of(gap, gap)).rows();

        assertEquals("gap", rows.get(0).get(HEAD));
        assertEquals("gap-2", rows.get(1).get(HEAD));
    }

    @Test
    void textTableAlignsColumns() {
        String text = ComparisonTable.of(List.of(gap, wise, depthwise)).toText();
        List<String> lines = text.lines().toList();

        assertEquals(5, lines.size(), text);
        assertTrue(lines.get(0).startsWith("Head "), text);
        assertTrue(lines.get(1).matches("-+( +-+)+"), "rule under the header: " + lines.get(1));
        assertTrue(lines.get(3).startsWith("wise-srnet "), text);
        // Numbers are right-aligned: every row ends in its time at the same column.
        int end = lines.get(0).length();
        for (String line : lines) {
            assertEquals(end, line.length(), "line length of '" + line + "'");
        }
    }

    @Test
    void markdownIsAPipeTableWithTheSameCells() {
        String markdown = ComparisonTable.of(List.of(gap, wise)).toMarkdown();
        List<String> lines = markdown.lines().toList();

        assertEquals("| Head | Parameters | Head params | Best top-1 % (on test) | Final top-1 % | Mean top-1 % (last 4) "
                + "| Epochs to GAP's best | Time |", lines.get(0));
        assertEquals("| :--- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |", lines.get(1));
        assertEquals("| wise-srnet | 1,234,571 | 2,052 | 75.00 (ep 3) | 70.00 | 62.50 | 2 | 3m12s |", lines.get(3));
    }

    @Test
    void resultWithoutEpochsIsRejected() {
        HeadResult empty = new HeadResult(Head.GAP, 1, 1, List.of(), List.of("a"), 0, 1);

        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ComparisonTable.of(List.of(empty)));
        assertTrue(e.getMessage().contains("GAP"), e.getMessage());
    }

    @Test
    void durationsAndCountsFormatWithoutLocale() {
        assertEquals("4.2s", Formats.duration(4.24));
        assertEquals("45s", Formats.duration(45.2));
        assertEquals("1m00s", Formats.duration(59.7));
        assertEquals("3m12s", Formats.duration(192));
        assertEquals("1h02m03s", Formats.duration(3723));
        assertEquals("12,345,678", Formats.thousands(12_345_678));
        assertEquals("77.70", Formats.percent(0.777));
        assertEquals("-", Formats.percent(Double.NaN));
    }
}
