package io.github.wisesrnet.app.report;

import io.github.wisesrnet.train.EpochMetrics;
import io.github.wisesrnet.app.compare.HeadResult;
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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import io.github.wisesrnet.Head;
import java.util.Locale;
import java.util.function.ToDoubleFunction;

/**
 * Line charts of the training curves, one colour per head: test values solid (with markers up to 30 epochs), training
 * values dashed. Non-finite values (a diverged loss) are left out of the lines. With several seeds, one mean curve
 * per head with error bars of one standard deviation across seeds.
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
        boolean trainMeasured = results.stream().flatMap(r -> r.epochs().stream())
                .anyMatch(e -> Double.isFinite(e.trainAccuracy()));
        XYChart chart = chart(trainMeasured ? "Test top-1 (solid) and train accuracy (dashed)"
                : "Test top-1 (train accuracy not measured: parallel or Spark training)", "Accuracy (%)");
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
        if (SeedStatistics.of(results).severalSeeds()) {
            addMeanCurves(chart, results, test, train);
            return;
        }
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

    /**
     * Several seeds: per head, the mean over seeds at each epoch (test solid, with error bars of one standard
     * deviation across seeds; train dashed). The chart title says so.
     */
    private static void addMeanCurves(XYChart chart, List<HeadResult> results, ToDoubleFunction<EpochMetrics> test,
            ToDoubleFunction<EpochMetrics> train) {
        chart.setTitle(chart.getTitle() + ": mean of " + SeedStatistics.of(results).seeds().size()
                + " seeds, bars ± 1 sd");
        chart.getStyler().setErrorBarsColorSeriesColor(true);
        Map<Head, List<HeadResult>> byHead = new LinkedHashMap<>();
        results.forEach(r -> byHead.computeIfAbsent(r.head(), h -> new ArrayList<>()).add(r));
        List<HeadResult> firstOfEach = byHead.values().stream().map(runs -> runs.get(0)).toList();
        List<Color> colours = HeadColours.of(firstOfEach);
        int maxEpoch = 1;
        int index = 0;
        for (Map.Entry<Head, List<HeadResult>> e : byHead.entrySet()) {
            Color colour = colours.get(index++);
            String name = HeadLabels.cliName(e.getKey()) + " (" + e.getValue().size() + " seeds)";
            int epochs = e.getValue().stream().mapToInt(r -> r.epochs().size()).max().orElse(0);
            maxEpoch = Math.max(maxEpoch, epochs);
            for (boolean dashed : new boolean[]{false, true}) {
                ToDoubleFunction<EpochMetrics> value = dashed ? train : test;
                List<Double> xs = new ArrayList<>();
                List<Double> means = new ArrayList<>();
                List<Double> sds = new ArrayList<>();
                for (int epoch = 1; epoch <= epochs; epoch++) {
                    int at = epoch - 1;
                    double[] values = e.getValue().stream().filter(r -> r.epochs().size() > at)
                            .mapToDouble(r -> value.applyAsDouble(r.epochs().get(at))).filter(Double::isFinite)
                            .toArray();
                    if (values.length > 0) {
                        SeedStatistics.Spread spread = SeedStatistics.Spread.of(values);
                        xs.add((double) epoch);
                        means.add(spread.mean());
                        sds.add(Double.isNaN(spread.sd()) ? 0.0 : spread.sd());
                    }
                }
                if (xs.isEmpty()) {
                    continue;
                }
                XYSeries series = dashed ? chart.addSeries(name + " (train)", xs, means)
                        : chart.addSeries(name, xs, means, sds);
                series.setLineColor(colour);
                series.setMarkerColor(colour);
                series.setLineWidth(2f);
                series.setLineStyle(dashed ? SeriesLines.DASH_DASH : SeriesLines.SOLID);
                series.setMarker(dashed || xs.size() > MAX_EPOCHS_WITH_MARKERS ? SeriesMarkers.NONE
                        : SeriesMarkers.CIRCLE);
                series.setShowInLegend(!dashed);
            }
        }
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
        if (xs.isEmpty()) { // not measured (training accuracy of parallel runs) or never finite
            return;
        }
        if (xs.size() < epochs.size()) {
            log.warn("Series '{}' has {} non-finite values out of {}; they are left out of the chart", name,
                    epochs.size() - xs.size(), epochs.size());
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
