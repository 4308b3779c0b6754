package io.github.wisesrnet;

import io.github.wisesrnet.graph.InputTypeRecord;
import io.github.wisesrnet.layers.KernelAverageInit;
import io.github.wisesrnet.layers.WiseSrLayer;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.io.File;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A model saved before the packages moved (0.1.0-SNAPSHOT up to 2026-12-06; committed fixture: the tiny backbone
 * with a Wise-SrNet head, GAP-equivalent init, five training steps) still loads, predicts what it predicted when it
 * was saved, and can be given another head with two arguments (its recorded input type is read).
 */
class SavedModelCompatibilityTest {

    private static final String FIXTURE = "/checkpoints/before-package-move-";

    @Test
    void aModelSavedBeforeThePackagesMovedLoadsAndPredictsTheSame(@TempDir Path dir) throws Exception {
        ComputationGraph loaded = ModelSerializer.restoreComputationGraph(copy(dir, "tiny-wise-srnet.zip"), true);
        INDArray input = Nd4j.readBinary(copy(dir, "input.bin"));
        INDArray saved = Nd4j.readBinary(copy(dir, "output.bin"));

        INDArray output = loaded.outputSingle(input);
        assertArrayEquals(saved.shape(), output.shape());
        assertTrue(saved.equalsWithEps(output, 1e-6), "saved " + saved + "\nnow   " + output);

        // the stored class names: the head, its initializer and the input-type record (by its old name)
        Layer head = loaded.getConfiguration().getVertices().values().stream()
                .filter(v -> v instanceof org.deeplearning4j.nn.conf.graph.LayerVertex lv
                        && lv.getLayerConf().getLayer() instanceof WiseSrLayer)
                .map(v -> ((org.deeplearning4j.nn.conf.graph.LayerVertex) v).getLayerConf().getLayer())
                .findFirst().orElseThrow();
        assertInstanceOf(KernelAverageInit.class, ((WiseSrLayer) head).getWeightInitFn());
        InputType[] recorded = InputTypeRecord.readFrom(loaded.getConfiguration());
        assertEquals(InputType.convolutional(24, 24, 3), recorded[0]);

        ComputationGraph gap = WiseSrNet.attach(loaded, 3, Head.GAP);
        assertArrayEquals(new long[]{2, 3}, gap.outputSingle(input).shape());
    }

    @Test
    void resavingWritesTheCurrentClassName(@TempDir Path dir) throws Exception {
        ComputationGraph loaded = ModelSerializer.restoreComputationGraph(copy(dir, "tiny-wise-srnet.zip"), true);
        File again = dir.resolve("again.zip").toFile();
        ModelSerializer.writeModel(loaded.clone(), again, true);
        String json = loaded.clone().getConfiguration().toJson();
        assertTrue(json.contains("\"io.github.wisesrnet.graph.InputTypeRecord\""), json);
        ComputationGraph reloaded = ModelSerializer.restoreComputationGraph(again, true);
        INDArray input = Nd4j.readBinary(copy(dir, "input.bin"));
        assertTrue(loaded.outputSingle(input).equalsWithEps(reloaded.outputSingle(input), 1e-6));
    }

    private static File copy(Path dir, String name) throws Exception {
        Path target = dir.resolve(name);
        try (InputStream in = SavedModelCompatibilityTest.class.getResourceAsStream(FIXTURE + name)) {
            assertTrue(in != null, "missing test resource " + FIXTURE + name);
            Files.copy(in, target);
        }
        return target.toFile();
    }
}
