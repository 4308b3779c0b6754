package io.github.wisesrnet.benchmarks;

import io.github.wisesrnet.Head;
import io.github.wisesrnet.train.EpochMetrics;
import io.github.wisesrnet.app.compare.HeadResult;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.lines.SeriesLines;
import org.knowm.xchart.style.markers.SeriesMarkers;

import java.awt.Color;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Results of the same comparison repeated with several seeds: per head, the mean and spread of the best and the
 * final test top-1 over the seeds, the per-seed values, and learning curves (each seed thin, the mean thick).
 */
final class SeedStudy {

    private static final Color[] COLOURS = {new Color(0x1f77b4), new Color(0xd62728), new Color(0x2ca02c),
            new Color(0x9467bd), new Color(0xff7f0e), new Color(0x8c564b), new Color(0x17becf)};

    private final Map<Head, List<HeadResult>> runs = new LinkedHashMap<>();
    private final List<Long> seeds = new ArrayList<>();

    void add(long seed, List<HeadResult> results) {
        seeds.add(seed);
        for (HeadResult r : results) {
            runs.computeIfAbsent(r.head(), h -> new ArrayList<>()).add(r);
        }
    }

    List<Long> seeds() {
        return seeds;
    }

    /** Best test top-1 of each seed's run of {@code head}, in percent. */
    double[] best(Head head) {
        return runs.get(head).stream().mapToDouble(r -> 100 * r.best().testTop1()).toArray();
    }

    /** Final-epoch test top-1 of each seed's run of {@code head}, in percent. */
    double[] last(Head head) {
        return runs.get(head).stream().mapToDouble(r -> 100 * r.epochs().get(r.epochs().size() - 1).testTop1())
                .toArray();
    }

    static double mean(double[] v) {
        double s = 0;
        for (double x : v) {
            s += x;
        }
        return s / v.length;
    }

    /** Sample standard deviation (n - 1); 0 for a single value. */
    static double sd(double[] v) {
        if (v.length < 2) {
            return 0;
        }
        double m = mean(v);
        double s = 0;
        for (double x : v) {
            s += (x - m) * (x - m);
        }
        return Math.sqrt(s / (v.length - 1));
    }

    /** Markdown/CSV table (via BenchmarkTable) and {@code <name>-curves.png} under target/benchmarks. */
    void write(String name, String title, String notes) throws IOException {
        BenchmarkTable table = new BenchmarkTable("head", "seeds", "best top-1 mean %", "best top-1 sd",
                "final top-1 mean %", "final top-1 sd", "best top-1 per seed %", "final top-1 per seed %",
                "minutes per run (mean)");
        for (Map.Entry<Head, List<HeadResult>> e : runs.entrySet()) {
            double[] best = best(e.getKey());
            double[] last = last(e.getKey());
            double minutes = e.getValue().stream().mapToDouble(HeadResult::seconds).average().orElse(0) / 60;
            table.add(e.getKey().name(), e.getValue().size(), mean(best), sd(best), mean(last), sd(last),
                    join(best), join(last), minutes);
        }
        table.write(name, title, notes + " Seeds: " + seeds + ". Curves: " + name + "-curves.png.");
        writeCurves(Path.of("target", "benchmarks", name + "-curves.png"), title);
    }

    private static String join(double[] v) {
        StringBuilder sb = new StringBuilder();
        for (double x : v) {
            sb.append(sb.length() == 0 ? "" : " / ").append(String.format(Locale.ROOT, "%.2f", x));
        }
        return sb.toString();
    }

    private void writeCurves(Path file, String title) throws IOException {
        System.setProperty("java.awt.headless", "true");
        XYChart chart = new XYChartBuilder().width(900).height(600).title(title + ": test top-1 per epoch")
                .xAxisTitle("Epoch").yAxisTitle("Test top-1 (%)").build();
        chart.getStyler().setLegendPosition(org.knowm.xchart.style.Styler.LegendPosition.InsideSE);
        int colour = 0;
        for (Map.Entry<Head, List<HeadResult>> e : runs.entrySet()) {
            Color c = COLOURS[colour++ % COLOURS.length];
            List<HeadResult> results = e.getValue();
            int epochs = results.stream().mapToInt(r -> r.epochs().size()).min().orElse(0);
            double[] xs = new double[epochs];
            double[] mean = new double[epochs];
            for (int i = 0; i < results.size(); i++) {
                double[] ys = new double[epochs];
                for (int k = 0; k < epochs; k++) {
                    EpochMetrics m = results.get(i).epochs().get(k);
                    xs[k] = m.epoch();
                    ys[k] = 100 * m.testTop1();
                    mean[k] += ys[k] / results.size();
                }
                XYSeries s = chart.addSeries(e.getKey().name() + " seed " + seeds.get(i), xs, ys);
                s.setLineColor(new Color(c.getRed(), c.getGreen(), c.getBlue(), 90));
                s.setLineWidth(1f);
                s.setMarker(SeriesMarkers.NONE);
                s.setShowInLegend(false);
            }
            XYSeries s = chart.addSeries(e.getKey().name() + " (mean of " + results.size() + " seeds)", xs, mean);
            s.setLineColor(c);
            s.setMarkerColor(c);
            s.setLineWidth(3f);
            s.setLineStyle(SeriesLines.SOLID);
            s.setMarker(SeriesMarkers.CIRCLE);
        }
        Files.createDirectories(file.getParent());
        try (java.io.OutputStream out = Files.newOutputStream(file)) {
            BitmapEncoder.saveBitmap(chart, out, BitmapEncoder.BitmapFormat.PNG);
        }
    }
}
