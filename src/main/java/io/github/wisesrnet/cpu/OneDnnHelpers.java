package io.github.wisesrnet.cpu;

import org.deeplearning4j.config.DL4JSystemProperties;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.layers.FrozenLayer;
import org.deeplearning4j.nn.layers.FrozenLayerWithBackprop;
import org.deeplearning4j.nn.conf.CacheMode;
import org.deeplearning4j.nn.layers.convolution.ConvolutionLayer;
import org.deeplearning4j.nn.layers.convolution.DepthwiseConvolution2DLayer;
import org.deeplearning4j.nn.layers.convolution.SeparableConvolution2DLayer;
import org.deeplearning4j.nn.layers.mkldnn.MKLDNNBatchNormHelper;
import org.deeplearning4j.nn.layers.normalization.BatchNormalization;
import org.deeplearning4j.nn.layers.normalization.BatchNormalizationHelper;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.nativeblas.NativeOps;
import org.nd4j.nativeblas.NativeOpsHolder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.lang.reflect.Field;
import java.util.Locale;

/**
 * DL4J's oneDNN layer helpers: the native convolution, batch-normalization and pooling paths that DL4J uses on CPU
 * instead of its own im2col + matrix-multiply code. On the oneDNN build of ND4J they make a ResNet50 training step
 * several times faster (docs/benchmarks.md). DL4J 1.0.0-M2.1 switches them off by default (system property
 * {@value #DISABLE_PROPERTY} defaults to {@code true}) and cannot switch them on by itself because of a
 * class-name mismatch that {@link org.nd4j.nativeblas.Nd4jCpu} bridges.
 *
 * <p>The library changes no JVM-wide setting by itself. Turn the helpers on with one call before building networks:
 * <pre>{@code
 * OneDnnHelpers.enable();   // DL4J's oneDNN layer helpers for networks created from now on, where they apply
 * }</pre>
 * Helpers are chosen when a network's layers are created, so networks built before the call keep DL4J's built-in
 * code. Where they cannot apply (a CUDA backend, an ND4J binary without oneDNN, ARM CPUs, for which ND4J M2.1 has no
 * oneDNN build) the call logs one line and changes nothing. The command line and the benchmarks call
 * {@link #useByDefault()}, which respects {@code -Dorg.eclipse.deeplearning4j.helpers.disable=true}.
 */
public final class OneDnnHelpers {

    /** DL4J's switch: {@code true} disables the helpers. */
    public static final String DISABLE_PROPERTY = DL4JSystemProperties.DISABLE_HELPER_PROPERTY;

    private static final Logger log = LoggerFactory.getLogger(OneDnnHelpers.class);
    private static final int AVX512_LEVEL = 3;
    private static final int AVX2_LEVEL = 2;
    /** The CPU backend's native environment, read by reflection so the library runs with any ND4J backend. */
    private static final String NATIVE_ENVIRONMENT = "org.nd4j.linalg.cpu.nativecpu.bindings.Nd4jCpu$Environment";

    /** Whether the loaded ND4J binary was built with oneDNN; fixed once ND4J is loaded, so asked once. */
    private static volatile Boolean binaryHasOneDnn;

    private OneDnnHelpers() {
    }

    /**
     * Turns DL4J's oneDNN layer helpers on for networks created from now on (sets {@value #DISABLE_PROPERTY} to
     * {@code false}), if the loaded ND4J backend can use them: a CPU binary built with oneDNN. Otherwise logs one
     * line saying why and changes nothing. Loads ND4J if needed.
     *
     * @return whether the helpers are now on
     */
    public static synchronized boolean enable() {
        String reason = whyUnavailable();
        if (reason != null) {
            log.info("oneDNN layer helpers not enabled: {}; DL4J's built-in layer code is used", reason);
            return false;
        }
        System.setProperty(DISABLE_PROPERTY, "false");
        log.debug("DL4J layer helpers enabled ({}=false)", DISABLE_PROPERTY);
        return true;
    }

    /**
     * {@link #enable()} unless {@value #DISABLE_PROPERTY} was set (for example on the command line): for
     * applications that own their JVM, such as this library's command line and benchmarks.
     */
    public static synchronized void useByDefault() {
        if (System.getProperty(DISABLE_PROPERTY) == null) {
            enable();
        }
    }

    /** Networks created from now on use DL4J's built-in layer code. */
    public static void disable() {
        System.setProperty(DISABLE_PROPERTY, "true");
    }

    /**
     * Whether the fast CPU setup was asked for: networks created now would ask for DL4J's layer helpers (the property
     * is {@code false}, as {@link #enable()} sets it).
     */
    public static boolean requested() {
        return "false".equalsIgnoreCase(System.getProperty(DISABLE_PROPERTY, "true"));
    }

    /**
     * Whether the loaded ND4J binary is a CPU build with oneDNN (a {@code -onednn} classifier) that uses it. Loads
     * ND4J if needed; false on CUDA and if the backend cannot be queried.
     */
    public static boolean oneDnnAvailable() {
        try {
            if (!Nd4j.getEnvironment().isCPU() || !Nd4j.getEnvironment().helpersAllowed()) {
                return false;
            }
            // asked by DL4J for every helper it creates (see Nd4jCpu), so the build facts are read once
            return binaryHasOneDnn() && nativeCpuUsesOneDnn();
        } catch (RuntimeException | LinkageError e) {
            return false;
        }
    }

    /** Why the helpers cannot be used with the loaded backend, or null if they can. */
    private static String whyUnavailable() {
        try {
            if (!Nd4j.getEnvironment().isCPU()) {
                return "the ND4J backend is not the CPU one (" + Nd4j.getBackend().getClass().getSimpleName() + ")";
            }
        } catch (RuntimeException | LinkageError e) {
            return "the ND4J backend cannot be loaded (" + e.getMessage() + ")";
        }
        if (!oneDnnAvailable()) {
            return isX86() ? "the loaded ND4J binary has no oneDNN (use nd4j-native with a classifier such as "
                    + "linux-x86_64-onednn)" : "ND4J 1.0.0-M2.1 has no oneDNN build for " + arch();
        }
        return null;
    }

    /** Whether networks created now get oneDNN helpers: requested, and the binary has oneDNN. */
    public static boolean active() {
        return requested() && oneDnnAvailable();
    }

    /**
     * The ND4J native binary and the helper state, e.g. "CPU binary AVX512 + oneDNN, oneDNN layer helpers on", for
     * reports and benchmark tables.
     */
    public static String describe() {
        try {
            if (!Nd4j.getEnvironment().isCPU()) {
                return "GPU backend " + Nd4j.getBackend().getClass().getSimpleName();
            }
            String binary = binaryName(System.getProperty("os.arch", "unknown"),
                    isX86() ? nativeOps().binaryLevel() : 0);
            boolean oneDnn = binaryHasOneDnn();
            return String.format(Locale.ROOT, "CPU binary %s%s, oneDNN layer helpers %s", binary,
                    oneDnn ? " + oneDNN" : "", !oneDnn ? "n/a" : active() ? "on" : "off");
        } catch (RuntimeException | LinkageError e) {
            return "ND4J backend unavailable (" + e.getMessage() + ")";
        }
    }

    /**
     * Prepares an initialized network for DL4J's layer helpers. It changes no result beyond float rounding, except
     * where it corrects one (NHWC batch normalization):
     * <ul>
     *   <li>removes the helpers that compute wrong results in DL4J 1.0.0-M2.1: the oneDNN batch-normalization helper
     *       on channels-last (NHWC) input (Xception at 71x71 in NHWC gave outputs 118% (relative L2) away from
     *       DL4J's built-in code with it, 1e-6 without);</li>
     *   <li>NCHW batch-normalization layers with DL4J's oneDNN helper get the library's helper, which computes the
     *       batch statistics with one op and the backward pass in closed form;</li>
     *   <li>DL4J's activation layers with a plain ReLU are replaced by one that does not copy its input in training
     *       (bit-identical outputs; backend-neutral).</li>
     * </ul>
     * It does not turn on the forward cache, which costs memory: that is {@link #enableForwardCache}. After
     * {@link #enable()}, the library applies this to every network it builds or loads ({@link #tuneIfRequested});
     * networks of your own, and networks restored with {@code ModelSerializer} or made with {@code clone()} (DL4J
     * rebuilds their layers), get it with one call after {@code init()}.
     *
     * @throws IllegalStateException if the network has not been initialized
     */
    public static void tune(ComputationGraph net) {
        removeUnreliable(net);
        installBatchNormStatsHelper(net);
        installReluLayers(net);
    }

    /**
     * {@link #tune} if the fast CPU setup was asked for ({@link #requested()}), else nothing: what the library does
     * with each network it builds or loads, so that without {@link #enable()} users get plain DL4J networks.
     *
     * @return {@code net}
     */
    public static ComputationGraph tuneIfRequested(ComputationGraph net) {
        if (requested()) {
            tune(net);
        }
        return net;
    }

    /**
     * Gives each NCHW batch-normalization layer that has DL4J's oneDNN helper the library's helper, which computes the
     * batch statistics with one op and the backward pass in closed form (part of {@link #tune}).
     *
     * @return how many layers got it
     * @throws IllegalStateException if the network has not been initialized
     */
    static int installBatchNormStatsHelper(ComputationGraph net) {
        requireInitialized(net);
        int replaced = 0;
        for (Layer wrapped : net.getLayers()) {
            if (unwrapped(wrapped) instanceof BatchNormalization bn && bn.getHelper() instanceof MKLDNNBatchNormHelper
                    && bn.layerConf().getCnn2DFormat() == CNN2DFormat.NCHW) {
                setHelper(bn, new BatchNormStatsHelper());
                replaced++;
            }
        }
        if (replaced > 0) {
            log.debug("Batch-norm helper with single-pass statistics on {} layer(s)", replaced);
        }
        return replaced;
    }

    /**
     * Replaces each of DL4J's activation layers with a plain ReLU by one that gives the same results without copying
     * its input in training (part of {@link #tune}; backend-neutral, so it applies without oneDNN too). DL4J's layer
     * copies its input before the ReLU and again before its slow derivative op; the replacement writes
     * {@code max(x, 0)} into a new array and computes the gradient as {@code eps * step(x)}. A ResNet50 training step
     * takes about 10% less time (docs/benchmarks.md, Helper tuning).
     *
     * @return how many layers were replaced
     * @throws IllegalStateException if the network has not been initialized
     */
    static int installReluLayers(ComputationGraph net) {
        requireInitialized(net);
        int replaced = ReluActivationLayer.installIn(net);
        if (replaced > 0) {
            log.debug("ReLU layer without input copies on {} layer(s)", replaced);
        }
        return replaced;
    }

    /**
     * Keeps each convolution's output from the forward pass for its backward pass (DL4J's {@link CacheMode#DEVICE})
     * instead of computing the convolution a second time there, where that is exact and cheap: every convolution
     * layer has the identity activation (so the kept output is only read for its shape) and runs through a helper
     * (oneDNN or cuDNN: without one, DL4J would also keep each convolution's im2col matrix, many times the size of its
     * input). A ResNet50 training step at 224x224, batch 8, takes 11-19% less time for 18-19% more peak memory
     * (docs/benchmarks.md). Not part of {@link #tune}: the library never turns it on by itself. Turn it off with
     * {@code net.setCacheMode(CacheMode.NONE)} (that network object only: the setting is not saved).
     *
     * @return whether the cache is now on
     */
    public static boolean enableForwardCache(ComputationGraph net) {
        requireInitialized(net);
        boolean anyConvolution = false;
        for (Layer wrapped : net.getLayers()) {
            Layer layer = unwrapped(wrapped);
            if (layer instanceof ConvolutionLayer conv) {
                boolean plainConvolution = layer.getClass() == ConvolutionLayer.class; // the class that caches
                boolean identity = conv.layerConf().getActivationFn() instanceof ActivationIdentity;
                boolean cachesOutputOnly = plainConvolution ? conv.getHelper() != null
                        : layer instanceof DepthwiseConvolution2DLayer || layer instanceof SeparableConvolution2DLayer;
                if (!identity || !cachesOutputOnly) {
                    return false;
                }
                anyConvolution |= plainConvolution;
            }
        }
        if (!anyConvolution) {
            return false;
        }
        net.getConfiguration().setCacheMode(CacheMode.DEVICE);
        net.setCacheMode(CacheMode.DEVICE);
        return true;
    }

    /**
     * Removes the helpers that compute wrong results in DL4J 1.0.0-M2.1 from an initialized network, so that it
     * uses DL4J's built-in code there: the oneDNN batch-normalization helper on channels-last (NHWC) input. Measured:
     * Xception at 71x71 in NHWC gave outputs 118% (relative L2) away from DL4J's built-in code with that helper, and
     * 1e-6 without it; ResNet50, InceptionV3 and SmallCNN in NHWC agreed either way. The library calls this on every
     * network it builds or loads; call it on NHWC networks you build yourself while helpers are on.
     *
     * @return the number of helpers removed
     */
    static int removeUnreliable(ComputationGraph net) {
        requireInitialized(net);
        int removed = 0;
        for (Layer wrapped : net.getLayers()) {
            if (unwrapped(wrapped) instanceof BatchNormalization bn && bn.getHelper() != null
                    && bn.layerConf().getCnn2DFormat() == CNN2DFormat.NHWC) {
                setHelper(bn, null);
                removed++;
            }
        }
        if (removed > 0) {
            log.debug("Removed {} oneDNN batch-norm helper(s) on NHWC input", removed);
        }
        return removed;
    }

    private static void requireInitialized(ComputationGraph net) {
        if (net.getLayers() == null) {
            throw new IllegalStateException("The network has no layers yet: call net.init() before tuning it");
        }
    }

    private static Layer unwrapped(Layer layer) {
        return layer instanceof FrozenLayer frozen ? frozen.getInsideLayer()
                : layer instanceof FrozenLayerWithBackprop frozen ? frozen.getInsideLayer() : layer;
    }

    /** DL4J's BatchNormalization keeps its helper in a package-private field with no setter. */
    private static void setHelper(BatchNormalization bn, BatchNormalizationHelper helper) {
        try {
            Field field = BatchNormalization.class.getDeclaredField("helper");
            field.setAccessible(true);
            field.set(bn, helper);
        } catch (ReflectiveOperationException | RuntimeException e) {
            throw new IllegalStateException("Cannot set the batch-norm helper of layer '"
                    + bn.getConfig().getLayerName() + "' (DL4J's oneDNN helper computes wrong results on NHWC in DL4J"
                    + " 1.0.0-M2.1 and is replaced on NCHW). Disable the helpers with -D" + DISABLE_PROPERTY
                    + "=true.", e);
        }
    }

    /** How reports name the CPU binary: its instruction-set level on x86-64, the architecture elsewhere. */
    static String binaryName(String osArch, int binaryLevel) {
        String arch = archName(osArch);
        if (!isX86(arch)) {
            return "generic " + arch;
        }
        return switch (binaryLevel) {
            case AVX512_LEVEL -> "AVX512";
            case AVX2_LEVEL -> "AVX2";
            default -> "generic x86-64";
        };
    }

    private static String arch() {
        return archName(System.getProperty("os.arch", "unknown"));
    }

    private static String archName(String osArch) {
        String arch = osArch.toLowerCase(Locale.ROOT);
        return arch.equals("aarch64") ? "arm64" : arch.equals("amd64") ? "x86-64" : arch;
    }

    private static boolean isX86() {
        return isX86(arch());
    }

    private static boolean isX86(String arch) {
        return arch.equals("x86-64") || arch.equals("x86_64");
    }

    private static boolean binaryHasOneDnn() {
        Boolean has = binaryHasOneDnn;
        if (has == null) {
            has = nativeOps().buildInfo().contains("HAVE_ONEDNN");
            binaryHasOneDnn = has;
        }
        return has;
    }

    private static NativeOps nativeOps() {
        return NativeOpsHolder.getInstance().getDeviceNativeOps();
    }

    private static boolean nativeCpuUsesOneDnn() {
        try {
            Class<?> nativeEnvironment = Class.forName(NATIVE_ENVIRONMENT);
            Object instance = nativeEnvironment.getMethod("getInstance").invoke(null);
            return (Boolean) nativeEnvironment.getMethod("isUseONEDNN").invoke(instance);
        } catch (ReflectiveOperationException | LinkageError | RuntimeException e) {
            return false; // absent on other backends (CUDA)
        }
    }
}
