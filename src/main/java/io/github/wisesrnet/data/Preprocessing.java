package io.github.wisesrnet.data;

import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * How pixel values are turned into network inputs, applied with ND4J ops to whole batches.
 *
 * <p>Input: a float batch of RGB pixels in [0, 255], {@code [n, 3, h, w]} (NCHW) or {@code [n, h, w, 3]} (NHWC).
 * Output: the same shape, values as described per constant.
 */
public enum Preprocessing {

    /**
     * The paper's preprocessing (Keras {@code preprocess_input}, 'caffe' mode): channels reordered RGB to BGR, then
     * the ImageNet channel means subtracted (B 103.939, G 116.779, R 123.68); no scaling. Values roughly in
     * [-124, 152].
     */
    CAFFE("caffe", "caffe"),

    /** Pixels divided by 255: values in [0, 1], RGB order. */
    UNIT("0-1", "0-1", "unit"),

    /**
     * Pixels divided by 127.5, minus 1: values in [-1, 1], RGB order (Keras's 'tf' mode: InceptionV3's and Xception's
     * ImageNet weights).
     */
    SYMMETRIC("-1-1", "-1-1", "symmetric", "tf"),

    /**
     * Keras's 'torch' mode (DenseNet's ImageNet weights): pixels divided by 255, then per RGB channel the ImageNet
     * mean subtracted (0.485, 0.456, 0.406) and the result divided by the standard deviation (0.229, 0.224, 0.225).
     * Values roughly in [-2.1, 2.6].
     */
    TORCH("torch", "torch");

    /** ImageNet channel means in BGR order, in pixel units (0-255). */
    static final float[] CAFFE_MEANS_BGR = {103.939f, 116.779f, 123.68f};
    /** Keras's 'torch' mode: ImageNet channel means and standard deviations, RGB, in units of 255. */
    static final float[] TORCH_MEANS_RGB = {0.485f, 0.456f, 0.406f};
    static final float[] TORCH_STDS_RGB = {0.229f, 0.224f, 0.225f};

    private final String label;
    private final List<String> names;

    Preprocessing(String label, String... names) {
        this.label = label;
        this.names = List.of(names);
    }

    /** Short name for logs and descriptions: "caffe", "0-1", "-1-1" or "torch". */
    public String label() {
        return label;
    }

    /**
     * Whether the channels are reordered RGB to BGR before {@link #pixelMeans()} and {@link #pixelStds()} apply (only
     * 'caffe').
     */
    public boolean toBgr() {
        return this == CAFFE;
    }

    /**
     * This preprocessing as one affine map per channel, {@code (pixel - mean) / std} on pixels in [0, 255] (channels in
     * BGR order when {@link #toBgr()}): the means. For deployers who prepare inputs outside this library.
     */
    public float[] pixelMeans() {
        return switch (this) {
            case CAFFE -> CAFFE_MEANS_BGR.clone();
            case UNIT -> new float[]{0f, 0f, 0f};
            case SYMMETRIC -> new float[]{127.5f, 127.5f, 127.5f};
            case TORCH -> scaled(TORCH_MEANS_RGB);
        };
    }

    /** The standard deviations of {@link #pixelMeans()}'s affine map, in pixel units. */
    public float[] pixelStds() {
        return switch (this) {
            case CAFFE -> new float[]{1f, 1f, 1f};
            case UNIT -> new float[]{255f, 255f, 255f};
            case SYMMETRIC -> new float[]{127.5f, 127.5f, 127.5f};
            case TORCH -> scaled(TORCH_STDS_RGB);
        };
    }

    /** Keras's name of this mode where it has one ("caffe", "tf", "torch"), else "unit"; {@link #fromName} reads it. */
    public String modeName() {
        return switch (this) {
            case CAFFE -> "caffe";
            case UNIT -> "unit";
            case SYMMETRIC -> "tf";
            case TORCH -> "torch";
        };
    }

    /**
     * Parses a command-line name, case-insensitive: "caffe"; "0-1" or "unit"; "-1-1", "symmetric" or "tf"; "torch".
     * Keras's mode names ("caffe", "tf", "torch") are all accepted.
     *
     * @throws IllegalArgumentException for any other name, listing the accepted ones
     */
    public static Preprocessing fromName(String name) {
        if (name != null) {
            String key = name.trim().toLowerCase(Locale.ROOT);
            for (Preprocessing p : values()) {
                if (p.names.contains(key)) {
                    return p;
                }
            }
        }
        throw new IllegalArgumentException("Unknown preprocessing '" + name + "'. Accepted names: " + acceptedNames()
                + ".");
    }

    private static String acceptedNames() {
        return Arrays.stream(values())
                .map(p -> String.join(" or ", p.names.stream().map(n -> "'" + n + "'").toList()))
                .collect(Collectors.joining("; "));
    }

    /**
     * Preprocesses a batch of RGB pixels in [0, 255].
     *
     * @param rgb    float batch {@code [n, 3, h, w]} (NCHW) or {@code [n, h, w, 3]} (NHWC); may be modified in place
     * @param format layout of {@code rgb}
     * @return the preprocessed batch, same shape: {@code rgb} itself (UNIT, SYMMETRIC, TORCH) or a new array
     *         (CAFFE); always use the returned array
     */
    public INDArray apply(INDArray rgb, CNN2DFormat format) {
        requireImageBatch(rgb, format);
        return applyInOrder(this == CAFFE ? reverseChannels(rgb, channelAxis(format)) : rgb, format);
    }

    /**
     * Undoes {@link #apply} for display: RGB pixels in [0, 255] (clipped), channels last {@code [n, h, w, 3]}, from a
     * preprocessed batch in {@code format}. A new array; {@code input} is not changed.
     */
    public INDArray toPixels(INDArray input, CNN2DFormat format) {
        requireImageBatch(input, format);
        INDArray hwc = (format == CNN2DFormat.NCHW ? input.permute(0, 2, 3, 1) : input).castTo(
                org.nd4j.linalg.api.buffer.DataType.FLOAT).dup('c');
        INDArray pixels;
        switch (this) {
            case CAFFE -> {
                INDArray flat = hwc.reshape('c', hwc.length() / 3, 3);
                flat.addiRowVector(Nd4j.createFromArray(CAFFE_MEANS_BGR));
                pixels = reverseChannels(flat.reshape('c', hwc.shape()), 3);
            }
            case UNIT -> pixels = hwc.muli(255.0);
            case SYMMETRIC -> pixels = hwc.addi(1.0).muli(127.5);
            case TORCH -> {
                INDArray flat = hwc.reshape('c', hwc.length() / 3, 3);
                flat.muliRowVector(Nd4j.createFromArray(scaled(TORCH_STDS_RGB)))
                        .addiRowVector(Nd4j.createFromArray(scaled(TORCH_MEANS_RGB)));
                pixels = flat.reshape('c', hwc.shape());
            }
            default -> throw new AssertionError(this);
        }
        return org.nd4j.linalg.ops.transforms.Transforms.max(
                org.nd4j.linalg.ops.transforms.Transforms.min(pixels, 255.0, false), 0.0, false);
    }

    /** True for CAFFE, whose values step works on BGR pixels; the others work on RGB. */
    boolean wantsBgr() {
        return this == CAFFE;
    }

    /**
     * The values step alone, on pixels in [0, 255] already in the channel order of {@link #wantsBgr()}: the fast path
     * for loaders that can produce that order directly. One ND4J op on the whole batch.
     *
     * @return the preprocessed batch; {@code pixels} itself, unless {@code pixels} is a non-contiguous view
     */
    INDArray applyInOrder(INDArray pixels, CNN2DFormat format) {
        requireImageBatch(pixels, format);
        switch (this) {
            case CAFFE:
                return perChannel(pixels, format, CAFFE_MEANS_BGR, null);
            case UNIT:
                return pixels.divi(255.0);
            case SYMMETRIC:
                return pixels.divi(127.5).subi(1.0);
            case TORCH:
                return perChannel(pixels, format, scaled(TORCH_MEANS_RGB), scaled(TORCH_STDS_RGB));
            default:
                throw new AssertionError(this);
        }
    }

    private static int channelAxis(CNN2DFormat format) {
        return format == CNN2DFormat.NCHW ? 1 : 3;
    }

    private static void requireImageBatch(INDArray batch, CNN2DFormat format) {
        if (batch.rank() != 4 || batch.size(channelAxis(format)) != 3) {
            throw new IllegalArgumentException("Expected a batch of 3-channel images in " + format
                    + " layout, got shape " + Arrays.toString(batch.shape()));
        }
    }

    /** Values in units of 255 as pixel units. */
    private static float[] scaled(float[] values) {
        float[] out = new float[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = values[i] * 255f;
        }
        return out;
    }

    /**
     * (pixel - mean) / std per channel, or pixel - mean when {@code stds} is null, in place: one broadcast op each over
     * a contiguous 2-d view with one row (NCHW) or column (NHWC) per channel.
     */
    private static INDArray perChannel(INDArray pixels, CNN2DFormat format, float[] means, float[] stds) {
        INDArray m = Nd4j.createFromArray(means).castTo(pixels.dataType());
        INDArray sd = stds == null ? null : Nd4j.createFromArray(stds).castTo(pixels.dataType());
        long n = pixels.size(0);
        long area = pixels.length() / n / 3;
        INDArray flat;
        if (format == CNN2DFormat.NCHW) {
            flat = pixels.reshape('c', n * 3, area);
            flat.subiColumnVector(m.reshape(1, 3).repeat(0, n).reshape(n * 3, 1));
            if (sd != null) {
                flat.diviColumnVector(sd.reshape(1, 3).repeat(0, n).reshape(n * 3, 1));
            }
        } else {
            flat = pixels.reshape('c', n * area, 3);
            flat.subiRowVector(m);
            if (sd != null) {
                flat.diviRowVector(sd);
            }
        }
        return flat.reshape('c', pixels.shape());
    }

    /**
     * A new array with the channel order reversed (RGB to BGR), one ND4J copy per channel. (ND4J's reverse op is far
     * slower on image batches and does not free its memory.)
     */
    private static INDArray reverseChannels(INDArray batch, int channelAxis) {
        long outer = 1;
        for (int i = 0; i < channelAxis; i++) {
            outer *= batch.size(i);
        }
        long inner = batch.length() / outer / 3;
        INDArray in = batch.reshape('c', outer, 3, inner);
        INDArray reversed = Nd4j.createUninitialized(batch.dataType(), batch.shape());
        INDArray out = reversed.reshape('c', outer, 3, inner);
        for (int c = 0; c < 3; c++) {
            out.get(NDArrayIndex.all(), NDArrayIndex.point(c), NDArrayIndex.all())
                    .assign(in.get(NDArrayIndex.all(), NDArrayIndex.point(2 - c), NDArrayIndex.all()));
        }
        return reversed;
    }
}
