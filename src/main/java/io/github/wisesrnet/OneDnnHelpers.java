package io.github.wisesrnet;

import org.deeplearning4j.config.DL4JSystemProperties;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.layers.FrozenLayer;
import org.deeplearning4j.nn.layers.FrozenLayerWithBackprop;
import org.deeplearning4j.nn.layers.normalization.BatchNormalization;
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
 * several times faster (README, Benchmarks). DL4J 1.0.0-M2.1 switches them off by default (system property
 * {@value #DISABLE_PROPERTY} defaults to {@code true}) and cannot switch them on by itself because of a
 * class-name mismatch that {@link org.nd4j.nativeblas.Nd4jCpu} bridges.
 *
 * <p>This library turns them on by default: {@link #useByDefault()} (called when {@link WiseSrNet} and the
 * backbones are first used) sets the property to {@code false} unless it was set already. Helpers are chosen when a
 * network's layers are created, so run with {@code -Dorg.eclipse.deeplearning4j.helpers.disable=true} (or call
 * {@link #disable()} before building networks) to use DL4J's built-in code instead.
 */
public final class OneDnnHelpers {

    /** DL4J's switch: {@code true} disables the helpers. */
    public static final String DISABLE_PROPERTY = DL4JSystemProperties.DISABLE_HELPER_PROPERTY;

    private static final Logger log = LoggerFactory.getLogger(OneDnnHelpers.class);
    private static final int AVX512_LEVEL = 3;
    private static final int AVX2_LEVEL = 2;

    /** Whether the loaded ND4J binary was built with oneDNN; fixed once ND4J is loaded, so asked once. */
    private static volatile Boolean binaryHasOneDnn;

    private OneDnnHelpers() {
    }

    /** Enables the helpers for networks created from now on, unless the user set {@value #DISABLE_PROPERTY}. */
    public static synchronized void useByDefault() {
        if (System.getProperty(DISABLE_PROPERTY) == null) {
            System.setProperty(DISABLE_PROPERTY, "false");
            log.debug("DL4J layer helpers enabled ({}=false)", DISABLE_PROPERTY);
        }
    }

    /** Networks created from now on use DL4J's built-in layer code. */
    public static void disable() {
        System.setProperty(DISABLE_PROPERTY, "true");
    }

    /** Networks created from now on use the helpers where the backend supports them. */
    public static void enable() {
        System.setProperty(DISABLE_PROPERTY, "false");
    }

    /** Whether networks created now would ask for helpers (the property is {@code false}). */
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

    /** Whether networks created now get oneDNN helpers: requested, and the binary has oneDNN. */
    public static boolean active() {
        return requested() && oneDnnAvailable();
    }

    /**
     * The ND4J native binary and the helper state, e.g. "CPU binary AVX512 + oneDNN, layer helpers on", for
     * reports and benchmark tables.
     */
    public static String describe() {
        try {
            if (!Nd4j.getEnvironment().isCPU()) {
                return "GPU backend " + Nd4j.getBackend().getClass().getSimpleName();
            }
            NativeOps ops = nativeOps();
            String binary = switch (ops.binaryLevel()) {
                case AVX512_LEVEL -> "AVX512";
                case AVX2_LEVEL -> "AVX2";
                default -> "generic x86-64";
            };
            boolean oneDnn = binaryHasOneDnn();
            return String.format(Locale.ROOT, "CPU binary %s%s, oneDNN layer helpers %s", binary,
                    oneDnn ? " + oneDNN" : "", !oneDnn ? "n/a" : active() ? "on" : "off");
        } catch (RuntimeException | LinkageError e) {
            return "ND4J backend unavailable (" + e.getMessage() + ")";
        }
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
    public static int removeUnreliable(ComputationGraph net) {
        int removed = 0;
        for (Layer wrapped : net.getLayers()) {
            Layer layer = wrapped instanceof FrozenLayer frozen ? frozen.getInsideLayer()
                    : wrapped instanceof FrozenLayerWithBackprop frozen ? frozen.getInsideLayer() : wrapped;
            if (layer instanceof BatchNormalization bn && bn.getHelper() != null
                    && bn.layerConf().getCnn2DFormat() == CNN2DFormat.NHWC) {
                try {
                    Field helper = BatchNormalization.class.getDeclaredField("helper");
                    helper.setAccessible(true);
                    helper.set(bn, null);
                    removed++;
                } catch (ReflectiveOperationException | RuntimeException e) {
                    throw new IllegalStateException("Cannot remove DL4J's oneDNN batch-norm helper from layer '"
                            + bn.getConfig().getLayerName() + "' (NHWC), which computes wrong results in DL4J"
                            + " 1.0.0-M2.1. Disable the helpers with -D" + DISABLE_PROPERTY + "=true.", e);
                }
            }
        }
        if (removed > 0) {
            log.debug("Removed {} oneDNN batch-norm helper(s) on NHWC input", removed);
        }
        return removed;
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
        return org.nd4j.nativeblas.Nd4jCpu.Environment.nativeUsesOneDnn();
    }
}
