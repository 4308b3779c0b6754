package io.github.wisesrnet.train;

import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.spark.api.RDDTrainingApproach;
import org.deeplearning4j.spark.api.Repartition;
import org.deeplearning4j.spark.impl.graph.SparkComputationGraph;
import org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingMaster;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * A Spark context for one training run, and its epochs: the driver writes the epoch's batches (read and augmented as on
 * one machine) to the export directory, DL4J's {@link SparkComputationGraph} trains on them with parameter averaging,
 * and the averaged parameters and updater state go back into the network. Spark's and Hadoop's scratch folders are
 * put under the export directory (they default to /tmp/hadoop-user).
 */
final class SparkSession implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(SparkSession.class);

    /** What Spark needs opened on Java 17 (the tests and the launcher pass the same to the driver's JVM). */
    static final List<String> JAVA_17_OPENS = List.of("--add-opens=java.base/java.nio=ALL-UNNAMED",
            "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED", "--add-opens=java.base/java.lang=ALL-UNNAMED",
            "--add-opens=java.base/java.util=ALL-UNNAMED", "--add-opens=java.base/java.lang.invoke=ALL-UNNAMED");

    /** Called with the epoch's folder once its batches are written (tests simulate unreadable data with it). */
    static java.util.function.Consumer<Path> afterExport = folder -> {
    };

    private final SparkTraining spark;
    private final long seed;
    private final JavaSparkContext context;
    private final Path exportRoot;
    private final boolean temporaryRoot;

    private SparkSession(SparkTraining spark, long seed, JavaSparkContext context, Path exportRoot,
            boolean temporaryRoot) {
        this.spark = spark;
        this.seed = seed;
        this.context = context;
        this.exportRoot = exportRoot;
        this.temporaryRoot = temporaryRoot;
    }

    static SparkSession start(SparkTraining spark, long seed) {
        spark.check();
        Path root;
        boolean temporary = spark.exportDirectory() == null;
        try {
            root = temporary ? Files.createTempDirectory("wise-srnet-spark-") : Path.of(spark.exportDirectory());
            Files.createDirectories(root.resolve("spark-local"));
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot create the Spark export directory: " + e.getMessage(), e);
        }
        SparkConf conf = new SparkConf()
                .setMaster(spark.master())
                .setAppName("wise-srnet")
                .set("spark.ui.enabled", "false")
                .set("spark.local.dir", root.resolve("spark-local").toString());
        if (spark.local()) {
            conf.set("spark.driver.host", "localhost").set("spark.driver.bindAddress", "127.0.0.1");
        } else {
            // Executors are JVMs of their own: they need Java 17's opened packages, and, unless spark-submit ships the
            // application's jars, this JVM's classpath (the launcher's lib folder at the same path on every machine).
            conf.setIfMissing("spark.executor.extraJavaOptions", String.join(" ", JAVA_17_OPENS));
            if (!conf.contains("spark.jars")) {
                conf.setIfMissing("spark.executor.extraClassPath", System.getProperty("java.class.path"));
            }
        }
        JavaSparkContext context;
        try {
            context = new JavaSparkContext(conf);
        } catch (RuntimeException e) {
            deleteTree(temporary ? root : root.resolve("spark-local"));
            for (Throwable t = e; t != null; t = t.getCause()) {
                if (t instanceof java.lang.reflect.InaccessibleObjectException) {
                    throw new IllegalStateException("Spark cannot start on Java 17 without opened packages: run the"
                            + " JVM with " + String.join(" ", JAVA_17_OPENS) + " (docs/cluster.md).",
                            e);
                }
            }
            throw e;
        }
        context.hadoopConfiguration().set("hadoop.tmp.dir", root.resolve("hadoop").toString());
        log.info("Spark context started: {} ({} worker threads/executor cores by default parallelism)",
                spark.master(), context.defaultParallelism());
        return new SparkSession(spark, seed, context, root, temporary);
    }

    JavaSparkContext context() {
        return context;
    }

    /** Number of Spark workers the batches are spread over (the default parallelism). */
    int workers() {
        return context.defaultParallelism();
    }

    /**
     * Trains one epoch ({@code epoch}, 1-based) of {@code net} on Spark. The workers get a copy of the network whose
     * updater has this epoch's learning rate as a constant: DL4J 1.0.0-M2's Spark workers do not carry the epoch
     * counter that the recipe's schedule reads, so the schedule is applied here instead. The loss reported is the
     * workers' mean loss at the last averaging.
     */
    DistributedEpoch fitEpoch(ComputationGraph net, DataSetIterator batches, TrainingConfig config, int epoch,
            ProgressReporter progress) {
        int batchSize = config.batchSize();
        Path dir = exportRoot.resolve("epoch-" + epoch + "-" + java.util.UUID.randomUUID());
        try {
            Files.createDirectories(dir);
            List<String> paths = new ArrayList<>();
            long examples = 0;
            int index = 0;
            while (batches.hasNext()) {
                DataSet batch = batches.next();
                Path file = dir.resolve(String.format(java.util.Locale.ROOT, "batch-%06d.bin", index++));
                batch.save(file.toFile());
                paths.add(file.toUri().toString());
                examples += batch.numExamples();
                progress.examplesDone(batch.numExamples(), Double.NaN);
            }
            ParameterAveragingTrainingMaster master = new ParameterAveragingTrainingMaster.Builder(batchSize)
                    .batchSizePerWorker(batchSize)
                    .averagingFrequency(spark.averagingFrequency())
                    .workerPrefetchNumBatches(0)
                    .saveUpdater(true) // the workers start from, and return, the updater state
                    .repartionData(Repartition.Never) // the batches keep the order the seed gave them
                    .rngSeed(seed + epoch)
                    // the executors read the batch files themselves (below); no second export
                    .rddTrainingApproach(RDDTrainingApproach.Direct)
                    .exportDirectory(exportRoot.resolve("dl4j").toUri().toString())
                    .build();
            int iterationsBefore = net.getIterationCount();
            int epochsBefore = net.getEpochCount();
            ComputationGraph epochNet = config.withConstantLearningRateOf(epoch - 1).applyTo(net);
            epochNet.getUpdater().getStateViewArray().assign(net.getUpdater().getStateViewArray());
            epochNet.getConfiguration().setIterationCount(iterationsBefore);
            epochNet.getConfiguration().setEpochCount(epochsBefore);
            SparkComputationGraph sparkNet = new SparkComputationGraph(context, epochNet, master);
            // DL4J 1.0.0-M2's fitPaths fails for graphs (it asks the multi-layer network, null here, for the Spark
            // context), so the executors load the files in a map instead.
            JavaRDD<DataSet> rdd = context.parallelize(paths, Math.max(1, Math.min(paths.size(), workers())))
                    .map(SparkSession::load);
            afterExport.accept(dir);
            progress.phaseFinished();
            progress.phaseStarted("train on Spark", epoch, config.epochs(), examples);
            ComputationGraph trained;
            try {
                trained = sparkNet.fit(rdd);
            } catch (Exception e) { // Spark's SparkException is checked but thrown undeclared
                throw unreadable(e, dir);
            }
            double score = sparkNet.getScore();
            progress.examplesDone(examples, score);
            net.params().assign(trained.params());
            net.getUpdater().getStateViewArray().assign(trained.getUpdater().getStateViewArray());
            // DL4J 1.0.0-M2 advances the step counter by the averaging frequency per split, whatever the split held:
            // set it to the steps each worker took, so that the next epoch's workers continue Adam's bias correction
            // (and any iteration schedule) where this one ended. The epoch counter is the trainer's to advance.
            long stepsPerWorker = (paths.size() + workers() - 1) / workers();
            net.getConfiguration().setIterationCount((int) (iterationsBefore + stepsPerWorker));
            net.getConfiguration().setEpochCount(epochsBefore);
            return new DistributedEpoch(score, examples);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot write the epoch's batches to " + dir + ": " + e.getMessage(), e);
        } finally {
            deleteTree(dir);
        }
    }

    /**
     * An executor that could not read a batch file gets a message about the export directory; other failures pass
     * (checked ones wrapped). Spark reports a task's exception by its text, so the text is searched too.
     */
    private static RuntimeException unreadable(Exception e, Path dir) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            String text = String.valueOf(t.getMessage());
            if (t instanceof java.io.FileNotFoundException || t instanceof java.nio.file.NoSuchFileException
                    || text.contains("FileNotFoundException") || text.contains("NoSuchFileException")) {
                return new IllegalStateException("The Spark executors could not read the epoch's batches in " + dir
                        + ": --spark-export-dir must be a folder every executor reads at the same path (a shared file"
                        + " system such as NFS or HDFS). Spark said: " + firstLine(t.getMessage()), e);
            }
        }
        if (String.valueOf(e.getMessage()).contains("stopped SparkContext")) {
            return new IllegalStateException("Spark stopped the application before the epoch ended: the cluster could"
                    + " not run its executors (see the Spark master's and workers' logs; executors need this"
                    + " project's jars, Java 17 with the opened packages, and Spark 3.1 with Scala 2.12).", e);
        }
        return e instanceof RuntimeException r ? r
                : new IllegalStateException("Training on Spark failed: " + firstLine(e.getMessage()), e);
    }

    private static String firstLine(String text) {
        if (text == null) {
            return "";
        }
        int end = text.indexOf('\n');
        return end < 0 ? text : text.substring(0, end);
    }

    /** Runs on the executors: one batch from its file. */
    private static DataSet load(String uri) {
        DataSet batch = new DataSet();
        batch.load(new java.io.File(java.net.URI.create(uri)));
        return batch;
    }

    @Override
    public void close() {
        context.stop();
        if (temporaryRoot) {
            deleteTree(exportRoot);
        } else {
            deleteTree(exportRoot.resolve("spark-local"));
            deleteTree(exportRoot.resolve("dl4j"));
            deleteTree(exportRoot.resolve("hadoop"));
        }
    }

    private static void deleteTree(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            log.warn("Could not delete {}: {}", dir, e.getMessage());
        }
    }
}
