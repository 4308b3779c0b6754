package io.github.wisesrnet.app.cli;

import io.github.wisesrnet.Head;
import io.github.wisesrnet.backbones.Backbone;
import io.github.wisesrnet.data.ClassificationData;
import io.github.wisesrnet.data.DataSpec;
import io.github.wisesrnet.app.report.AttributionSample;
import io.github.wisesrnet.app.report.ComparisonReport;
import io.github.wisesrnet.app.report.ComparisonTable;
import io.github.wisesrnet.app.report.ReportFiles;
import io.github.wisesrnet.app.report.ReportMetadata;
import io.github.wisesrnet.app.report.SeedStatistics;
import io.github.wisesrnet.app.report.Verdict;
import io.github.wisesrnet.app.compare.Comparison;
import io.github.wisesrnet.app.compare.HeadResult;
import io.github.wisesrnet.train.TrainingConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/** Trains each chosen head on the same backbone, data, seed and schedule, prints a table, writes a report. */
@Command(name = "compare", mixinStandardHelpOptions = true,
        description = {"Train GAP and Wise-SrNet (or any of the paper's heads) on the same backbone, data, seed and"
                + " schedule; print a table and write a report folder (summary.md, epochs.csv, learning curves,"
                + " confusion matrices, and what each head looks at on the same test images, as PNG).",
                "With no options it runs on the generated spatial data set (classes differ only by where a pattern"
                        + " sits) with a tiny CNN: a few minutes on 2 cores."})
final class CompareCommand implements Callable<Integer> {

    @Mixin
    DataOptions dataOptions;

    @Mixin
    TrainingOptions trainingOptions;

    @Option(names = "--heads", paramLabel = "LIST", defaultValue = "gap,wise-srnet",
            description = "Comma-separated heads, or 'all' for the paper's ablations: "
                    + "gap, gap-dropout, depthwise, depthwise-nonneg, wise-srnet, wise-srnet-dropout, flatten-fc."
                    + " Default: ${DEFAULT-VALUE}.")
    String heads;

    @Option(names = "--seeds", paramLabel = "LIST",
            description = "Comma-separated seeds, e.g. 1,2,3: every head is trained once per seed (a seed gives"
                    + " every head the same backbone initialization, batches and augmentation), and the table adds"
                    + " mean, spread and the paired difference to GAP with a 95%% interval. Replaces --seed; the data"
                    + " (generated set, --test-fraction split) comes from the first seed. Default: --seed alone.")
    String seeds;

    @Option(names = "--name", paramLabel = "NAME", description = "Run name. Default: compare-<date-time>.")
    String name;

    @Option(names = "--out", paramLabel = "DIR", description = "Report folder. Default: reports/<name>.")
    Path out;

    @Option(names = "--models", paramLabel = "DIR", description = "Checkpoint folder. Default: models/<name>.")
    Path models;

    @Option(names = "--no-checkpoints", description = "Do not save checkpoints.")
    boolean noCheckpoints;

    @Option(names = "--resume", description = "Continue the runs saved under --models (or models/<name>).")
    boolean resume;

    @Override
    public Integer call() throws Exception {
        List<Head> headList = parseHeads(heads);
        String runName = name != null ? name
                : "compare-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
        if (resume && name == null && models == null) {
            throw new IllegalArgumentException("--resume needs the run to continue: give --name NAME or --models DIR.");
        }
        Path reportDir = out != null ? out : Path.of("reports", runName);
        Path modelDir = noCheckpoints ? null : models != null ? models : Path.of("models", runName);

        TrainingConfig config = trainingOptions.config(dataOptions.images());
        List<Long> seedList = seeds == null ? List.of(config.seed()) : parseSeeds(seeds);
        config = config.withSeed(seedList.get(0));
        boolean severalSeeds = seedList.size() > 1;
        Backbone backbone = trainingOptions.backbone(dataOptions.images());
        Instant started = Instant.now();
        DataSpec spec = trainingOptions.checkedDataSpec(dataOptions, config, backbone, resume);
        ClassificationData data = spec.load(dataOptions.workers());
        System.out.println("Data: " + data.description());
        System.out.println("Backbone: " + backbone.cliName() + ", input " + data.height() + "x" + data.width()
                + ", heads " + headList + ", " + config.describe() + (severalSeeds ? ", seeds " + seedList : ""));

        String command = commandLine();
        List<HeadResult> results = new ArrayList<>();
        AttributionSample sample = AttributionSample.draw(data, config.seed(), AttributionSample.CANDIDATES);
        for (long seed : seedList) {
            TrainingConfig seeded = config.withSeed(seed);
            // One checkpoint folder per seed when there are several: models/<name>/seed-<s>/<head>/.
            Path seedModels = modelDir == null || !severalSeeds ? modelDir : modelDir.resolve("seed-" + seed);
            boolean explained = seed == seedList.get(0);
            for (Head head : headList) {
                Comparison single = new Comparison(backbone, List.of(head), seeded, seedModels, resume, command,
                        spec);
                results.addAll(single.run(data, new ConsoleProgress(head.name() + (severalSeeds ? " s" + seed : "")),
                        (trained, net) -> {
                            if (explained) {
                                sample.add(trained.cliName(), net);
                            }
                        }));
            }
        }

        System.out.println();
        System.out.println(ComparisonTable.of(results).toText());
        if (severalSeeds) {
            System.out.println(SeedStatistics.of(results).toText());
        }
        for (String finding : Verdict.of(results)) {
            System.out.println(finding);
        }
        String backboneLine = backbone.cliName() + (config.kerasWeights() == null ? ""
                : " (from " + Path.of(config.kerasWeights()).getFileName() + ")");
        ReportMetadata meta = new ReportMetadata("GAP vs Wise-SrNet: " + runName, data.description(), backboneLine,
                data.height(), data.width(), config.seed(), config.epochs(), config.batchSize(), config.describe(),
                command, ReportMetadata.describeMachine(), started, data.skippedFiles());
        ReportFiles files = ComparisonReport.write(reportDir, meta, results, sample);
        if (!data.skippedFiles().isEmpty()) {
            System.out.println(data.skippedFiles().size() + " unreadable file(s) skipped; listed in "
                    + files.summary());
        }
        System.out.println("Report: " + files.summary().toAbsolutePath());
        if (modelDir != null) {
            System.out.println("Checkpoints: " + modelDir.toAbsolutePath());
        }
        return Main.EXIT_OK;
    }

    static List<Head> parseHeads(String spec) {
        if (spec.trim().equalsIgnoreCase("all")) {
            return List.of(Head.values());
        }
        List<Head> list = new ArrayList<>();
        for (String part : spec.split(",")) {
            if (!part.isBlank()) {
                Head head = Head.fromName(part);
                if (!list.contains(head)) {
                    list.add(head);
                }
            }
        }
        if (list.isEmpty()) {
            throw new IllegalArgumentException("--heads lists no head.");
        }
        return list;
    }

    static List<Long> parseSeeds(String spec) {
        List<Long> list = new ArrayList<>();
        for (String part : spec.split(",")) {
            if (part.isBlank()) {
                continue;
            }
            long seed;
            try {
                seed = Long.parseLong(part.trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("--seeds takes whole numbers separated by commas (e.g. 1,2,3), got '"
                        + part.trim() + "'.");
            }
            if (list.contains(seed)) {
                throw new IllegalArgumentException("--seeds lists " + seed + " twice; each seed is one run per head.");
            }
            list.add(seed);
        }
        if (list.isEmpty()) {
            throw new IllegalArgumentException("--seeds lists no seed.");
        }
        return list;
    }

    /** The command line as typed, for the report ("reproduce with ..."). */
    static String commandLine() {
        return "wise-srnet " + String.join(" ", Main.arguments());
    }
}
