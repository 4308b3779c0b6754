package io.github.wisesrnet.app.report;

import io.github.wisesrnet.Head;
import io.github.wisesrnet.app.compare.HeadResult;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.GraphicsEnvironment;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ComparisonReportTest {

    // 6 classes; GAP has NaN top-5 as it would with 5 classes or fewer.
    private static final HeadResult GAP = SyntheticResults.result(Head.GAP, 6, false, 0.40, 0.50, 0.60, 0.60);
    private static final HeadResult WISE = SyntheticResults.result(Head.WISE_SRNET, 6, true, 0.45, 0.60, 0.75, 0.55);
    private static final HeadResult DEPTHWISE = SyntheticResults.result(Head.DEPTHWISE, 6, true, 0.30, 0.40, 0.55,
            0.50);

    /** The three-head report, written once for the tests that only read it. */
    private static ReportFiles files;

    @TempDir
    static Path shared;

    @TempDir
    Path tmp;

    @BeforeAll
    static void writeThreeHeads() throws IOException {
        files = ComparisonReport.write(shared.resolve("reports/run-1"), SyntheticResults.metadata(
                List.of("bad/one.jpg: not an image", "bad/two.png: truncated")), List.of(GAP, WISE, DEPTHWISE));
    }

    @Test
    void writesAllFilesIntoANewDirectory() throws IOException {
        Path dir = shared.resolve("reports/run-1");

        assertEquals(List.of(dir.resolve("summary.md"), dir.resolve("epochs.csv"), dir.resolve("accuracy.png"),
                        dir.resolve("loss.png"), dir.resolve("confusion-gap.png"),
                        dir.resolve("confusion-wise-srnet.png"), dir.resolve("confusion-depthwise.png")),
                files.all());
        for (Path file : files.all()) {
            assertTrue(Files.size(file) > 0, file + " is empty");
        }
    }

    @Test
    void csvHasOneRecordPerHeadAndEpoch() throws IOException {
        List<String> lines = Files.readAllLines(files.epochsCsv(), StandardCharsets.UTF_8);

        assertEquals("head,epoch,learning_rate,train_loss,train_accuracy,test_loss,test_top1,test_top5,seconds,"
                + "images_per_second,val_loss,val_top1", lines.get(0));
        assertEquals(1 + 3 * 4, lines.size());
        String[] gapThird = lines.get(3).split(",", -1);
        assertEquals(12, gapThird.length);
        assertEquals("", gapThird[10], "no validation split: empty field");
        assertEquals("gap", gapThird[0]);
        assertEquals(3, Integer.parseInt(gapThird[1]));
        assertEquals(0.60, Double.parseDouble(gapThird[6]), 1e-12);
        assertEquals("", gapThird[7], "NaN top-5 is an empty field");
        String[] wiseFirst = lines.get(5).split(",", -1);
        assertEquals("wise-srnet", wiseFirst[0]);
        assertEquals(0.65, Double.parseDouble(wiseFirst[7]), 1e-12);
        assertEquals(250.5, Double.parseDouble(wiseFirst[9]), 1e-12);
    }

    @Test
    void summaryHasSetupTableDifferenceAndSkippedFiles() throws IOException {
        String summary = Files.readString(files.summary(), StandardCharsets.UTF_8);

        assertTrue(summary.startsWith("# Wise-SrNet vs GAP on synthetic data\n"), summary);
        assertTrue(summary.contains("- **Machine:** 2 cores, Linux, Java 17, ND4J CpuBackend"), summary);
        assertTrue(summary.contains("- **Input:** 64 x 48"), summary);
        assertTrue(summary.contains("- **Started:** 2024-05-01T10:15:30Z"), summary);
        assertTrue(summary.contains("```\njava -jar wise-srnet.jar compare --heads gap,wise-srnet --epochs 4\n```"),
                summary);
        assertTrue(summary.contains(ComparisonTable.of(List.of(GAP, WISE, DEPTHWISE)).toMarkdown()), summary);
        assertTrue(summary.contains("Wise-SrNet's best top-1 is 15.00 points above GAP's (75.00 % vs 60.00 %). "
                + "Its final top-1 is 5.00 points below GAP's (55.00 % vs 60.00 %)."), summary);
        assertTrue(summary.contains("![Test top-1 (solid) and train accuracy (dashed) per epoch](accuracy.png)"));
        assertTrue(summary.contains("](loss.png)"));
        assertTrue(summary.contains("](confusion-wise-srnet.png)"));
        assertTrue(summary.contains("| Class | Test images | gap % | wise-srnet % | depthwise % |"), summary);
        assertTrue(summary.contains("| class_0 | 10 | "), summary);
        assertTrue(summary.contains("## Skipped files (2)\n\n- `bad/one.jpg: not an image`\n"
                + "- `bad/two.png: truncated`"), summary);
    }

    @Test
    void differenceFallsBackToTheFirstNonGapHeadAndStatesEquality() {
        HeadResult same = SyntheticResults.result(Head.DEPTHWISE_NONNEG, 6, true, 0.50, 0.60, 0.60, 0.60);

        String summary = summary(List.of(GAP, same));

        assertTrue(summary.contains("Depthwise (non-negative)'s best top-1 is the same as GAP's (60.00 % vs 60.00 %). "
                + "Its final top-1 is the same as GAP's"), summary);
        assertFalse(summary.contains("## Skipped files"), summary);
        assertTrue(summary.contains("- **Skipped files:** none"), summary);
    }

    @Test
    void differenceBelowGapIsStatedAsBelow() {
        HeadResult lower = SyntheticResults.result(Head.WISE_SRNET, 6, true, 0.30, 0.40, 0.58, 0.59);

        String summary = summary(List.of(DEPTHWISE, GAP, lower));

        assertTrue(summary.contains("Wise-SrNet's best top-1 is 1.00 points below GAP's (59.00 % vs 60.00 %). "
                + "Its final top-1 is 1.00 points below GAP's (59.00 % vs 60.00 %)."), summary);
    }

    @Test
    void noDifferenceSentenceWithoutGap() {
        String summary = summary(List.of(WISE, DEPTHWISE));

        assertFalse(summary.contains("GAP's ("), summary);
    }

    private static String summary(List<HeadResult> results) {
        Map<Integer, String> confusion = new LinkedHashMap<>();
        for (int i = 0; i < results.size(); i++) {
            confusion.put(i, "confusion-" + i + ".png");
        }
        return SummaryMarkdown.build(SyntheticResults.metadata(null), results, "accuracy.png", "loss.png", confusion,
                java.util.Map.of());
    }

    @Test
    void chartsDecodeAtTheirSizeAndAreNotBlank() throws IOException {
        for (Path chart : List.of(files.accuracyChart(), files.lossChart())) {
            BufferedImage image = decode(chart);
            assertEquals(900, image.getWidth(), chart.toString());
            assertEquals(600, image.getHeight(), chart.toString());
            assertNotBlank(image, chart);
        }
        for (Path chart : files.confusionCharts()) {
            assertNotBlank(decode(chart), chart);
        }
    }

    @Test
    void chartsNeedNoDisplaySetting() {
        // The library leaves java.awt.headless alone (NoSurprisesTest; the command line sets it). Without a display
        // Java is headless by itself, and the charts of the other tests are drawn in this JVM all the same.
        if (System.getenv("DISPLAY") == null) {
            assertTrue(GraphicsEnvironment.isHeadless());
        }
        assertNull(System.getProperty("java.awt.headless"), "nothing in the library sets it");
    }

    @Test
    void confusionMatrixOfSeventyClassesRenders() throws IOException {
        List<String> names = new ArrayList<>();
        for (int c = 0; c < 70; c++) {
            names.add("a rather long class name " + c);
        }
        HeadResult many = SyntheticResults.result(Head.WISE_SRNET, names, true, 0.7);
        Path chart = tmp.resolve("confusion-wise-srnet.png");

        ConfusionMatrixImage.write(chart, "wise-srnet", many.last(), names);

        BufferedImage image = decode(chart);
        assertTrue(image.getWidth() >= 70 * 8 && image.getHeight() >= 70 * 8,
                image.getWidth() + "x" + image.getHeight());
        assertNotBlank(image, chart);
    }

    @Test
    void rejectsAnEmptyComparison() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ComparisonReport.write(tmp, SyntheticResults.metadata(null), List.of()));
        assertTrue(e.getMessage().contains("No head results"), e.getMessage());
    }

    private static BufferedImage decode(Path png) throws IOException {
        BufferedImage image = ImageIO.read(png.toFile());
        assertNotNull(image, png + " does not decode as an image");
        return image;
    }

    /** Fails if the image's luminance has (almost) no variance, i.e. it is a blank canvas. */
    private static void assertNotBlank(BufferedImage image, Path file) {
        double sum = 0;
        double sumSquares = 0;
        int n = 0;
        for (int y = 0; y < image.getHeight(); y += 2) {
            for (int x = 0; x < image.getWidth(); x += 2) {
                int rgb = image.getRGB(x, y);
                double luminance = 0.299 * (rgb >> 16 & 0xFF) + 0.587 * (rgb >> 8 & 0xFF) + 0.114 * (rgb & 0xFF);
                sum += luminance;
                sumSquares += luminance * luminance;
                n++;
            }
        }
        double mean = sum / n;
        double variance = sumSquares / n - mean * mean;
        assertTrue(variance > 50, file + " looks blank: luminance variance " + variance);
    }
}
