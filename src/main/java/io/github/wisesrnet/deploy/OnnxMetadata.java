package io.github.wisesrnet.deploy;

import io.github.wisesrnet.data.Preprocessing;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.nd4j.shade.jackson.core.JsonProcessingException;
import org.nd4j.shade.jackson.core.type.TypeReference;
import org.nd4j.shade.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/**
 * What a deployer needs besides the weights, stored in an exported model's {@code metadata_props} (string keys and
 * values, which ONNX Runtime's {@code get_modelmeta().custom_metadata_map} returns):
 * <ul>
 *   <li>{@code labels}: the class names as a JSON array, index = output position;</li>
 *   <li>{@code input_layout} ({@code NCHW} or {@code NHWC}), {@code input_height}, {@code input_width},
 *       {@code input_channels};</li>
 *   <li>{@code preprocessing}: {@code caffe}, {@code unit}, {@code tf}, {@code torch} or {@code none}, and its
 *       constants: {@code preprocessing_channel_order} ({@code RGB} or {@code BGR}), {@code preprocessing_mean} and
 *       {@code preprocessing_std} (JSON arrays in that channel order): the input is
 *       {@code (pixel - mean) / std} for RGB pixels in [0, 255] put in that channel order;</li>
 *   <li>{@code library_version}: the version of this library that wrote the file.</li>
 * </ul>
 *
 * @param labels         class names, index = output position; empty when unknown
 * @param height         input height in pixels
 * @param width          input width in pixels
 * @param channels       input channels
 * @param layout         the input's layout (the network's own)
 * @param preprocessing  how pixels become inputs; null when the network takes its input as it is
 * @param libraryVersion the version of this library that wrote the model
 */
public record OnnxMetadata(List<String> labels, long height, long width, long channels, CNN2DFormat layout,
        Preprocessing preprocessing, String libraryVersion) {

    static final String LABELS = "labels";
    static final String LAYOUT = "input_layout";
    static final String HEIGHT = "input_height";
    static final String WIDTH = "input_width";
    static final String CHANNELS = "input_channels";
    static final String PREPROCESSING = "preprocessing";
    static final String CHANNEL_ORDER = "preprocessing_channel_order";
    static final String MEAN = "preprocessing_mean";
    static final String STD = "preprocessing_std";
    static final String VERSION = "library_version";
    private static final String NO_PREPROCESSING = "none";

    private static final ObjectMapper JSON = new ObjectMapper();

    public OnnxMetadata {
        labels = List.copyOf(labels);
    }

    /** The version of this library, as the build recorded it. */
    public static String currentLibraryVersion() {
        try (InputStream in = OnnxMetadata.class.getResourceAsStream("library.properties")) {
            Properties properties = new Properties();
            if (in != null) {
                properties.load(in);
            }
            String version = properties.getProperty("version", "unknown");
            return version.startsWith("${") ? "unknown" : version;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The input's shape for {@code batch} images, in {@link #layout()}. */
    public long[] inputShape(long batch) {
        return layout == CNN2DFormat.NHWC ? new long[]{batch, height, width, channels}
                : new long[]{batch, channels, height, width};
    }

    /** The metadata as ONNX {@code metadata_props}. */
    Map<String, String> toProperties() {
        Map<String, String> props = new LinkedHashMap<>();
        if (!labels.isEmpty()) {
            props.put(LABELS, json(labels));
        }
        props.put(LAYOUT, layout.name());
        props.put(HEIGHT, Long.toString(height));
        props.put(WIDTH, Long.toString(width));
        props.put(CHANNELS, Long.toString(channels));
        if (preprocessing == null) {
            props.put(PREPROCESSING, NO_PREPROCESSING);
        } else {
            props.put(PREPROCESSING, preprocessing.modeName());
            props.put(CHANNEL_ORDER, preprocessing.toBgr() ? "BGR" : "RGB");
            props.put(MEAN, json(preprocessing.pixelMeans()));
            props.put(STD, json(preprocessing.pixelStds()));
        }
        props.put(VERSION, libraryVersion);
        return props;
    }

    /**
     * Reads metadata written by {@link OnnxExport}.
     *
     * @throws IllegalArgumentException if a key is missing or unreadable, naming it
     */
    public static OnnxMetadata fromProperties(Map<String, String> props) {
        List<String> labels = new ArrayList<>();
        if (props.containsKey(LABELS)) {
            try {
                labels = JSON.readValue(props.get(LABELS), new TypeReference<List<String>>() { });
            } catch (JsonProcessingException e) {
                throw new IllegalArgumentException("The model's '" + LABELS + "' metadata is not a JSON array of"
                        + " strings: " + props.get(LABELS), e);
            }
        }
        String mode = required(props, PREPROCESSING);
        return new OnnxMetadata(labels, number(props, HEIGHT), number(props, WIDTH), number(props, CHANNELS),
                CNN2DFormat.valueOf(required(props, LAYOUT)),
                mode.equals(NO_PREPROCESSING) ? null : Preprocessing.fromName(mode), required(props, VERSION));
    }

    private static String required(Map<String, String> props, String key) {
        String value = props.get(key);
        if (value == null) {
            throw new IllegalArgumentException("The model has no '" + key + "' metadata: it was not exported by"
                    + " wise-srnet (OnnxExport), which records the input size, layout, preprocessing and labels.");
        }
        return value;
    }

    private static long number(Map<String, String> props, String key) {
        try {
            return Long.parseLong(required(props, key));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("The model's '" + key + "' metadata is not a number: " + props.get(key),
                    e);
        }
    }

    private static String json(Object value) {
        try {
            return JSON.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
