package io.github.wisesrnet.train;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Training on Apache Spark with DL4J's Spark module (parameter averaging, {@code ParameterAveragingTrainingMaster}):
 * the driver reads and augments each epoch's batches exactly as on one machine, writes them to
 * {@code exportDirectory}, and Spark's executors train on them, the workers' parameters and updater states being
 * averaged every {@code averagingFrequency} batches per worker. Needs DL4J's Spark module and Spark on the classpath
 * (README, "Training on a cluster").
 *
 * @param master             Spark master URL: {@code local[N]} (N worker threads in this JVM), {@code local[*]},
 *                           {@code spark://host:port}, {@code yarn}, {@code k8s://...}
 * @param averagingFrequency batches per worker between averagings, at least 1
 * @param exportDirectory    where the driver writes each epoch's batches; every executor must read it (a shared file
 *                           system on a cluster). Null: a temporary folder, allowed for {@code local} masters only
 */
public record SparkTraining(String master, int averagingFrequency, String exportDirectory) {

    private static final Pattern LOCAL = Pattern.compile("local(\\[(\\d+|\\*)(,\\s*\\d+)?])?");
    private static final Pattern STANDALONE = Pattern.compile("spark://(.+)");
    private static final Pattern OTHER = Pattern.compile("yarn|(k8s|mesos)://.+");

    public SparkTraining {
        if (master == null || master.isBlank()) {
            throw new IllegalArgumentException("A Spark master is needed, e.g. local[2] or spark://host:7077.");
        }
        master = master.trim();
        Matcher local = LOCAL.matcher(master);
        if (local.matches()) {
            if ("0".equals(local.group(2))) {
                throw new IllegalArgumentException("Spark master " + master + " has no worker threads: use local[N]"
                        + " with N >= 1, or local[*] for one per core.");
            }
        } else if (!STANDALONE.matcher(master).matches() && !OTHER.matcher(master).matches()) {
            throw new IllegalArgumentException("'" + master + "' is not a Spark master URL: use local[N], local[*],"
                    + " spark://host:port, yarn or k8s://...");
        }
        if (averagingFrequency < 1) {
            throw new IllegalArgumentException("The averaging frequency must be at least 1 (batch per worker), got "
                    + averagingFrequency + ".");
        }
        if (exportDirectory == null && !isLocal(master)) {
            throw new IllegalArgumentException("Training on " + master + " needs an export directory that every"
                    + " executor can read (a shared file system such as HDFS or NFS): --spark-export-dir DIR.");
        }
    }

    /** True for {@code local}, {@code local[N]} and {@code local[*]}: Spark inside this JVM. */
    public boolean local() {
        return isLocal(master);
    }

    private static boolean isLocal(String master) {
        return LOCAL.matcher(master.trim()).matches();
    }

    /**
     * Checks, before any data is read, what can be checked from the driver: Spark is on the classpath, a standalone
     * master answers on its port, and the export directory can be created and written.
     *
     * @throws IllegalArgumentException naming what is wrong
     */
    public void check() {
        for (String needed : new String[]{"org.apache.spark.SparkConf",
                "org.deeplearning4j.spark.impl.graph.SparkComputationGraph"}) {
            try {
                Class.forName(needed, false, SparkTraining.class.getClassLoader());
            } catch (ClassNotFoundException e) {
                throw new IllegalArgumentException("Training on Spark needs Spark and DL4J's Spark module on the"
                        + " classpath (" + needed + " is missing): run through spark-submit, build the launcher with"
                        + " 'mvn package -Pspark' for local[N], or add the dependencies of README's \"Training on a"
                        + " cluster\" to your project.", e);
            }
        }
        Matcher standalone = STANDALONE.matcher(master);
        if (standalone.matches()) {
            for (String hostPort : standalone.group(1).split(",")) {
                int colon = hostPort.lastIndexOf(':');
                String host = colon < 0 ? hostPort : hostPort.substring(0, colon);
                int port = colon < 0 ? 7077 : Integer.parseInt(hostPort.substring(colon + 1));
                try (Socket socket = new Socket()) {
                    socket.connect(new InetSocketAddress(host, port), 5000);
                } catch (IOException | IllegalArgumentException e) {
                    throw new IllegalArgumentException("Cannot reach the Spark master " + master + " (" + host + ":"
                            + port + ": " + e.getMessage() + "). Is it running, and is the address right?", e);
                }
            }
        }
        if (exportDirectory != null) {
            Path dir = Path.of(exportDirectory);
            try {
                Files.createDirectories(dir);
                Path probe = Files.createTempFile(dir, "write-check", ".tmp");
                Files.delete(probe);
            } catch (IOException | RuntimeException e) {
                throw new IllegalArgumentException("Cannot write to the Spark export directory " + dir + " ("
                        + e.getMessage() + "); the driver writes each epoch's batches there.", e);
            }
        }
    }

    /** One phrase for logs and reports. */
    public String describe() {
        return "Spark " + master + ", parameters averaged every "
                + (averagingFrequency == 1 ? "batch" : averagingFrequency + " batches") + " per worker";
    }
}
