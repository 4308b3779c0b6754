package io.github.wisesrnet.data;

import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Loads individual image files as one network input batch, prepared exactly like test images of
 * {@link ImageFolderData}: resized to the input size, RGB, preprocessed, never augmented.
 */
public final class ImageFiles {

    private final ImageLoader loader;
    private final int height;
    private final int width;
    private final CNN2DFormat format;
    private final Preprocessing preprocessing;

    /**
     * Prepares images for a model with this input size, layout and preprocessing.
     *
     * @param height        input height in pixels; every image is resized (not cropped) to it
     * @param width         input width in pixels
     * @param format        layout of the batches: NCHW, else NHWC
     * @param preprocessing how pixels become network inputs, as the model was trained with; not null
     */
    public ImageFiles(int height, int width, CNN2DFormat format, Preprocessing preprocessing) {
        this.loader = new ImageLoader(height, width);
        this.height = height;
        this.width = width;
        this.format = format;
        this.preprocessing = preprocessing;
    }

    /** The same preparation as the test split of {@code spec}. */
    public static ImageFiles like(DataSpec spec) {
        return new ImageFiles(spec.height(), spec.width(), spec.format(), Preprocessing.fromName(spec.preprocessing()));
    }

    /**
     * A batch {@code [n, 3, h, w]} (NCHW) or {@code [n, h, w, 3]} (NHWC) of the given files, in order.
     *
     * @throws IOException naming the first file that cannot be decoded
     */
    public INDArray load(List<Path> files) throws IOException {
        if (files.isEmpty()) {
            throw new IllegalArgumentException("No image files given.");
        }
        int per = loader.pixelsPerImage();
        float[] pixels = new float[files.size() * per];
        for (int i = 0; i < files.size(); i++) {
            try {
                loader.load(files.get(i), AugmentationSample.IDENTITY, pixels, i * per);
            } catch (IOException e) {
                throw new IOException(files.get(i) + ": " + e.getMessage(), e);
            }
        }
        return input(rgb(pixels, files.size()));
    }

    /**
     * The readable files among {@code files}, as a network input batch and as the pixels it was made from; files
     * that cannot be decoded are left out with their reason, never failing the whole batch.
     */
    public Readable loadReadable(List<Path> files) {
        int per = loader.pixelsPerImage();
        float[] pixels = new float[files.size() * per];
        List<Path> loaded = new ArrayList<>();
        Map<Path, String> skipped = new LinkedHashMap<>();
        for (Path file : files) {
            try {
                loader.load(file, AugmentationSample.IDENTITY, pixels, loaded.size() * per);
                loaded.add(file);
            } catch (IOException | RuntimeException e) {
                skipped.put(file, e.getMessage());
            }
        }
        if (loaded.isEmpty()) {
            return new Readable(null, null, List.of(), skipped);
        }
        INDArray rgb = rgb(Arrays.copyOf(pixels, loaded.size() * per), loaded.size());
        return new Readable(input(rgb.dup()), rgb, List.copyOf(loaded), skipped);
    }

    /**
     * What {@link #loadReadable} read.
     *
     * @param input   the network input, preprocessed, in the model's layout; null when no file was readable
     * @param pixels  the same images before preprocessing: RGB in [0, 255], {@code [n, h, w, 3]}; null when none
     * @param files   the files read, in the order of the batch
     * @param skipped files that could not be decoded, with the reason
     */
    public record Readable(INDArray input, INDArray pixels, List<Path> files, Map<Path, String> skipped) {
    }

    private INDArray rgb(float[] pixels, int n) {
        return Nd4j.create(pixels, new long[]{n, height, width, 3}, DataType.FLOAT);
    }

    private INDArray input(INDArray hwc) {
        INDArray batch = format == CNN2DFormat.NCHW ? hwc.permute(0, 3, 1, 2).dup('c') : hwc;
        return preprocessing.apply(batch, format);
    }
}
