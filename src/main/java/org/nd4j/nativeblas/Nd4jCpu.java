package org.nd4j.nativeblas;

import io.github.wisesrnet.cpu.OneDnnHelpers;

/**
 * Compatibility bridge for a DL4J 1.0.0-M2.1 defect: DL4J's oneDNN layer helpers decide whether oneDNN is usable by
 * calling {@code org.nd4j.nativeblas.Nd4jCpu$Environment.getInstance().isUseMKLDNN()} through reflection, but
 * ND4J M2.1 moved that class to {@code org.nd4j.linalg.cpu.nativecpu.bindings.Nd4jCpu$Environment} and renamed the
 * method to {@code isUseONEDNN()}. The lookup therefore always fails and every helper is dropped as "not supported"
 * (see {@code BaseMKLDNNHelper.mklDnnEnabled}). This class answers that lookup with the real value.
 *
 * <p>It only exists to be found by that reflective lookup; it is not an API. It asks {@link OneDnnHelpers}, which compiles
 * and runs with any ND4J backend (on CUDA it answers false).
 */
public final class Nd4jCpu {

    private Nd4jCpu() {
    }

    /** Stands in for the native CPU environment under the name DL4J M2.1 looks for. */
    public static final class Environment {

        private static final Environment INSTANCE = new Environment();

        private Environment() {
        }

        /** The single instance, as DL4J's reflective lookup expects. */
        public static Environment getInstance() {
            return INSTANCE;
        }

        /**
         * Whether DL4J's oneDNN helpers can be used: the loaded ND4J CPU binary was built with oneDNN and uses it.
         * False on binaries without oneDNN (the helpers would bring no speed there), on other backends, or if the
         * query fails.
         */
        public boolean isUseMKLDNN() {
            return OneDnnHelpers.oneDnnAvailable();
        }
    }
}
