package io.github.wisesrnet.explain;

import io.github.wisesrnet.app.report.HeatmapImages;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.awt.image.BufferedImage;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SpatialWeightsAndImagesTest {

    /** Channel 0 uniform (like GAP), 1 all on one position, 2 all zero, 3 on two of nine positions. */
    private static SpatialWeights fourChannels() {
        INDArray w = Nd4j.zeros(DataType.FLOAT, 4, 3, 3);
        w.get(NDArrayIndex.point(0)).assign(0.2);
        w.putScalar(new long[]{1, 2, 1}, 0.7);
        w.putScalar(new long[]{3, 0, 0}, 0.5);
        w.putScalar(new long[]{3, 2, 2}, 0.5);
        return new SpatialWeights(w, 2);
    }

    @Test
    void selectivityIsZeroForUniformWeightsAndOneForASinglePosition() {
        SpatialWeights weights = fourChannels();
        double[] s = weights.selectivity();
        assertEquals(0.0, s[0], 1e-6);
        assertEquals(1.0, s[1], 1e-6);
        assertEquals(0.0, s[2], 0.0);
        assertEquals(1 - Math.log(2) / Math.log(9), s[3], 1e-6);
        assertArrayEquals(new int[]{1, 3}, weights.mostSelective(2));
        assertEquals(1, weights.silentChannels());
        assertTrue(weights.mean().equalsWithEps(weights.weights().mean(0), 1e-7));
    }

    @Test
    void upsamplingKeepsAPeakWhereItWas() {
        INDArray maps = Nd4j.zeros(DataType.FLOAT, 1, 1, 4, 4);
        maps.putScalar(new long[]{0, 0, 0, 3}, 1.0);
        Attributions a = new Attributions(new int[][]{{0}}, maps, Nd4j.zeros(DataType.FLOAT, 1, 1),
                Nd4j.ones(DataType.FLOAT, 1, 1));
        INDArray up = a.upsampled(8, 8).reshape(8, 8);
        long peak = up.reshape(-1).argMax().getLong(0);
        long row = peak / 8;
        long col = peak % 8;
        assertTrue(row <= 1 && col >= 6, "peak at " + row + "," + col + "\n" + up);
    }

    @Test
    void picturesHaveTheirSizeAndContent() {
        SpatialWeights weights = fourChannels();
        BufferedImage picture = HeatmapImages.spatialWeights(weights, 2, "weights");
        assertTrue(picture.getWidth() > 2 * 150 && picture.getHeight() > 2 * 100,
                picture.getWidth() + "x" + picture.getHeight());

        INDArray heat = Nd4j.linspace(-1, 1, 12, DataType.FLOAT).reshape(3, 4);
        BufferedImage base = new BufferedImage(4, 3, BufferedImage.TYPE_INT_RGB);
        BufferedImage overlay = HeatmapImages.overlay(base, heat, 1.0);
        int negative = overlay.getRGB(0, 0);
        int positive = overlay.getRGB(3, 2);
        assertTrue((negative & 0xFF) > ((negative >> 16) & 0xFF), "blue where the value is negative");
        assertTrue(((positive >> 16) & 0xFF) > (positive & 0xFF), "red where the value is positive");
        assertThrows(IllegalArgumentException.class, () -> HeatmapImages.overlay(base, heat.reshape(4, 3), 1.0));
        assertThrows(IllegalArgumentException.class, () -> HeatmapImages.grid("t", List.of(List.of()), List.of()));
    }
}
