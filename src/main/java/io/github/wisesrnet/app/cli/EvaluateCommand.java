package io.github.wisesrnet.app.cli;

import io.github.wisesrnet.data.ClassificationData;
import io.github.wisesrnet.data.DataSpec;
import io.github.wisesrnet.train.EpochMetrics;
import io.github.wisesrnet.train.ProgressReporter;
import io.github.wisesrnet.train.RunRecord;
import io.github.wisesrnet.train.Trainer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/** Evaluates a saved model on the test split of its data (or another folder with the same classes). */
@Command(name = "evaluate", mixinStandardHelpOptions = true,
        description = "Evaluate a checkpoint on the test split it was trained with (read from its run.json), or on"
                + " another image folder with the same classes: top-1, top-5, per-class accuracy, confusion matrix.")
final class EvaluateCommand implements Callable<Integer> {

    @Option(names = "--model", required = true, paramLabel = "PATH",
            description = "Checkpoint zip, or a checkpoint folder (uses its best.zip).")
    Path model;

    @Option(names = "--data", paramLabel = "DIR", description = "Evaluate on DIR/test (or DIR/<class> folders)"
            + " instead of the recorded data.")
    Path data;

    @Option(names = "--batch", paramLabel = "N", defaultValue = "64", description = "Batch size. Default: 64.")
    int batch;

    @Option(names = "--workers", paramLabel = "N", description = "Image decoding threads. Default: all cores.")
    Integer workers;

    @Override
    public Integer call() throws Exception {
        ModelArgument saved = ModelArgument.resolve(model);
        RunRecord record = saved.record();
        DataSpec spec = record.dataSpec();
        if (spec == null) {
            throw new IllegalArgumentException("The run record of " + saved.zip() + " does not say how its data was"
                    + " loaded; evaluate it from Java with Trainer.evaluate.");
        }
        if (data != null) {
            // Every test image of DIR: the training run's --max-per-class cap is not carried over.
            spec = new DataSpec(data, spec.testFraction(), spec.height(), spec.width(), spec.format(),
                    spec.preprocessing(), false, 0, spec.strict(), spec.grid(), spec.trainSize(),
                    spec.testSize(), spec.seed(), null);
        }
        int threads = workers != null ? workers : Runtime.getRuntime().availableProcessors();
        // --data DIR needs only DIR's test images; the recorded data is loaded as it was trained (same split).
        ClassificationData testData = data != null ? spec.loadTestOnly(threads) : spec.load(threads);
        if (!testData.classNames().equals(record.classNames())) {
            throw new IllegalArgumentException("The data's classes " + testData.classNames() + " differ from the"
                    + " model's " + record.classNames() + ".");
        }
        ComputationGraph net = saved.load();
        Trainer.Evaluated result = Trainer.evaluate(net, testData.test(batch), testData.classNames(),
                ProgressReporter.NONE);

        System.out.printf(Locale.ROOT, "Model %s (%s, %s), %d test images%n", saved.zip(), record.head(),
                record.backbone(), testData.testSize());
        System.out.printf(Locale.ROOT, "top-1 %.2f%%%s, loss %.4f%n", 100 * result.eval().accuracy(),
                Double.isNaN(result.top5()) ? "" : String.format(Locale.ROOT, ", top-5 %.2f%%", 100 * result.top5()),
                result.loss());
        List<String> classes = testData.classNames();
        for (int i = 0; i < classes.size(); i++) {
            System.out.printf(Locale.ROOT, "  %-20s %.2f%%%n", classes.get(i), 100 * result.perClass()[i]);
        }
        System.out.println(result.eval().getConfusionMatrix().toCSV());
        if (data == null && !record.epochs().isEmpty()) {
            EpochMetrics recorded = saved.isBest() ? EpochMetrics.best(record.epochs())
                    : record.epochs().get(record.epochs().size() - 1);
            System.out.printf(Locale.ROOT, "recorded top-1 at epoch %d: %.2f%%%n", recorded.epoch(),
                    100 * recorded.testTop1());
        }
        return Main.EXIT_OK;
    }
}
