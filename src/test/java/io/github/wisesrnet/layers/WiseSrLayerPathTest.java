package io.github.wisesrnet.layers;

import io.github.wisesrnet.TestNets;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Which pooling path the layer takes, so that the gradient and equivalence tests cover both. */
class WiseSrLayerPathTest {

    private static boolean poolsWithOp(int h, int w, int p) {
        ComputationGraph net = TestNets.convHeadOutput(TestNets.cnn(h, w, 2, CNN2DFormat.NCHW), 2,
                new WiseSrLayer.Builder().poolSize(p).build(), 2, DataType.FLOAT, null, 1);
        return ((WiseSrLayerImpl) net.getLayer("head")).poolsWithOp();
    }

    @Test
    void smallMapsUseThePoolingMatrixAndLargeMapsThePoolingOp() {
        assertFalse(poolsWithOp(7, 7, 2));
        assertFalse(poolsWithOp(16, 16, 3));
        assertFalse(poolsWithOp(5, 9, 2));
        assertTrue(poolsWithOp(17, 23, 2));
        assertTrue(poolsWithOp(17, 23, 3));
        assertTrue(poolsWithOp(56, 56, 3));
        assertFalse(poolsWithOp(56, 56, 1)); // nothing to pool
    }
}
