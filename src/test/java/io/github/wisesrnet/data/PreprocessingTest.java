package io.github.wisesrnet.data;

import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.INDArrayIndex;
import org.nd4j.linalg.indexing.NDArrayIndex;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PreprocessingTest {

    @Test
    void parsesCommandLineNames() {
        assertEquals(Preprocessing.CAFFE, Preprocessing.fromName("caffe"));
        assertEquals(Preprocessing.CAFFE, Preprocessing.fromName(" CAFFE "));
        assertEquals(Preprocessing.UNIT, Preprocessing.fromName("0-1"));
        assertEquals(Preprocessing.UNIT, Preprocessing.fromName("Unit"));
        assertEquals(Preprocessing.SYMMETRIC, Preprocessing.fromName("-1-1"));
        assertEquals(Preprocessing.SYMMETRIC, Preprocessing.fromName("symmetric"));
        assertEquals(Preprocessing.SYMMETRIC, Preprocessing.fromName("tf"));
        assertEquals(Preprocessing.TORCH, Preprocessing.fromName("Torch"));
        for (io.github.wisesrnet.backbones.Backbone b : java.util.EnumSet.range(
                io.github.wisesrnet.backbones.Backbone.RESNET50, io.github.wisesrnet.backbones.Backbone.XCEPTION)) {
            Preprocessing.fromName(b.kerasPreprocessing()); // every Keras mode a backbone names is known
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Preprocessing.fromName("imagenet"));
        assertTrue(e.getMessage().contains("'imagenet'") && e.getMessage().contains("'caffe'")
                && e.getMessage().contains("'0-1'") && e.getMessage().contains("'-1-1'"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Preprocessing.fromName(null));
    }

    /** One RGB pixel (200, 100, 30) and one (0, 255, 128), NCHW. */
    private static INDArray twoPixelsNchw() {
        return Nd4j.createFromArray(new float[] {200, 0, 100, 255, 30, 128}).reshape(1, 3, 1, 2);
    }

    @Test
    void caffeReordersToBgrAndSubtractsImageNetMeans() {
        float[] out = Preprocessing.CAFFE.apply(twoPixelsNchw(), CNN2DFormat.NCHW).data().asFloat();
        float[] expected = {30 - 103.939f, 128 - 103.939f, 100 - 116.779f, 255 - 116.779f, 200 - 123.68f,
                0 - 123.68f};
        assertArrayEquals(expected, out, 1e-4f);
    }

    @Test
    void caffeWorksOnNhwcToo() {
        INDArray nhwc = twoPixelsNchw().permute(0, 2, 3, 1).dup('c');
        INDArray out = Preprocessing.CAFFE.apply(nhwc, CNN2DFormat.NHWC);
        assertArrayEquals(new long[] {1, 1, 2, 3}, out.shape());
        assertArrayEquals(new float[] {30 - 103.939f, 100 - 116.779f, 200 - 123.68f, 128 - 103.939f,
                255 - 116.779f, 0 - 123.68f}, out.dup('c').data().asFloat(), 1e-4f);
    }

    @Test
    void unitAndSymmetricScale() {
        INDArray unit = Preprocessing.UNIT.apply(twoPixelsNchw(), CNN2DFormat.NCHW);
        assertArrayEquals(new float[] {200 / 255f, 0, 100 / 255f, 1, 30 / 255f, 128 / 255f},
                unit.data().asFloat(), 1e-6f);
        INDArray sym = Preprocessing.SYMMETRIC.apply(twoPixelsNchw(), CNN2DFormat.NCHW);
        assertArrayEquals(new float[] {200 / 127.5f - 1, -1, 100 / 127.5f - 1, 1, 30 / 127.5f - 1, 128 / 127.5f - 1},
                sym.data().asFloat(), 1e-6f);
        INDArray full = Nd4j.rand(DataType.FLOAT, 2, 3, 4, 5).muli(255);
        INDArray scaled = Preprocessing.SYMMETRIC.apply(full, CNN2DFormat.NCHW);
        assertTrue(scaled.minNumber().doubleValue() >= -1 && scaled.maxNumber().doubleValue() <= 1);
    }

    /** Keras's 'torch' mode, by hand: x / 255, minus the ImageNet mean, over the standard deviation, per channel. */
    @Test
    void torchNormalizesEachChannelWithImageNetStatistics() {
        float[] expected = {(200 / 255f - 0.485f) / 0.229f, (0 - 0.485f) / 0.229f, (100 / 255f - 0.456f) / 0.224f,
                (1 - 0.456f) / 0.224f, (30 / 255f - 0.406f) / 0.225f, (128 / 255f - 0.406f) / 0.225f};
        assertArrayEquals(expected, Preprocessing.TORCH.apply(twoPixelsNchw(), CNN2DFormat.NCHW).data().asFloat(),
                1e-5f);
        INDArray nhwc = Preprocessing.TORCH.apply(twoPixelsNchw().permute(0, 2, 3, 1).dup('c'), CNN2DFormat.NHWC);
        assertArrayEquals(new float[]{expected[0], expected[2], expected[4], expected[1], expected[3], expected[5]},
                nhwc.dup('c').data().asFloat(), 1e-5f);
    }

    /** The loader's fast path (pixels already in BGR order for caffe) gives what apply gives on RGB pixels. */
    @Test
    void valuesStepOnOrderedPixelsMatchesApply() {
        for (CNN2DFormat format : CNN2DFormat.values()) {
            int axis = format == CNN2DFormat.NCHW ? 1 : 3;
            INDArray rgb = format == CNN2DFormat.NCHW ? Nd4j.rand(DataType.FLOAT, 2, 3, 5, 4).muli(255)
                    : Nd4j.rand(DataType.FLOAT, 2, 5, 4, 3).muli(255);
            INDArray bgr = Nd4j.concat(axis, channel(rgb, axis, 2), channel(rgb, axis, 1), channel(rgb, axis, 0));
            for (Preprocessing p : Preprocessing.values()) {
                INDArray viaApply = p.apply(rgb.dup(), format);
                INDArray viaOrdered = p.applyInOrder((p.wantsBgr() ? bgr : rgb).dup(), format);
                assertTrue(viaApply.equalsWithEps(viaOrdered, 1e-4), p + " " + format);
            }
        }
    }

    private static INDArray channel(INDArray x, int axis, int c) {
        INDArrayIndex[] index = new INDArrayIndex[4];
        for (int i = 0; i < 4; i++) {
            index[i] = i == axis ? NDArrayIndex.interval(c, c + 1) : NDArrayIndex.all();
        }
        return x.get(index);
    }

    @Test
    void rejectsWrongChannelCount() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Preprocessing.CAFFE.apply(Nd4j.zeros(DataType.FLOAT, 1, 1, 4, 4), CNN2DFormat.NCHW));
        assertTrue(e.getMessage().contains("[1, 1, 4, 4]"), e.getMessage());
    }

    @Test
    void toPixelsUndoesEveryPreprocessingInBothLayouts() {
        Nd4j.getRandom().setSeed(4);
        INDArray hwc = Nd4j.rand(DataType.FLOAT, 2, 5, 7, 3).muli(255);
        for (Preprocessing p : Preprocessing.values()) {
            for (CNN2DFormat format : CNN2DFormat.values()) {
                INDArray batch = format == CNN2DFormat.NCHW ? hwc.permute(0, 3, 1, 2).dup() : hwc.dup();
                INDArray input = p.apply(batch, format);
                INDArray pixels = p.toPixels(input, format);
                assertArrayEquals(new long[]{2, 5, 7, 3}, pixels.shape());
                assertTrue(hwc.equalsWithEps(pixels, 1e-3), p + " " + format);
            }
        }
    }
}
