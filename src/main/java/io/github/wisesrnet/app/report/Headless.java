package io.github.wisesrnet.app.report;

/**
 * Makes chart rendering work without a display: sets {@code java.awt.headless=true} unless the property was already
 * set. It must run before AWT reads the property. Only applications that own their JVM call it (the command line);
 * the library itself never sets it. (On Linux without {@code DISPLAY}, AWT is headless anyway.)
 */
public final class Headless {

    /** The AWT system property this class sets. */
    public static final String PROPERTY = "java.awt.headless";

    private Headless() {
    }

    /** Sets {@code java.awt.headless=true} if the property is not set; an explicit value is left as it is. */
    public static void ensure() {
        if (System.getProperty(PROPERTY) == null) {
            System.setProperty(PROPERTY, "true");
        }
    }
}
