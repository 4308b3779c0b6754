package io.github.wisesrnet.benchmarks;

import io.github.wisesrnet.app.report.Csv;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/** Collects benchmark rows and writes them as Markdown and CSV under target/benchmarks. */
final class BenchmarkTable {

    private final List<String> header;
    private final List<List<String>> rows = new ArrayList<>();

    BenchmarkTable(String... header) {
        this.header = List.of(header);
    }

    void add(Object... cells) {
        List<String> row = new ArrayList<>();
        for (Object c : cells) {
            row.add(c instanceof Double d ? String.format(Locale.ROOT, "%.3f", d) : String.valueOf(c));
        }
        rows.add(row);
    }

    String markdown() {
        StringBuilder sb = new StringBuilder("| " + String.join(" | ", header) + " |\n|");
        header.forEach(h -> sb.append("---|"));
        sb.append('\n');
        rows.forEach(r -> sb.append("| ").append(String.join(" | ", r)).append(" |\n"));
        return sb.toString();
    }

    void write(String name, String title, String notes) throws IOException {
        Path dir = Path.of("target", "benchmarks");
        Files.createDirectories(dir);
        Files.writeString(dir.resolve(name + ".md"), "# " + title + "\n\n" + notes + "\n\n" + markdown());
        StringBuilder csv = new StringBuilder(Csv.record(header));
        rows.forEach(r -> csv.append(Csv.record(r)));
        Files.writeString(dir.resolve(name + ".csv"), csv.toString());
        System.out.println("# " + title + "\n" + notes + "\n" + markdown());
    }

    static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    static String machine() {
        return Runtime.getRuntime().availableProcessors() + " cores, " + System.getProperty("os.name") + " "
                + System.getProperty("os.arch") + ", Java " + System.getProperty("java.version");
    }
}
