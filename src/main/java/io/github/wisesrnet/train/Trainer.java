package io.github.wisesrnet.train;

import io.github.wisesrnet.data.ClassificationData;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.evaluation.classification.Evaluation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;

/**
 * Trains a network epoch by epoch with a {@link TrainingConfig}, evaluates on the test split after every epoch
 * (the paper's protocol) and on the validation split when the data has one, keeps checkpoints ({@code best.zip}
 * chosen on validation when there is a validation split, else on test) and the {@link RunRecord}, and can resume a
 * run.
 */
public final class Trainer {

    private static final Logger log = LoggerFactory.getLogger(Trainer.class);

    private final TrainingConfig config;
    private final ProgressReporter progress;

    /**
     * @param config   the training recipe, including how many epochs a run has in all
     * @param progress receives progress; null for none
     */
    public Trainer(TrainingConfig config, ProgressReporter progress) {
        this.config = config;
        this.progress = progress == null ? ProgressReporter.NONE : progress;
    }

    /**
     * Trains from {@code record.epochs().size()} (0 for a new run) up to {@code config.epochs()}. With
     * {@link TrainingConfig#fineTuning()} frozen epochs, the network is set up for each epoch's phase
     * ({@link TrainingConfig#phaseFor}): when a phase begins (the backbone frozen or unfrozen), training goes on in a
     * new network instance, which the result holds; its listeners are carried over.
     *
     * @param net         the network; its epoch counter must equal the epochs already in {@code record}
     * @param checkpoints where to save after every epoch, or null for none
     * @return the trained network (this {@code net}, unless a phase began) and the record with every epoch
     */
    public Trained train(ComputationGraph net, ClassificationData data, RunRecord record, Checkpoints checkpoints) {
        int done = record.epochs().size();
        if (net.getEpochCount() != done) {
            throw new IllegalStateException("The network has trained " + net.getEpochCount() + " epochs but the run"
                    + " record lists " + done + "; load the network and record from the same checkpoint.");
        }
        if (done >= config.epochs()) {
            log.info("Run '{}' already has {} of {} epochs; nothing to train.", record.runName(), done,
                    config.epochs());
            return new Trained(net, record);
        }
        TrainAccuracyListener accuracy = new TrainAccuracyListener(net);
        if (!distributed()) {
            net.addListeners(accuracy);
        }
        if (config.parallel() != null) {
            config.parallel().check();
        }
        SparkSession spark = config.spark() == null ? null : SparkSession.start(config.spark(), config.seed());
        try {
            for (int epoch = done + 1; epoch <= config.epochs(); epoch++) {
                ComputationGraph phased = config.phaseFor(net, epoch);
                if (phased != net) {
                    log.info("{} epoch {}: {} the backbone", record.head(), epoch,
                            config.fineTuning().frozenIn(epoch) ? "freezing" : "unfreezing");
                    net.getListeners().remove(accuracy);
                    phased.setListeners(net.getListeners());
                    net = phased;
                    accuracy = new TrainAccuracyListener(net);
                    if (!distributed()) {
                        net.addListeners(accuracy);
                    }
                }
                EpochMetrics metrics = runEpoch(net, data, epoch, accuracy, spark);
                boolean best = record.isNewBest(metrics);
                record = record.withEpoch(metrics);
                if (checkpoints != null) {
                    checkpoints.save(net, record, best);
                }
                progress.epochFinished(metrics);
                log.info("{} epoch {}/{}: train loss {} acc {}, test loss {} top-1 {}{}, {} s", record.head(), epoch,
                        config.epochs(), fmt(metrics.trainLoss()), fmt(metrics.trainAccuracy()),
                        fmt(metrics.testLoss()), fmt(metrics.testTop1()), metrics.hasValidation()
                                ? ", val top-1 " + fmt(metrics.valTop1()) : "", fmt(metrics.seconds()));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Could not save the checkpoint: " + e.getMessage(), e);
        } catch (TrainingDivergedException e) {
            String kept = checkpoints == null ? "No checkpoints were being saved."
                    : record.epochs().isEmpty() ? "No checkpoint was written (it diverged in the first epoch)."
                    : "The checkpoints of epoch " + record.epochs().size() + " in " + checkpoints.dir()
                            + " are intact (resume continues from there).";
            throw new TrainingDivergedException(e.getMessage() + " " + kept, e.epoch());
        } finally {
            net.getListeners().remove(accuracy);
            if (spark != null) {
                spark.close();
            }
        }
        return new Trained(net, record);
    }

    /**
     * A network after training and its run record.
     *
     * @param net    the trained network; a new instance when a fine-tuning phase began during training
     * @param record the record with every epoch
     */
    public record Trained(ComputationGraph net, RunRecord record) {
    }

    private EpochMetrics runEpoch(ComputationGraph net, ClassificationData data, int epoch,
            TrainAccuracyListener accuracy, SparkSession spark) {
        long start = System.nanoTime();
        double learningRate = config.learningRateAt(epoch - 1);
        // Seeded per epoch so that dropout masks repeat for the same seed, also when resuming.
        Nd4j.getRandom().setSeed(config.seed() * 31 + epoch);
        accuracy.resetCounts();
        double lossSum = 0;
        long examples = 0;
        // On Spark the driver first exports the batches, then the executors train (SparkSession reports both)
        progress.phaseStarted(spark == null ? "train" : "export", epoch, config.epochs(), data.trainSize());
        DataSetIterator train = data.train(config.batchSize(), config.seed(), epoch);
        if (distributed()) {
            DistributedEpoch result = config.parallel() != null
                    ? ParallelEpoch.fit(net, train, config.parallel(), progress)
                    : spark.fitEpoch(net, train, config, epoch, progress);
            if (!Double.isFinite(result.meanLoss())) {
                throw diverged(epoch, "after " + result.examples() + " examples: the loss became "
                        + result.meanLoss(), learningRate);
            }
            lossSum = result.meanLoss() * result.examples();
            examples = result.examples();
        } else {
            while (train.hasNext()) {
                DataSet batch = train.next();
                accuracy.expect(batch.getLabels());
                net.fit(batch);
                if (!Double.isFinite(net.score())) {
                    throw diverged(epoch, "after " + (examples + batch.numExamples()) + " examples: the loss became "
                            + net.score(), learningRate);
                }
                int n = batch.numExamples();
                lossSum += net.score() * n;
                examples += n;
                progress.examplesDone(n, lossSum / examples);
            }
        }
        progress.phaseFinished();
        double trainSeconds = (System.nanoTime() - start) / 1e9;
        net.incrementEpochCount();

        // The loss is computed before each update, so the epoch's last updates can still make the network's outputs
        // non-finite; evaluation finds that.
        Evaluated test;
        Evaluated validation;
        try {
            test = evaluate(net, data.test(config.batchSize()), data.classNames(), data.testSize(), epoch, "test");
            validation = data.validationSize() == 0 ? null : evaluate(net, data.validation(config.batchSize()),
                    data.classNames(), data.validationSize(), epoch, "val");
        } catch (NonFiniteOutputException e) {
            throw diverged(epoch, "at its end: the network's outputs became NaN", learningRate);
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        // Parallel and Spark workers train copies of the network, whose forward passes this listener does not see.
        double trainAccuracy = distributed() ? Double.NaN : accuracy.accuracy();
        return new EpochMetrics(epoch, learningRate, lossSum / examples, trainAccuracy, test.loss(),
                test.eval().accuracy(), test.top5(), test.perClass(), test.confusion(), seconds,
                examples / trainSeconds, validation == null ? null : validation.loss(),
                validation == null ? null : validation.eval().accuracy());
    }

    /** True when the epochs are trained by several workers or on Spark rather than by this network's own fit. */
    private boolean distributed() {
        return config.parallel() != null || config.spark() != null;
    }

    private TrainingDivergedException diverged(int epoch, String what, double learningRate) {
        double suggestion = Math.min(config.learningRate() / 10, TrainingConfig.paper(1, 0).learningRate());
        return new TrainingDivergedException(String.format(java.util.Locale.ROOT, "Training diverged in epoch %d %s"
                + " (learning rate %.3g). Lower the learning rate (e.g. --lr %.3g) or check the data for broken"
                + " images or labels.", epoch, what, learningRate, suggestion), epoch);
    }

    private Evaluated evaluate(ComputationGraph net, DataSetIterator it, List<String> classNames, long total,
            int epoch, String phase) {
        progress.phaseStarted(phase, epoch, config.epochs(), total);
        Evaluated result = evaluate(net, it, classNames, progress);
        progress.phaseFinished();
        return result;
    }

    /** Test metrics of a network on a data iterator: loss, top-1/top-5, per-class accuracy, confusion matrix. */
    public static Evaluated evaluate(ComputationGraph net, DataSetIterator it, List<String> classNames,
            ProgressReporter progress) {
        int classes = classNames.size();
        Evaluation eval = classes > 5 ? new Evaluation(classNames, 5) : new Evaluation(classNames);
        double lossSum = 0;
        long examples = 0;
        while (it.hasNext()) {
            DataSet batch = it.next();
            INDArray out = net.outputSingle(false, batch.getFeatures());
            if (out.isNaN().any()) {
                throw new NonFiniteOutputException();
            }
            eval.eval(batch.getLabels(), out);
            lossSum += crossEntropySum(batch.getLabels(), out);
            examples += batch.numExamples();
            progress.examplesDone(batch.numExamples(), lossSum / examples);
        }
        if (examples == 0) {
            throw new IllegalArgumentException("The test split is empty.");
        }
        double[] perClass = new double[classes];
        long[][] confusion = new long[classes][classes];
        for (int a = 0; a < classes; a++) {
            long row = 0;
            for (int p = 0; p < classes; p++) {
                confusion[a][p] = eval.getConfusionMatrix().getCount(a, p);
                row += confusion[a][p];
            }
            perClass[a] = row == 0 ? Double.NaN : (double) confusion[a][a] / row;
        }
        double top5 = classes > 5 ? eval.topNAccuracy() : Double.NaN;
        return new Evaluated(eval, lossSum / examples, top5, perClass, confusion);
    }

    /** Sum over the batch of -log p(true class), with p clipped at 1e-7 as Keras does. */
    private static double crossEntropySum(INDArray labels, INDArray probabilities) {
        INDArray logP = Transforms.log(Transforms.max(probabilities.castTo(DataType.DOUBLE), 1e-7, true), false);
        return -logP.muli(labels.castTo(DataType.DOUBLE)).sumNumber().doubleValue();
    }

    private static String fmt(double v) {
        return String.format(java.util.Locale.ROOT, "%.4f", v);
    }

    /** The network gives NaN outputs: its weights have diverged. */
    public static final class NonFiniteOutputException extends IllegalStateException {
        NonFiniteOutputException() {
            super("The network's outputs are NaN: its weights have diverged (a learning rate too high for this"
                    + " network and data). Use an earlier checkpoint, or retrain with a lower learning rate.");
        }
    }

    /**
     * Test metrics of one evaluation.
     *
     * @param eval      DL4J's evaluation (accuracy, top-5 with more than 5 classes, precision, recall...)
     * @param loss      mean cross-entropy per example, with probabilities clipped at 1e-7
     * @param top5      top-5 accuracy in [0, 1], or NaN with 5 classes or fewer
     * @param perClass  accuracy (recall) of each class, index = label; NaN for a class with no examples
     * @param confusion confusion matrix: {@code confusion[actual][predicted]} counts
     */
    public record Evaluated(Evaluation eval, double loss, double top5, double[] perClass, long[][] confusion) {
    }
}
