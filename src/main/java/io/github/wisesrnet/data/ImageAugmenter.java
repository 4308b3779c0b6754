package io.github.wisesrnet.data;

import org.bytedeco.javacpp.indexer.DoubleIndexer;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Scalar;
import org.bytedeco.opencv.opencv_core.Size;

import static org.bytedeco.opencv.global.opencv_core.BORDER_REPLICATE;
import static org.bytedeco.opencv.global.opencv_core.CV_64F;
import static org.bytedeco.opencv.global.opencv_imgproc.INTER_LINEAR;
import static org.bytedeco.opencv.global.opencv_imgproc.WARP_INVERSE_MAP;
import static org.bytedeco.opencv.global.opencv_imgproc.warpAffine;

/**
 * Applies an {@link AugmentationSample} to an 8-bit, 3-channel OpenCV image with OpenCV operations: one bilinear
 * affine warp (edge pixels repeated) for flips, zoom, shift and rotation, then the channel shift and the brightness
 * factor, each saturating to 0-255. Stateless and thread-safe.
 */
final class ImageAugmenter {

    private ImageAugmenter() {
    }

    /**
     * @param image 8-bit image {@code rows x cols x 3}; not modified
     * @return a new image of the same size and type, or {@code image} itself when the sample changes nothing
     */
    static Mat apply(Mat image, AugmentationSample sample) {
        Mat out = image;
        if (!sample.isGeometricIdentity()) {
            out = warp(out, sample);
        }
        if (sample.channelShift() != 0) {
            Mat shifted = new Mat();
            out.convertTo(shifted, -1, 1.0, sample.channelShift());
            out = shifted;
        }
        if (sample.brightness() != 1) {
            Mat scaled = new Mat();
            out.convertTo(scaled, -1, sample.brightness(), 0.0);
            out = scaled;
        }
        return out;
    }

    private static Mat warp(Mat image, AugmentationSample sample) {
        double[] m = sample.outputToSource(image.rows(), image.cols());
        Mat matrix = new Mat(2, 3, CV_64F);
        try (DoubleIndexer idx = matrix.createIndexer()) {
            idx.put(0, 0, m[0]).put(0, 1, m[1]).put(0, 2, m[2]);
            idx.put(1, 0, m[3]).put(1, 1, m[4]).put(1, 2, m[5]);
        }
        Mat out = new Mat();
        warpAffine(image, out, matrix, new Size(image.cols(), image.rows()), INTER_LINEAR | WARP_INVERSE_MAP,
                BORDER_REPLICATE, new Scalar());
        return out;
    }
}
