package io.github.wisesrnet;

import io.github.wisesrnet.layers.WiseSrLayer;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.zoo.model.ResNet50;
import org.deeplearning4j.zoo.model.Xception;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * attach() on DL4J's own zoo graphs: the head is found from the structure (the zoo ResNet50 ends in a max pooling
 * named "avgpool", Xception in a global average pooling), and every backbone parameter is carried over bit for bit.
 * Shapes are checked through InputType propagation; no full-size forward pass is needed.
 */
class WiseSrNetZooTest {

    @Test
    void zooResNet50() {
        ComputationGraph zoo = ResNet50.builder().numClasses(1000).seed(1).build().init();
        InputType input = InputType.convolutional(224, 224, 3);
        ComputationGraph net = WiseSrNet.attach(zoo, 10, input);
        assertHeadReplaced(zoo, net, input, List.of("avgpool", "output"), "res5c_branch");
        assertParamsCarriedOver(zoo, net);
    }

    @Test
    void zooXception() {
        ComputationGraph zoo = Xception.builder().numClasses(1000).seed(1).build().init();
        InputType input = InputType.convolutional(299, 299, 3);
        ComputationGraph net = WiseSrNet.attach(zoo, 10, input);
        assertHeadReplaced(zoo, net, input, List.of("avg_pool", "predictions"), "block14_sepconv2_act");
        assertParamsCarriedOver(zoo, net);
        WiseSrLayer head = (WiseSrLayer) ((LayerVertex) net.getConfiguration().getVertices()
                .get(WiseSrNet.SPATIAL_WEIGHTS_VERTEX)).getLayerConf().getLayer();
        assertEquals(2048, head.getNIn());
        assertEquals(10, head.getInputHeight()); // 10x10 map at 299x299, as in Keras
        assertEquals(2, head.getPoolSize());
        assertEquals(5, head.getKernelHeight());
    }

    private static void assertHeadReplaced(ComputationGraph zoo, ComputationGraph net, InputType input,
            List<String> oldHead, String featureVertex) {
        for (String removed : oldHead) {
            assertTrue(zoo.getConfiguration().getVertices().containsKey(removed), removed + " not in the zoo graph");
            assertFalse(net.getConfiguration().getVertices().containsKey(removed) && !removed.equals(
                    WiseSrNet.OUTPUT_VERTEX), removed + " survived attach");
        }
        assertEquals(List.of(featureVertex),
                net.getConfiguration().getVertexInputs().get(WiseSrNet.SPATIAL_WEIGHTS_VERTEX));
        Map<String, InputType> types = net.getConfiguration().clone().getLayerActivationTypes(input);
        assertEquals(InputType.feedForward(10), types.get(WiseSrNet.OUTPUT_VERTEX));
        assertEquals(List.of(WiseSrNet.OUTPUT_VERTEX), net.getConfiguration().getNetworkOutputs());
    }

    private static void assertParamsCarriedOver(ComputationGraph zoo, ComputationGraph net) {
        int layersCompared = 0;
        for (org.deeplearning4j.nn.api.Layer layer : zoo.getLayers()) {
            String name = layer.conf().getLayer().getLayerName();
            if (!net.getConfiguration().getVertices().containsKey(name) || layer.numParams() == 0
                    || name.equals(WiseSrNet.OUTPUT_VERTEX)) {
                continue;
            }
            for (Map.Entry<String, INDArray> p : layer.paramTable().entrySet()) {
                assertEquals(p.getValue(), net.getLayer(name).getParam(p.getKey()), name + "_" + p.getKey());
            }
            layersCompared++;
        }
        assertTrue(layersCompared > 50, "compared only " + layersCompared + " layers");
    }
}
