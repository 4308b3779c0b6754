package io.github.wisesrnet;

import io.github.wisesrnet.cpu.OneDnnHelpers;

/** DL4J's layer-helper switch as it was when saved, put back by {@link #close()}: for tests that change it. */
public final class HelperSwitch implements AutoCloseable {

    private final String saved = System.getProperty(OneDnnHelpers.DISABLE_PROPERTY);

    private HelperSwitch() {
    }

    /** Remembers the switch's current value (unset included). */
    public static HelperSwitch saved() {
        return new HelperSwitch();
    }

    @Override
    public void close() {
        if (saved == null) {
            System.clearProperty(OneDnnHelpers.DISABLE_PROPERTY);
        } else {
            System.setProperty(OneDnnHelpers.DISABLE_PROPERTY, saved);
        }
    }
}
