package io.github.wisesrnet.report;

/**
 * Makes chart rendering work without a display: sets {@code java.awt.headless=true} unless the property was already
 * set. It must run before AWT reads the property, so the classes that draw call it from their static initialisers.
 */
final class Headless {

    static final String PROPERTY = "java.awt.headless";

    private Headless() {
    }

    /** Sets {@code java.awt.headless=true} if the property is not set; an explicit value is left as it is. */
    static void ensure() {
        if (System.getProperty(PROPERTY) == null) {
            System.setProperty(PROPERTY, "true");
        }
    }
}
