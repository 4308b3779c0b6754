package io.github.wisesrnet;

import io.github.wisesrnet.cpu.OneDnnHelpers;
import io.github.wisesrnet.backbones.Backbone;
import io.github.wisesrnet.train.Checkpoints;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * Run in its own JVM by {@link NoSurprisesTest}: loads (and initializes) every class of the library, builds, saves
 * and loads networks the library's way, and prints every system property that changed meanwhile. ND4J, DL4J and AWT
 * are started first, so that only the library's own effects are seen.
 *
 * <p>Arguments: the library's class folder, then {@code plain} or {@code enable} (also call
 * {@link OneDnnHelpers#enable()}, which must show up as a change: the probe's own check that it can see one).
 */
public final class SystemPropertyProbe {

    static final String CLASSES_PREFIX = "classes loaded: ";
    static final String CHANGED_PREFIX = "changed: ";
    static final String DONE = "probe finished";

    private SystemPropertyProbe() {
    }

    public static void main(String[] args) throws Exception {
        Path classes = Path.of(args[0]);
        boolean enable = args.length > 1 && args[1].equals("enable");

        // What DL4J, ND4J and AWT set for themselves happens before the snapshot.
        Nd4j.create(DataType.FLOAT, 2, 2).addi(1);
        ComputationGraph plain = new ComputationGraph(new NeuralNetConfiguration.Builder().graphBuilder()
                .addInputs("in").addLayer("conv", new ConvolutionLayer.Builder(3, 3).nOut(2).build(), "in")
                .setOutputs("conv").setInputTypes(InputType.convolutional(8, 8, 1)).build());
        plain.init();
        java.awt.Color.BLACK.getRGB();
        java.awt.GraphicsEnvironment.isHeadless();

        Map<String, String> before = snapshot();
        int loaded = 0;
        try (Stream<Path> files = Files.walk(classes)) {
            for (Path file : (Iterable<Path>) files.filter(f -> f.toString().endsWith(".class"))::iterator) {
                String name = classes.relativize(file).toString().replace('/', '.').replaceAll("\\.class$", "");
                Class.forName(name, true, SystemPropertyProbe.class.getClassLoader());
                loaded++;
            }
        }
        System.out.println(CLASSES_PREFIX + loaded);
        if (enable) {
            OneDnnHelpers.enable();
        }
        ComputationGraph net = WiseSrNet.attach(Backbone.SMALL_CNN.featureExtractor(32, 32, 3), 3);
        Path zip = Files.createTempFile("probe", ".zip");
        ModelSerializer.writeModel(net, zip.toFile(), true);
        ComputationGraph loadedNet = Checkpoints.load(zip);
        loadedNet.outputSingle(Nd4j.rand(DataType.FLOAT, 1, 3, 32, 32));
        Files.delete(zip);

        Map<String, String> after = snapshot();
        for (String key : union(before, after)) {
            if (!java.util.Objects.equals(before.get(key), after.get(key))) {
                System.out.println(CHANGED_PREFIX + key + ": " + before.get(key) + " -> " + after.get(key));
            }
        }
        System.out.println(DONE);
    }

    private static Map<String, String> snapshot() {
        Map<String, String> copy = new TreeMap<>();
        System.getProperties().stringPropertyNames().forEach(k -> copy.put(k, System.getProperty(k)));
        return copy;
    }

    private static java.util.Set<String> union(Map<String, String> a, Map<String, String> b) {
        java.util.Set<String> keys = new java.util.TreeSet<>(a.keySet());
        keys.addAll(b.keySet());
        return keys;
    }
}
