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
 * (docs/cluster.md).
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

    /**
     * Checks the form of the components without contacting Spark (see {@link #check()} for that); trims {@code master}.
     *
     * @throws IllegalArgumentException if {@code master} is not a Spark master URL or is {@code local[0]},
     *                                  {@code averagingFrequency < 1}, {@code exportDirectory} is a URI other than
     *                                  {@code file:}, or it is null with a master that is not local
     */
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
        if (exportDirectory != null && exportDirectory.matches("^[a-zA-Z][a-zA-Z0-9+.-]*:/.*")
                && !exportDirectory.startsWith("file:")) {
            throw new IllegalArgumentException("The Spark export directory must be a path on a file system every"
                    + " machine mounts (NFS, or HDFS/S3 through a mount), not a URI: " + exportDirectory);
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
                "org.deeplearning4j.spark.impl.graph.SparkComputationGraph",
                "org.deeplearning4j.core.loader.DataSetLoader", "scala.reflect.api.Universe"}) {
            try {
                Class.forName(needed, false, SparkTraining.class.getClassLoader());
            } catch (ClassNotFoundException e) {
                throw new IllegalArgumentException("Training on Spark needs Spark and DL4J's Spark module on the"
                        + " classpath (" + needed + " is missing): run through spark-submit, build the launcher with"
                        + " 'mvn package -Pspark', or add the dependencies listed in docs/cluster.md to"
                        + " your project.", e);
            }
        }
        String manager = master.equals("yarn") ? "org.apache.spark.scheduler.cluster.YarnClusterManager"
                : master.startsWith("k8s://") ? "org.apache.spark.scheduler.cluster.k8s.KubernetesClusterManager"
                : null;
        if (manager != null) {
            try {
                Class.forName(manager, false, SparkTraining.class.getClassLoader());
            } catch (ClassNotFoundException e) {
                throw new IllegalArgumentException("Spark master " + master + " needs Spark's "
                        + (master.equals("yarn") ? "YARN" : "Kubernetes") + " support, which this classpath lacks:"
                        + " run through spark-submit of a Spark distribution built for it.", e);
            }
        }
        Matcher standalone = STANDALONE.matcher(master);
        if (standalone.matches()) { // one answering master is enough (the others may be standbys)
            java.util.List<String> failures = new java.util.ArrayList<>();
            for (String hostPort : standalone.group(1).split(",")) {
                int colon = hostPort.lastIndexOf(':');
                String host = colon < 0 ? hostPort : hostPort.substring(0, colon);
                try (Socket socket = new Socket()) {
                    int port = colon < 0 ? 7077 : Integer.parseInt(hostPort.substring(colon + 1));
                    socket.connect(new InetSocketAddress(host, port), 5000);
                    failures.clear();
                    break;
                } catch (IOException | IllegalArgumentException e) {
                    failures.add(hostPort + ": " + e.getMessage());
                }
            }
            if (!failures.isEmpty()) {
                throw new IllegalArgumentException("Cannot reach the Spark master " + master + " ("
                        + String.join("; ", failures) + "). Is it running, and is the address right?");
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
                        + e.getClass().getSimpleName() + ": " + e.getMessage() + "); the driver writes each epoch's"
                        + " batches there.", e);
            }
        }
    }

    /** One phrase for logs and reports. */
    public String describe() {
        return "Spark " + master + ", parameters averaged every "
                + (averagingFrequency == 1 ? "batch" : averagingFrequency + " batches") + " per worker";
    }
}
