package io.github.wisesrnet.backbones;

import io.github.wisesrnet.backbones.keras.KerasWeights;
import io.github.wisesrnet.cpu.OneDnnHelpers;
import io.github.wisesrnet.graph.InputTypeRecord;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.graph.ComputationGraph;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * CNN backbones: networks that end at their final convolutional feature map, ready for a head from
 * {@link io.github.wisesrnet.WiseSrNet#attach}, or complete with Keras's classifier top. Each builds initialized
 * from a seed (He init, ready to train from scratch) and reports its minimum input size and its feature map for a
 * given input.
 *
 * <p>The ImageNet architectures follow {@code keras.applications} layer for layer, with Keras's layer names (see
 * each builder); their parameter counts equal Keras's (InceptionV3: see {@link #INCEPTION_V3}). Inputs are NCHW,
 * {@code [batch, channels, height, width]}, unless an NHWC {@link InputType} is passed; any size at or above
 * {@link #minimumInputSize()} works, square or not.
 * The default updater is the paper's SGD (learning rate 0.045, Nesterov momentum 0.9).
 *
 * <pre>{@code
 * ComputationGraph features = Backbone.RESNET50.featureExtractor(224, 224, 3);     // ends at conv5_block3_out
 * ComputationGraph model = WiseSrNet.attach(features, 6);     // the input type is recorded in the graph
 *
 * // from Keras's ImageNet weights (see kerasImageNetWeights and KerasWeights)
 * ComputationGraph pretrained = Backbone.RESNET50.featureExtractor(224, 224,
 *         Path.of("resnet50_weights_tf_dim_ordering_tf_kernels_notop.h5"));
 * }</pre>
 */
public enum Backbone {
    /** Two 'valid' 3x3 convolutions (16 and 32 filters): receptive field 5, for the generated spatial data. */
    TINY(SmallCnn.TINY),
    /** Four conv-BN-ReLU blocks (32, 64, 128, 128 filters) with 2x2 max pooling after the first three. */
    SMALL_CNN(SmallCnn.SMALL),
    /** ResNet50 v1 (Keras {@code resnet.ResNet50}): 7x7x2048 at 224; minimum input 32. */
    RESNET50(new ResNet50Builder()),
    /**
     * InceptionV3 (Keras {@code inception_v3.InceptionV3}): 5x5x2048 at 224, 8x8 at 299; minimum input 75. Its
     * BatchNormalization layers learn a scale (gamma, initialized to 1) where Keras has none, so it has 17,216 more
     * parameters than Keras's (DL4J cannot learn beta without gamma).
     */
    INCEPTION_V3(new InceptionV3Builder()),
    /** DenseNet121 (Keras {@code densenet.DenseNet121}): 7x7x1024 at 224; minimum input 32. */
    DENSENET121(DenseNetBuilder.DENSENET121),
    /** DenseNet169 (Keras {@code densenet.DenseNet169}): 7x7x1664 at 224; minimum input 32. */
    DENSENET169(DenseNetBuilder.DENSENET169),
    /** Xception (Keras {@code xception.Xception}): 7x7x2048 at 224, 10x10 at 299; minimum input 71. */
    XCEPTION(new XceptionBuilder());

    /** Where Keras publishes the applications' ImageNet weights (HDF5, Keras 2 layout). */
    private static final String KERAS_WEIGHTS_BASE = "https://storage.googleapis.com/tensorflow/keras-applications/";

    /** Seed of the overloads without one. */
    public static final long DEFAULT_SEED = 42;

    private final Architecture architecture;

    Backbone(Architecture architecture) {
        this.architecture = architecture;
    }

    /** The network without a classifier, ending at the final feature map, initialized from {@link #DEFAULT_SEED}. */
    public ComputationGraph featureExtractor(int height, int width, int channels) {
        return featureExtractor(height, width, channels, DEFAULT_SEED);
    }

    /**
     * The network without a classifier (Keras's {@code include_top=False}), ending at the final feature map (the
     * last activation), initialized from {@code seed}. Input: NCHW images of {@code height x width x channels}.
     *
     * @throws IllegalArgumentException if a side is below {@link #minimumInputSize()} or {@code channels < 1}
     */
    public ComputationGraph featureExtractor(int height, int width, int channels, long seed) {
        return featureExtractor(nchw(height, width, channels), seed);
    }

    /**
     * {@link #featureExtractor(int, int, int, long)} for an input type, whose data format (NCHW or NHWC) every
     * layer then uses.
     */
    public ComputationGraph featureExtractor(InputType.InputTypeConvolutional input, long seed) {
        return initialized(featureExtractorConfiguration(input, seed));
    }

    /** {@link #classifier(int, int, int, int, long)} initialized from {@link #DEFAULT_SEED}. */
    public ComputationGraph classifier(int height, int width, int channels, int numClasses) {
        return classifier(height, width, channels, numClasses, DEFAULT_SEED);
    }

    /**
     * The whole network with Keras's {@code include_top=True} classifier: the feature extractor, then
     * {@code avg_pool} (global average pooling) and {@code predictions} (dense softmax output layer with
     * cross-entropy loss, Glorot uniform init). Input: NCHW.
     *
     * @throws IllegalArgumentException for a side below {@link #minimumInputSize()}, {@code channels < 1} or
     *                                  {@code numClasses < 2}
     */
    public ComputationGraph classifier(int height, int width, int channels, int numClasses, long seed) {
        return classifier(nchw(height, width, channels), numClasses, seed);
    }

    /** {@link #classifier(int, int, int, int, long)} for an input type (NCHW or NHWC). */
    public ComputationGraph classifier(InputType.InputTypeConvolutional input, int numClasses, long seed) {
        return initialized(classifierConfiguration(input, numClasses, seed));
    }

    /**
     * The feature extractor for RGB inputs of {@code height x width} with the weights of a Keras weights file, such as
     * the ImageNet weights Keras publishes ({@link #kerasImageNetWeights(boolean)}, without or with top): built, then
     * loaded with {@link KerasWeights} (every layer must match; a file's classifier top is skipped). Inputs must be
     * preprocessed as the weights were trained: {@link #kerasPreprocessing()}.
     *
     * @throws IOException              if the file cannot be read
     * @throws IllegalArgumentException if it is not a Keras weights file for this backbone (the message names the
     *                                  layers that differ)
     */
    public ComputationGraph featureExtractor(int height, int width, Path kerasWeights) throws IOException {
        ComputationGraph net = featureExtractor(height, width, 3);
        KerasWeights.read(kerasWeights).loadInto(net);
        return net;
    }

    /**
     * The URL of the ImageNet weights Keras publishes for this backbone, with top ({@code includeTop}: 1000-class
     * classifier) or without ({@code _notop}); empty for {@link #TINY} and {@link #SMALL_CNN}, which are not Keras's.
     */
    public Optional<URI> kerasImageNetWeights(boolean includeTop) {
        String file = switch (this) {
            case RESNET50 -> "resnet/resnet50";
            case INCEPTION_V3 -> "inception_v3/inception_v3";
            case DENSENET121 -> "densenet/densenet121";
            case DENSENET169 -> "densenet/densenet169";
            case XCEPTION -> "xception/xception";
            case TINY, SMALL_CNN -> null;
        };
        return Optional.ofNullable(file).map(f -> URI.create(KERAS_WEIGHTS_BASE + f
                + "_weights_tf_dim_ordering_tf_kernels" + (includeTop ? "" : "_notop") + ".h5"));
    }

    /**
     * The input preprocessing Keras's {@code preprocess_input} applies for this backbone, which its ImageNet weights
     * expect, by Keras's mode name: "caffe" (ResNet50: BGR, minus the ImageNet means), "tf" (InceptionV3, Xception:
     * scaled to [-1, 1]) or "torch" (DenseNet: [0, 1], then the ImageNet means and standard deviations). The paper
     * itself used "caffe" for every backbone. {@code io.github.wisesrnet.data.Preprocessing.fromName} reads these
     * names.
     *
     * @throws UnsupportedOperationException for {@link #TINY} and {@link #SMALL_CNN}, which have no Keras weights
     */
    public String kerasPreprocessing() {
        return switch (this) {
            case RESNET50 -> "caffe";
            case INCEPTION_V3, XCEPTION -> "tf";
            case DENSENET121, DENSENET169 -> "torch";
            case TINY, SMALL_CNN -> throw new UnsupportedOperationException(cliName() + " is not a Keras application"
                    + " and has no Keras ImageNet weights.");
        };
    }

    /**
     * The configuration behind {@link #featureExtractor(InputType.InputTypeConvolutional, long)}, with input types
     * set (so every layer knows its nIn) and recorded ({@link InputTypeRecord}, so that {@code WiseSrNet.attach}
     * needs no input type); no parameters are allocated.
     */
    public ComputationGraphConfiguration featureExtractorConfiguration(InputType.InputTypeConvolutional input,
            long seed) {
        GraphBlocks blocks = start(input, seed);
        return recorded(blocks.build(architecture.addFeatureLayers(blocks, GraphBlocks.INPUT)), input);
    }

    /**
     * The configuration behind {@link #classifier(InputType.InputTypeConvolutional, int, long)}, with input types
     * set; no parameters are allocated. Useful to count parameters of large networks cheaply.
     */
    public ComputationGraphConfiguration classifierConfiguration(InputType.InputTypeConvolutional input,
            int numClasses, long seed) {
        if (numClasses < 2) {
            throw new IllegalArgumentException(cliName() + ": numClasses must be at least 2 (with one, softmax is"
                    + " constant), received " + numClasses);
        }
        GraphBlocks blocks = start(input, seed);
        String features = architecture.addFeatureLayers(blocks, GraphBlocks.INPUT);
        return recorded(blocks.build(blocks.classifierTop(features, numClasses)), input);
    }

    private static ComputationGraphConfiguration recorded(ComputationGraphConfiguration conf, InputType input) {
        InputTypeRecord.addTo(conf, input);
        return conf;
    }

    /** Smallest input side this backbone accepts (Keras's minimum for the ImageNet architectures). */
    public int minimumInputSize() {
        return architecture.minimumInputSize();
    }

    /**
     * The final feature map (channels, height, width; NCHW) for an input of the given size: the output type of the
     * last vertex of {@link #featureExtractor}, without building it.
     *
     * @throws IllegalArgumentException if a side is below {@link #minimumInputSize()} or {@code channels < 1}
     */
    public InputType.InputTypeConvolutional featureMap(int height, int width, int channels) {
        return featureMap(nchw(height, width, channels));
    }

    /** {@link #featureMap(int, int, int)} for an input type; the map has the input's data format. */
    public InputType.InputTypeConvolutional featureMap(InputType.InputTypeConvolutional input) {
        checkInput(input);
        InputType.InputTypeConvolutional map = architecture.featureMap(input.getHeight(), input.getWidth());
        return (InputType.InputTypeConvolutional) InputType.convolutional(map.getHeight(), map.getWidth(),
                map.getChannels(), input.getFormat());
    }

    /** Command-line spelling: lower case with dashes ("small-cnn", "inception-v3"). */
    public String cliName() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /**
     * Parses a backbone name as typed on a command line, ignoring case, dashes and underscores ("small-cnn",
     * "SMALL_CNN", "inception-v3", "inceptionv3", "ResNet50").
     */
    public static Backbone fromName(String name) {
        Objects.requireNonNull(name, "name");
        String key = normalized(name);
        for (Backbone b : values()) {
            if (normalized(b.name()).equals(key)) {
                return b;
            }
        }
        throw new IllegalArgumentException("Unknown backbone '" + name + "'. Expected one of: "
                + Arrays.stream(values()).map(Backbone::cliName).collect(Collectors.joining(", ")));
    }

    private static String normalized(String name) {
        return name.trim().toUpperCase(Locale.ROOT).replace("-", "").replace("_", "");
    }

    private GraphBlocks start(InputType.InputTypeConvolutional input, long seed) {
        checkInput(input);
        return GraphBlocks.start(input, seed, architecture.batchNormEpsilon());
    }

    private static InputType.InputTypeConvolutional nchw(int height, int width, int channels) {
        return (InputType.InputTypeConvolutional) InputType.convolutional(height, width, channels,
                CNN2DFormat.NCHW);
    }

    private static ComputationGraph initialized(ComputationGraphConfiguration conf) {
        ComputationGraph net = new ComputationGraph(conf);
        net.init();
        OneDnnHelpers.tuneIfRequested(net);
        return net;
    }

    private void checkInput(InputType.InputTypeConvolutional input) {
        Objects.requireNonNull(input, "input");
        int min = minimumInputSize();
        if (input.getHeight() < min || input.getWidth() < min) {
            throw new IllegalArgumentException(cliName() + " needs inputs of at least " + min + "x" + min
                    + " (height x width), received " + input.getHeight() + "x" + input.getWidth() + ".");
        }
        if (input.getChannels() < 1) {
            throw new IllegalArgumentException(cliName() + ": channels must be at least 1, received "
                    + input.getChannels() + ".");
        }
    }
}
