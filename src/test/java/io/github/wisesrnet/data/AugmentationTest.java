package io.github.wisesrnet.data;

import org.bytedeco.javacpp.indexer.UByteIndexer;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Scalar;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.Random;

import static org.bytedeco.opencv.global.opencv_core.CV_8UC3;
import static org.bytedeco.opencv.global.opencv_core.ROTATE_90_CLOCKWISE;
import static org.bytedeco.opencv.global.opencv_core.ROTATE_90_COUNTERCLOCKWISE;
import static org.bytedeco.opencv.global.opencv_core.flip;
import static org.bytedeco.opencv.global.opencv_core.rotate;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AugmentationTest {

    @Test
    void paperAndNone() {
        Augmentation paper = Augmentation.paper();
        assertTrue(paper.horizontalFlip() && paper.verticalFlip());
        assertEquals(360, paper.rotationDegrees());
        assertEquals(0.2, paper.zoom());
        assertEquals(0.1, paper.widthShift());
        assertEquals(0.1, paper.heightShift());
        assertEquals(50, paper.channelShift());
        assertEquals(0, paper.brightnessMin());
        assertEquals(1.2, paper.brightnessMax());
        assertEquals("paper augmentation", paper.describe());
        assertTrue(Augmentation.none().isNone());
        assertFalse(paper.isNone());
        assertEquals("no augmentation", Augmentation.none().describe());
        Augmentation flips = Augmentation.none().withHorizontalFlip(true).withRotationDegrees(15);
        assertEquals("augmentation (h-flip, rotation 15)", flips.describe());
        assertEquals(paper, Augmentation.none().withHorizontalFlip(true).withVerticalFlip(true)
                .withRotationDegrees(360).withZoom(0.2).withShift(0.1, 0.1).withChannelShift(50)
                .withBrightness(0, 1.2));
    }

    @Test
    void rejectsBadValues() {
        assertThrows(IllegalArgumentException.class, () -> Augmentation.none().withZoom(1.5));
        assertThrows(IllegalArgumentException.class, () -> Augmentation.none().withRotationDegrees(-1));
        assertThrows(IllegalArgumentException.class, () -> Augmentation.none().withShift(0.1, Double.NaN));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Augmentation.none().withBrightness(1.2, 0.5));
        assertTrue(e.getMessage().contains("min <= max"), e.getMessage());
    }

    @Test
    void samplesAreReproducibleAndInRange() {
        Augmentation paper = Augmentation.paper();
        for (int i = 0; i < 200; i++) {
            AugmentationSample a = AugmentationSample.draw(paper, new Random(i), 96, 64);
            assertEquals(a, AugmentationSample.draw(paper, new Random(i), 96, 64));
            assertTrue(Math.abs(a.rotationDegrees()) <= 360);
            assertTrue(Math.abs(a.shiftX()) <= 0.1 * 64 && Math.abs(a.shiftY()) <= 0.1 * 96);
            assertTrue(a.zoomX() >= 0.8 && a.zoomX() <= 1.2 && a.zoomY() >= 0.8 && a.zoomY() <= 1.2);
            assertTrue(Math.abs(a.channelShift()) <= 50);
            assertTrue(a.brightness() >= 0 && a.brightness() <= 1.2);
        }
        assertNotEquals(AugmentationSample.draw(paper, new Random(1), 96, 64),
                AugmentationSample.draw(paper, new Random(2), 96, 64));
        assertEquals(AugmentationSample.IDENTITY, AugmentationSample.draw(Augmentation.none(), new Random(1), 9, 9));
    }

    /** A 6x6 image with a distinct value at every pixel and channel. */
    private static Mat gradient() {
        Mat m = new Mat(6, 6, CV_8UC3);
        try (UByteIndexer idx = m.createIndexer()) {
            for (int y = 0; y < 6; y++) {
                for (int x = 0; x < 6; x++) {
                    for (int c = 0; c < 3; c++) {
                        idx.put(y, x, c, 10 * y + x + 70 * c);
                    }
                }
            }
        }
        return m;
    }

    private static int[] pixels(Mat m) {
        byte[] bytes = new byte[m.rows() * m.cols() * 3];
        m.data().get(bytes);
        int[] out = new int[bytes.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = bytes[i] & 0xFF;
        }
        return out;
    }

    private static AugmentationSample geometric(double degrees, boolean flipH, boolean flipV) {
        return new AugmentationSample(degrees, 0, 0, 1, 1, flipH, flipV, 0, 1);
    }

    @Test
    void flipsMatchOpenCvFlip() {
        Mat image = gradient();
        Mat expectedH = new Mat();
        flip(image, expectedH, 1);
        assertArrayEquals(pixels(expectedH), pixels(ImageAugmenter.apply(image, geometric(0, true, false))));
        Mat expectedV = new Mat();
        flip(image, expectedV, 0);
        assertArrayEquals(pixels(expectedV), pixels(ImageAugmenter.apply(image, geometric(0, false, true))));
    }

    @Test
    void quarterTurnMatchesOpenCvRotate() {
        Mat image = gradient();
        int[] turned = pixels(ImageAugmenter.apply(image, geometric(90, false, false)));
        Mat cw = new Mat();
        rotate(image, cw, ROTATE_90_CLOCKWISE);
        Mat ccw = new Mat();
        rotate(image, ccw, ROTATE_90_COUNTERCLOCKWISE);
        assertTrue(Arrays.equals(turned, pixels(cw)) || Arrays.equals(turned, pixels(ccw)));
    }

    @Test
    void pixelChangesSaturate() {
        Mat image = new Mat(2, 2, CV_8UC3, new Scalar(100, 200, 250, 0));
        int[] shifted = pixels(ImageAugmenter.apply(image, new AugmentationSample(0, 0, 0, 1, 1, false, false, 40, 1)));
        assertArrayEquals(new int[] {140, 240, 255}, Arrays.copyOf(shifted, 3));
        int[] dark = pixels(ImageAugmenter.apply(image, new AugmentationSample(0, 0, 0, 1, 1, false, false, 0, 0)));
        assertArrayEquals(new int[12], dark);
        int[] bright = pixels(ImageAugmenter.apply(image, new AugmentationSample(0, 0, 0, 1, 1, false, false, 0, 1.2)));
        assertArrayEquals(new int[] {120, 240, 255}, Arrays.copyOf(bright, 3));
        assertSame(image, ImageAugmenter.apply(image, AugmentationSample.IDENTITY));
    }

    @Test
    void shiftMovesContentAndRepeatsEdges() {
        Mat image = gradient();
        // Output pixel x samples source pixel x + 2: content moves left, the right edge repeats.
        int[] shifted = pixels(ImageAugmenter.apply(image, new AugmentationSample(0, 2, 0, 1, 1, false, false, 0, 1)));
        int[] source = pixels(image);
        for (int y = 0; y < 6; y++) {
            for (int x = 0; x < 6; x++) {
                int from = Math.min(x + 2, 5);
                assertEquals(source[(y * 6 + from) * 3], shifted[(y * 6 + x) * 3], "pixel " + x + "," + y);
            }
        }
    }
}
