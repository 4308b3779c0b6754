package io.github.wisesrnet.data;

import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.opencv.opencv_core.Mat;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.bytedeco.opencv.global.opencv_core.CV_8UC3;
import static org.bytedeco.opencv.global.opencv_core.CV_8UC4;
import static org.bytedeco.opencv.global.opencv_core.mixChannels;
import static org.bytedeco.opencv.global.opencv_imgcodecs.IMREAD_COLOR;
import static org.bytedeco.opencv.global.opencv_imgcodecs.IMREAD_IGNORE_ORIENTATION;
import static org.bytedeco.opencv.global.opencv_imgcodecs.imdecode;

/**
 * Decodes an image file to an 8-bit, 3-channel OpenCV image in BGR order (OpenCV's order): grayscale is expanded
 * to 3 channels, alpha is dropped, 16-bit images are scaled to 8 bits, EXIF orientation is ignored (as Keras's
 * loader does). JPEG, PNG and BMP are decoded by OpenCV; GIF, which OpenCV cannot read, by {@link ImageIO} (first
 * frame). Thread-safe.
 */
final class ImageDecoder {

    private ImageDecoder() {
    }

    /**
     * @return BGR image {@code rows x cols}, type CV_8UC3
     * @throws IOException when the file cannot be read or decoded, with the reason
     */
    static Mat decodeBgr(Path file) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        if (bytes.length == 0) {
            throw new IOException("empty file (0 bytes)");
        }
        Mat image = imdecode(new Mat(bytes), IMREAD_COLOR | IMREAD_IGNORE_ORIENTATION);
        if (image != null && !image.empty()) {
            return image;
        }
        if (ImageFileCheck.isGif(bytes)) {
            return decodeGif(bytes);
        }
        throw new IOException("the image decoder could not read the data (corrupt or unsupported content)");
    }

    private static Mat decodeGif(byte[] bytes) throws IOException {
        BufferedImage image;
        try {
            image = ImageIO.read(new ByteArrayInputStream(bytes));
        } catch (IOException | RuntimeException e) {
            throw new IOException("the GIF decoder failed: " + e.getMessage(), e);
        }
        if (image == null) {
            throw new IOException("the GIF decoder could not read the data");
        }
        int w = image.getWidth();
        int h = image.getHeight();
        int[] argb = image.getRGB(0, 0, w, h, null, 0, w);
        Mat packed = new Mat(h, w, CV_8UC4, new IntPointer(argb));
        // Each int is 0xAARRGGBB: in memory B, G, R, A on little-endian machines, A, R, G, B on big-endian ones.
        int[] fromTo = ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN
                ? new int[] {0, 0, 1, 1, 2, 2}
                : new int[] {3, 0, 2, 1, 1, 2};
        Mat bgr = new Mat(h, w, CV_8UC3);
        mixChannels(packed, 1, bgr, 1, fromTo, 3);
        return bgr;
    }
}
