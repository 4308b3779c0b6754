package io.github.wisesrnet.data;

import java.util.ArrayList;
import java.util.List;

/**
 * Random training-time image changes, as in Keras's {@code ImageDataGenerator} that the paper uses. Applied to each
 * training image after it is resized to the input size and before {@link Preprocessing}; never to test images.
 *
 * <p>Per image, one random draw of each enabled part (see {@link #paper()} for the paper's values):
 * <ul>
 *   <li>{@code horizontalFlip}, {@code verticalFlip}: each flip with probability 0.5.</li>
 *   <li>{@code rotationDegrees}: rotation by an angle uniform in [-r, r] degrees about the image centre.</li>
 *   <li>{@code zoom}: z gives Keras's zoom_range [1 - z, 1 + z]; the horizontal and vertical scale are drawn
 *       independently (as Keras does), values below 1 zoom in.</li>
 *   <li>{@code widthShift}, {@code heightShift}: translation by a fraction of the width / height, uniform in
 *       [-s, s].</li>
 *   <li>{@code channelShift}: one offset uniform in [-c, c] pixel units (0-255) added to all channels.</li>
 *   <li>{@code brightnessMin}, {@code brightnessMax}: pixels multiplied by a factor uniform in [min, max]
 *       ([1, 1] = off).</li>
 * </ul>
 * Pixels that the geometric change brings in from outside the image repeat the nearest edge pixel (Keras's
 * fill_mode 'nearest'); pixel values are kept in 0-255.
 *
 * @param horizontalFlip  flip left-right with probability 0.5
 * @param verticalFlip    flip upside down with probability 0.5
 * @param rotationDegrees maximum rotation r in degrees, in [0, 360]; 0 = off
 * @param zoom            zoom z, in [0, 0.999]: scales drawn from [1 - z, 1 + z]; 0 = off
 * @param widthShift      maximum horizontal shift as a fraction of the width, in [0, 1]; 0 = off
 * @param heightShift     maximum vertical shift as a fraction of the height, in [0, 1]; 0 = off
 * @param channelShift    maximum offset added to all channels, in pixel units, in [0, 255]; 0 = off
 * @param brightnessMin   smallest brightness factor, in [0, 100]
 * @param brightnessMax   largest brightness factor, in [brightnessMin, 100]; [1, 1] = off
 */
public record Augmentation(boolean horizontalFlip, boolean verticalFlip, double rotationDegrees, double zoom,
                           double widthShift, double heightShift, double channelShift,
                           double brightnessMin, double brightnessMax) {

    /**
     * Checks each part's range (see the record components).
     *
     * @throws IllegalArgumentException if a value is out of its range or {@code brightnessMin > brightnessMax}
     */
    public Augmentation {
        requireRange("rotationDegrees", rotationDegrees, 0, 360);
        requireRange("zoom", zoom, 0, 0.999);
        requireRange("widthShift", widthShift, 0, 1);
        requireRange("heightShift", heightShift, 0, 1);
        requireRange("channelShift", channelShift, 0, 255);
        requireRange("brightnessMin", brightnessMin, 0, 100);
        requireRange("brightnessMax", brightnessMax, 0, 100);
        if (brightnessMin > brightnessMax) {
            throw new IllegalArgumentException("brightness range must have min <= max, got [" + brightnessMin + ", "
                    + brightnessMax + "]; use [1, 1] to turn brightness changes off");
        }
    }

    private static void requireRange(String name, double value, double min, double max) {
        if (!(value >= min && value <= max)) {
            throw new IllegalArgumentException(name + " must be in [" + min + ", " + max + "], got " + value);
        }
    }

    /**
     * The paper's augmentation: horizontal and vertical flips, rotation up to 360 degrees, zoom 0.2, width and height
     * shift 0.1, channel shift 50, brightness in [0, 1.2].
     */
    public static Augmentation paper() {
        return new Augmentation(true, true, 360, 0.2, 0.1, 0.1, 50, 0, 1.2);
    }

    /** No augmentation: images pass unchanged. */
    public static Augmentation none() {
        return new Augmentation(false, false, 0, 0, 0, 0, 0, 1, 1);
    }

    /** True when no part is enabled, so images pass unchanged. */
    public boolean isNone() {
        return !horizontalFlip && !verticalFlip && rotationDegrees == 0 && zoom == 0 && widthShift == 0
                && heightShift == 0 && channelShift == 0 && brightnessMin == 1 && brightnessMax == 1;
    }

    /** True when a part moves pixels (flip, rotation, zoom or shift). */
    boolean isGeometric() {
        return horizontalFlip || verticalFlip || rotationDegrees != 0 || zoom != 0 || widthShift != 0
                || heightShift != 0;
    }

    /** A copy with random left-right flips on or off. */
    public Augmentation withHorizontalFlip(boolean on) {
        return new Augmentation(on, verticalFlip, rotationDegrees, zoom, widthShift, heightShift, channelShift,
                brightnessMin, brightnessMax);
    }

    /** A copy with random upside-down flips on or off. */
    public Augmentation withVerticalFlip(boolean on) {
        return new Augmentation(horizontalFlip, on, rotationDegrees, zoom, widthShift, heightShift, channelShift,
                brightnessMin, brightnessMax);
    }

    /** @param degrees maximum rotation in degrees, in [0, 360] */
    public Augmentation withRotationDegrees(double degrees) {
        return new Augmentation(horizontalFlip, verticalFlip, degrees, zoom, widthShift, heightShift, channelShift,
                brightnessMin, brightnessMax);
    }

    /** @param zoom zoom z for the scale range [1 - z, 1 + z], in [0, 1) */
    public Augmentation withZoom(double zoom) {
        return new Augmentation(horizontalFlip, verticalFlip, rotationDegrees, zoom, widthShift, heightShift,
                channelShift, brightnessMin, brightnessMax);
    }

    /**
     * A copy with these maximum shifts.
     *
     * @param width  maximum horizontal shift as a fraction of the width, in [0, 1]
     * @param height maximum vertical shift as a fraction of the height, in [0, 1]
     */
    public Augmentation withShift(double width, double height) {
        return new Augmentation(horizontalFlip, verticalFlip, rotationDegrees, zoom, width, height, channelShift,
                brightnessMin, brightnessMax);
    }

    /** @param pixels maximum channel offset in pixel units (0-255) */
    public Augmentation withChannelShift(double pixels) {
        return new Augmentation(horizontalFlip, verticalFlip, rotationDegrees, zoom, widthShift, heightShift, pixels,
                brightnessMin, brightnessMax);
    }

    /**
     * A copy with this range of brightness factors; [1, 1] turns brightness changes off.
     *
     * @param min smallest brightness factor, in [0, 100]
     * @param max largest brightness factor, in [min, 100]
     */
    public Augmentation withBrightness(double min, double max) {
        return new Augmentation(horizontalFlip, verticalFlip, rotationDegrees, zoom, widthShift, heightShift,
                channelShift, min, max);
    }

    /** "paper augmentation", "no augmentation", or the enabled parts, for descriptions and logs. */
    public String describe() {
        if (equals(paper())) {
            return "paper augmentation";
        }
        if (isNone()) {
            return "no augmentation";
        }
        List<String> parts = new ArrayList<>();
        if (horizontalFlip) {
            parts.add("h-flip");
        }
        if (verticalFlip) {
            parts.add("v-flip");
        }
        if (rotationDegrees != 0) {
            parts.add("rotation " + fmt(rotationDegrees));
        }
        if (zoom != 0) {
            parts.add("zoom " + fmt(zoom));
        }
        if (widthShift != 0 || heightShift != 0) {
            parts.add("shift " + fmt(widthShift) + "x" + fmt(heightShift));
        }
        if (channelShift != 0) {
            parts.add("channel shift " + fmt(channelShift));
        }
        if (brightnessMin != 1 || brightnessMax != 1) {
            parts.add("brightness " + fmt(brightnessMin) + "-" + fmt(brightnessMax));
        }
        return "augmentation (" + String.join(", ", parts) + ")";
    }

    private static String fmt(double v) {
        return v == Math.rint(v) ? Long.toString((long) v) : Double.toString(v);
    }
}
