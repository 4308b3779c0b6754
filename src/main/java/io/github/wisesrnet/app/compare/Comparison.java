package io.github.wisesrnet.app.compare;

import io.github.wisesrnet.train.Checkpoints;
import io.github.wisesrnet.train.FineTuning;
import io.github.wisesrnet.train.ProgressReporter;
import io.github.wisesrnet.train.RunRecord;
import io.github.wisesrnet.train.Trainer;
import io.github.wisesrnet.train.TrainingConfig;
import io.github.wisesrnet.graph.FeatureMap;
import io.github.wisesrnet.Head;
import io.github.wisesrnet.backbones.Backbone;
import io.github.wisesrnet.cpu.OneDnnHelpers;
import io.github.wisesrnet.data.ClassificationData;
import io.github.wisesrnet.data.DataSpec;
import io.github.wisesrnet.data.Preprocessing;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiConsumer;

/**
 * Trains each chosen head on the same backbone (same initial weights), data, seed and schedule, one after the
 * other, so that the runs differ only in the head.
 *
 * @param backbone        the backbone
 * @param heads           heads to compare, in order
 * @param config          the training recipe shared by every head
 * @param checkpointRoot  folder for checkpoints ({@code <root>/<head>/}), or null for none
 * @param resume          continue runs that have a checkpoint in {@code checkpointRoot}
 * @param command         the command line, recorded in every run record
 * @param dataSpec        how the data was loaded, recorded for evaluate/predict; may be null
 */
public record Comparison(Backbone backbone, List<Head> heads, TrainingConfig config, Path checkpointRoot,
        boolean resume, String command, DataSpec dataSpec) {

    private static final Logger log = LoggerFactory.getLogger(Comparison.class);

    /**
     * Trains every head in turn and returns their results, in the order of {@link #heads()}.
     *
     * @throws IllegalArgumentException if a run to resume was saved with different settings or classes
     * @throws java.io.UncheckedIOException if a checkpoint cannot be read or written
     */
    public List<HeadResult> run(ClassificationData data, ProgressReporter progress) {
        return run(data, progress, (head, net) -> {
        });
    }

    /**
     * Runs the comparison and hands each trained network (after its last epoch) to {@code trained} before the next
     * head starts, e.g. to explain test images with it ({@link io.github.wisesrnet.app.report.AttributionSample}).
     */
    public List<HeadResult> run(ClassificationData data, ProgressReporter progress,
            BiConsumer<Head, ComputationGraph> trained) {
        List<HeadResult> results = new ArrayList<>();
        for (Head head : heads) {
            long start = System.nanoTime();
            Checkpoints checkpoints = checkpointRoot == null ? null
                    : new Checkpoints(checkpointRoot.resolve(head.cliName()));
            ComputationGraph net;
            RunRecord record;
            if (resume && checkpoints != null && checkpoints.canResume()) {
                try {
                    net = Checkpoints.load(checkpoints.last());
                    OneDnnHelpers.enableForwardCache(net); // as ModelFactory.build: the command line's setup
                    record = RunRecord.read(checkpoints.record());
                } catch (IOException e) {
                    throw new UncheckedIOException("Cannot resume from " + checkpoints.dir() + ": " + e.getMessage(), e);
                }
                List<String> differences = record.config().differencesFrom(config);
                if (!differences.isEmpty()) {
                    throw new IllegalArgumentException("Cannot resume " + checkpoints.dir() + ": its settings differ ("
                            + String.join("; ", differences) + "). Resume with the same"
                            + " settings (only the number of epochs may grow), or start a new run.");
                }
                String recorded = record.dataSpec() == null ? null : record.dataSpec().preprocessing();
                if (recorded != null && dataSpec != null && !samePreprocessing(recorded, dataSpec.preprocessing())) {
                    // e.g. a run started with --init-from, whose default preprocessing came from the file's run.json
                    throw new IllegalArgumentException("Cannot resume " + checkpoints.dir() + ": it was trained with"
                            + " preprocessing '" + recorded + "', not '" + dataSpec.preprocessing() + "'. Resume with"
                            + " --preprocessing " + recorded + ".");
                }
                if (!record.classNames().equals(data.classNames())) {
                    throw new IllegalArgumentException("Cannot resume " + checkpoints.dir() + ": its classes "
                            + record.classNames() + " differ from the data's " + data.classNames() + ".");
                }
                record = record.withConfig(keepingOrigin(config, record.config()));
                log.info("Resuming {} from epoch {} ({})", head, record.epochs().size(), checkpoints.dir());
            } else {
                net = ModelFactory.build(backbone, head, data, config);
                record = newRecord(head, data, net.numParams());
            }
            Trainer.Trained result = new Trainer(config, progress).train(net, data, record, checkpoints);
            net = result.net();
            record = result.record();
            trained.accept(head, net);
            double seconds = (System.nanoTime() - start) / 1e9;
            results.add(new HeadResult(head, net.numParams(), net.numParams() - backboneParameters(net, data),
                    record.epochs(), data.classNames(), seconds, config.seed()));
        }
        return results;
    }

    private static boolean samePreprocessing(String a, String b) {
        return Preprocessing.fromName(a) == Preprocessing.fromName(b);
    }

    /**
     * {@code config} with the recorded run's {@code --init-from}: where the backbone came from stays in the record when
     * a run resumes (which needs no such option, the network being in the checkpoint).
     */
    private static TrainingConfig keepingOrigin(TrainingConfig config, TrainingConfig recorded) {
        FineTuning was = recorded.fineTuning();
        if (was == null || was.initFrom() == null) {
            return config;
        }
        FineTuning now = config.fineTuning() == null ? FineTuning.from(null) : config.fineTuning();
        return config.withFineTuning(now.withInitFrom(was.initFrom()));
    }

    /** Parameters of the layers that compute the feature map, found from the trained graph's structure. */
    private static long backboneParameters(ComputationGraph net, ClassificationData data) {
        InputType input = InputType.convolutional(data.height(), data.width(), data.channels(), data.format());
        long total = 0;
        for (String vertex : FeatureMap.locate(net, new InputType[]{input}, null).backbone()) {
            org.deeplearning4j.nn.api.Layer layer = net.getLayer(vertex);
            if (layer != null) {
                total += layer.numParams();
            }
        }
        return total;
    }

    private RunRecord newRecord(Head head, ClassificationData data, long parameters) {
        return new RunRecord(checkpointRoot == null ? "unsaved" : checkpointRoot.getFileName().toString(), head,
                backbone.cliName(), data.height(), data.width(), data.channels(), data.format().name(),
                data.description(), dataSpec, data.classNames(), config, parameters, List.of(), data.skippedFiles(), command,
                Instant.now().toString());
    }
}
