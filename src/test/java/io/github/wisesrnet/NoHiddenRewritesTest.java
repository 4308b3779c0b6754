package io.github.wisesrnet;

import io.github.wisesrnet.backbones.Backbone;
import io.github.wisesrnet.cpu.OneDnnHelpers;
import io.github.wisesrnet.train.Checkpoints;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.CacheMode;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.layers.AbstractLayer;
import org.deeplearning4j.nn.layers.FrozenLayer;
import org.deeplearning4j.nn.layers.normalization.BatchNormalization;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Without {@link OneDnnHelpers#enable()}, the networks the library builds or loads are plain DL4J networks: the same
 * layer classes, helpers and cache mode that DL4J itself gives for the same configuration (a network DL4J creates
 * from it, or restores from the same file). After {@code enable()}, the same checks find the library's tuning, so
 * they can tell the two apart.
 */
class NoHiddenRewritesTest {

    private HelperSwitch helperSwitch;

    @BeforeEach
    void withoutTheFastCpuSetup() {
        // the build runs the tests with the helper switch set; a user's JVM has it unset
        helperSwitch = HelperSwitch.saved();
        System.clearProperty(OneDnnHelpers.DISABLE_PROPERTY);
    }

    @AfterEach
    void restoreProperty() {
        helperSwitch.close();
    }

    @Test
    void attachAndBackboneGiveWhatDl4jGives() {
        ComputationGraph features = Backbone.SMALL_CNN.featureExtractor(32, 32, 3);
        assertSameAsDl4j(features, dl4jBuilt(features));
        ComputationGraph net = WiseSrNet.attach(features, 3);
        assertSameAsDl4j(net, dl4jBuilt(net));
        ComputationGraph frozen = WiseSrNet.attach(features, 3, AttachOptions.builder().freezeBackbone(true).build());
        assertTrue(Arrays.stream(frozen.getLayers()).anyMatch(l -> l instanceof FrozenLayer));
        assertSameAsDl4j(frozen, dl4jBuilt(frozen));
        assertEquals(CacheMode.NONE, net.getConfiguration().getCacheMode(), "DL4J's default cache mode");
    }

    @Test
    void checkpointLoadingGivesWhatDl4jGives(@TempDir Path dir) throws Exception {
        ComputationGraph net = WiseSrNet.attach(Backbone.SMALL_CNN.featureExtractor(32, 32, 3), 3);
        File file = dir.resolve("model.zip").toFile();
        ModelSerializer.writeModel(net, file, true);
        ComputationGraph loaded = Checkpoints.load(file.toPath());
        assertSameAsDl4j(loaded, ModelSerializer.restoreComputationGraph(file, true));
    }

    @Test
    void afterEnableTheSameChecksSeeTheTuning() {
        OneDnnHelpers.enable(); // sets the switch; restored after the test
        ComputationGraph net = WiseSrNet.attach(Backbone.SMALL_CNN.featureExtractor(32, 32, 3), 3);
        assertNotEquals(setUp(dl4jBuilt(net)), setUp(net), "tune replaces the ReLU layers (on any backend)");
        assertEquals(CacheMode.NONE, net.getConfiguration().getCacheMode(),
                "the forward cache costs memory: only enableForwardCache turns it on");
        OneDnnHelpers.enableForwardCache(net);
        if (OneDnnHelpers.active()) {
            assertEquals(CacheMode.DEVICE, net.getConfiguration().getCacheMode());
        }
    }

    /** DL4J's own network for the same configuration. */
    private static ComputationGraph dl4jBuilt(ComputationGraph net) {
        ComputationGraph dl4j = new ComputationGraph(net.getConfiguration().clone());
        dl4j.init();
        return dl4j;
    }

    private static void assertSameAsDl4j(ComputationGraph ours, ComputationGraph dl4j) {
        List<String> setUp = setUp(ours);
        assertTrue(setUp.stream().anyMatch(s -> s.contains("ActivationLayer")), "the check needs activation layers");
        assertTrue(setUp.stream().anyMatch(s -> s.contains("BatchNormalization")), "and batch normalization");
        assertEquals(setUp(dl4j), setUp);
        assertEquals(dl4j.getConfiguration().getCacheMode(), ours.getConfiguration().getCacheMode());
    }

    /** Per layer: name, implementation class (inside frozen wrappers), batch-norm helper and cache mode. */
    private static List<String> setUp(ComputationGraph net) {
        List<String> out = new ArrayList<>();
        for (Layer wrapped : net.getLayers()) {
            Layer layer = wrapped instanceof FrozenLayer f ? f.getInsideLayer() : wrapped;
            String helper = layer instanceof BatchNormalization bn && bn.getHelper() != null
                    ? bn.getHelper().getClass().getSimpleName() : "-";
            out.add(layer.getConfig().getLayerName() + " " + layer.getClass().getName() + " helper " + helper
                    + " cache " + cacheMode(layer));
        }
        return out;
    }

    private static Object cacheMode(Layer layer) {
        return layer instanceof AbstractLayer<?> a ? a.getCacheMode() : "n/a";
    }
}
