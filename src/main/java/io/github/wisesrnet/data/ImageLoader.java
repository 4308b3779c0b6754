package io.github.wisesrnet.data;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.MatVector;
import org.bytedeco.opencv.opencv_core.Size;

import org.deeplearning4j.nn.conf.CNN2DFormat;

import java.io.IOException;
import java.nio.FloatBuffer;
import java.nio.file.Path;

import static org.bytedeco.opencv.global.opencv_core.CV_32F;
import static org.bytedeco.opencv.global.opencv_core.split;
import static org.bytedeco.opencv.global.opencv_imgproc.COLOR_BGR2RGB;
import static org.bytedeco.opencv.global.opencv_imgproc.INTER_AREA;
import static org.bytedeco.opencv.global.opencv_imgproc.INTER_LINEAR;
import static org.bytedeco.opencv.global.opencv_imgproc.cvtColor;
import static org.bytedeco.opencv.global.opencv_imgproc.resize;

/**
 * Turns one image file into {@code 3 x height x width} floats in [0, 255], RGB or BGR, channels first (CHW) or last
 * (HWC): decode, resize (area
 * interpolation when shrinking, bilinear when enlarging; the aspect ratio is not kept and nothing is cropped),
 * augment, convert. All pixel work is done by OpenCV; native memory is freed when the call returns. Thread-safe.
 */
final class ImageLoader {

    private final int height;
    private final int width;
    private final CNN2DFormat layout;
    private final boolean bgr;

    /** Loads RGB images channels last ({@code [h, w, 3]}). */
    ImageLoader(int height, int width) {
        this(height, width, CNN2DFormat.NHWC, false);
    }

    /**
     * @param layout channels first ({@code [3, h, w]}, NCHW) or last ({@code [h, w, 3]}, NHWC)
     * @param bgr    channel order BGR instead of RGB (what {@link Preprocessing#CAFFE} works on)
     */
    ImageLoader(int height, int width, CNN2DFormat layout, boolean bgr) {
        this.height = height;
        this.width = width;
        this.layout = layout;
        this.bgr = bgr;
    }

    /** Floats one image occupies. */
    int pixelsPerImage() {
        return height * width * 3;
    }

    /**
     * Writes the image into {@code dst[offset, offset + pixelsPerImage())} in this loader's layout and channel order.
     *
     * @throws IOException when the file cannot be read or decoded, with the reason
     */
    void load(Path file, AugmentationSample sample, float[] dst, int offset) throws IOException {
        try (PointerScope scope = new PointerScope()) {
            Mat decoded = ImageDecoder.decodeBgr(file);
            Mat sized = resized(decoded);
            Mat augmented = ImageAugmenter.apply(sized, sample);
            Mat ordered = augmented;
            if (!bgr) {
                ordered = new Mat();
                cvtColor(augmented, ordered, COLOR_BGR2RGB);
            }
            Mat floats = new Mat();
            ordered.convertTo(floats, CV_32F);
            if (layout == CNN2DFormat.NHWC) {
                FloatBuffer interleaved = floats.createBuffer();
                interleaved.get(dst, offset, pixelsPerImage());
            } else {
                MatVector planes = new MatVector();
                split(floats, planes);
                int planeSize = height * width;
                for (int c = 0; c < 3; c++) {
                    FloatBuffer plane = planes.get(c).createBuffer();
                    plane.get(dst, offset + c * planeSize, planeSize);
                }
            }
        } catch (RuntimeException e) {
            throw new IOException("image processing failed: " + e.getMessage(), e);
        }
    }

    private Mat resized(Mat image) {
        if (image.rows() == height && image.cols() == width) {
            return image;
        }
        boolean shrinking = (long) height * width < (long) image.rows() * image.cols();
        Mat out = new Mat();
        resize(image, out, new Size(width, height), 0, 0, shrinking ? INTER_AREA : INTER_LINEAR);
        return out;
    }
}
