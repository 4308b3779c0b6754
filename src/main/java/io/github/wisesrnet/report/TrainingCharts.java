package io.github.wisesrnet.report;

import io.github.wisesrnet.train.EpochMetrics;
import io.github.wisesrnet.train.HeadResult;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.XYStyler;
import org.knowm.xchart.style.lines.SeriesLines;
import org.knowm.xchart.style.markers.SeriesMarkers;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.awt.Color;
import java.awt.Font;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.ToDoubleFunction;

/**
 * Line charts of the training curves, one colour per head: test values solid (with markers up to 30 epochs), training
 * values dashed. Non-finite values (a diverged loss) are left out of the lines.
 */
final class TrainingCharts {

    private static final Logger log = LoggerFactory.getLogger(TrainingCharts.class);

    static final int WIDTH = 900;
    static final int HEIGHT = 600;
    /** Longer test curves are drawn without markers, which would merge into a thick line. */
    private static final int MAX_EPOCHS_WITH_MARKERS = 30;

    private TrainingCharts() {
    }

    /** Test top-1 (solid) and training accuracy (dashed) in percent per epoch. */
    static void writeAccuracy(Path file, List<HeadResult> results) throws IOException {
        XYChart chart = chart("Test top-1 (solid) and train accuracy (dashed)", "Accuracy (%)");
        addCurves(chart, results, e -> 100 * e.testTop1(), e -> 100 * e.trainAccuracy());
        save(chart, file);
    }

    /** Test loss (solid) and training loss (dashed) per epoch. */
    static void writeLoss(Path file, List<HeadResult> results) throws IOException {
        XYChart chart = chart("Test loss (solid) and train loss (dashed)", "Loss");
        addCurves(chart, results, EpochMetrics::testLoss, EpochMetrics::trainLoss);
        save(chart, file);
    }

    private static XYChart chart(String title, String yTitle) {
        XYChart chart = new XYChartBuilder().width(WIDTH).height(HEIGHT).title(title).xAxisTitle("Epoch")
                .yAxisTitle(yTitle).build();
        XYStyler styler = chart.getStyler();
        styler.setLegendPosition(Styler.LegendPosition.OutsideE);
        styler.setLegendBorderColor(Color.LIGHT_GRAY);
        styler.setLegendFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));
        styler.setChartBackgroundColor(Color.WHITE);
        styler.setChartTitleFont(new Font(Font.SANS_SERIF, Font.BOLD, 16));
        styler.setAxisTitleFont(new Font(Font.SANS_SERIF, Font.PLAIN, 14));
        styler.setAxisTickLabelsFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        styler.setPlotBackgroundColor(Color.WHITE);
        styler.setPlotGridLinesColor(new Color(0xE0E0E0));
        styler.setPlotBorderColor(Color.GRAY);
        styler.setMarkerSize(7);
        styler.setLocale(Locale.ROOT);
        styler.setXAxisDecimalPattern("0");
        styler.setYAxisDecimalPattern("0.##");
        return chart;
    }

    private static void addCurves(XYChart chart, List<HeadResult> results, ToDoubleFunction<EpochMetrics> test,
            ToDoubleFunction<EpochMetrics> train) {
        HeadLabels labels = HeadLabels.of(results);
        List<Color> colours = HeadColours.of(results);
        int maxEpoch = 1;
        for (int i = 0; i < results.size(); i++) {
            List<EpochMetrics> epochs = results.get(i).epochs();
            Color colour = colours.get(i);
            addSeries(chart, labels.label(i), epochs, test, colour, false);
            addSeries(chart, labels.label(i) + " (train)", epochs, train, colour, true);
            for (EpochMetrics e : epochs) {
                maxEpoch = Math.max(maxEpoch, e.epoch());
            }
        }
        // Epochs start at 1; a single epoch still gets an axis from 1 to 2.
        XYStyler styler = chart.getStyler();
        styler.setXAxisMin(1.0);
        styler.setXAxisMax((double) Math.max(2, maxEpoch));
    }

    private static void addSeries(XYChart chart, String name, List<EpochMetrics> epochs,
            ToDoubleFunction<EpochMetrics> value, Color colour, boolean dashed) {
        List<Double> xs = new ArrayList<>();
        List<Double> ys = new ArrayList<>();
        for (EpochMetrics e : epochs) {
            double y = value.applyAsDouble(e);
            if (Double.isFinite(y)) {
                xs.add((double) e.epoch());
                ys.add(y);
            }
        }
        if (xs.size() < epochs.size()) {
            log.warn("Series '{}' has {} non-finite values out of {}; they are left out of the chart", name,
                    epochs.size() - xs.size(), epochs.size());
        }
        if (xs.isEmpty()) {
            return;
        }
        XYSeries series = chart.addSeries(name, xs, ys);
        series.setLineColor(colour);
        series.setMarkerColor(colour);
        series.setLineWidth(2f);
        series.setLineStyle(dashed ? SeriesLines.DASH_DASH : SeriesLines.SOLID);
        // Markers show the epochs while there are few; a lone training point needs one to be seen at all.
        boolean markers = dashed ? xs.size() == 1 : xs.size() <= MAX_EPOCHS_WITH_MARKERS;
        series.setMarker(markers ? (dashed ? SeriesMarkers.DIAMOND : SeriesMarkers.CIRCLE) : SeriesMarkers.NONE);
        series.setShowInLegend(!dashed);
    }

    private static void save(XYChart chart, Path file) throws IOException {
        try (OutputStream out = Files.newOutputStream(file)) {
            BitmapEncoder.saveBitmap(chart, out, BitmapEncoder.BitmapFormat.PNG);
        }
    }
}
