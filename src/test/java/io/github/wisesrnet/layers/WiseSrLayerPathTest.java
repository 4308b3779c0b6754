package io.github.wisesrnet.layers;

import io.github.wisesrnet.TestNets;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Which pooling path the layer takes, so that the gradient and equivalence tests cover each; the bound's ceiling;
 * write targets that are views.
 */
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

    /** The property that moves the matrix/op bound cannot send a map above the ceiling down the (H*W)^2 path. */
    @Test
    void matrixBoundPropertyStopsAtItsCeiling() {
        String key = WiseSrLayerImpl.MAX_MATRIX_POOLED_PIXELS_PROPERTY;
        System.setProperty(key, Long.toString(Long.MAX_VALUE));
        try {
            assertFalse(poolsWithOp(56, 56, 3)); // at the ceiling: the matrix, as asked
            assertTrue(poolsWithOp(57, 57, 3));
            assertTrue(poolsWithOp(220, 220, 3));
        } finally {
            System.clearProperty(key);
        }
    }

    /** Targets of writes are views: ND4J's enforced view throws where a plain reshape would write into a copy. */
    @Test
    void writableViewIsAViewOrFails() {
        INDArray a = Nd4j.zeros(DataType.FLOAT, 4, 6);
        WiseSrLayerImpl.writableView(a, 2, 2, 6).assign(1);
        assertEquals(24, a.sumNumber().intValue());

        INDArray columns = a.get(NDArrayIndex.all(), NDArrayIndex.interval(0, 3)); // [4, 3], rows 6 apart
        INDArray copy = columns.reshape('c', new long[]{12});
        copy.assign(5);
        assertEquals(24, a.sumNumber().intValue(), "a plain reshape of this view is a copy: the write is lost");
        assertThrows(RuntimeException.class, () -> WiseSrLayerImpl.writableView(columns, 12));
    }
}
